package io.kubefuncs.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code kubectl port-forward} to a Service, on 127.0.0.1 and a port the kernel picks. */
final class PortForward implements AutoCloseable {
  private static final Pattern FORWARDING =
      Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) ->");

  private final Process process;
  final int port;

  PortForward(Cluster cluster, String namespace, String target, int remotePort) throws Exception {
    process =
        cluster.startKubectl(
            "-n", namespace, "port-forward", "--address", "127.0.0.1", target, ":" + remotePort);
    CompletableFuture<Integer> local = new CompletableFuture<>();
    StringBuilder seen = new StringBuilder();
    Thread.ofVirtual()
        .start(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  Matcher m = FORWARDING.matcher(line);
                  if (m.find()) {
                    local.complete(Integer.parseInt(m.group(1)));
                  } else if (!line.startsWith("Handling connection")) {
                    synchronized (seen) {
                      seen.append(line).append('\n');
                    }
                  }
                }
              } catch (IOException e) {
                local.completeExceptionally(e);
              }
              local.completeExceptionally(new IOException("kubectl port-forward ended: " + seen));
            });
    port = local.get(60, TimeUnit.SECONDS);
  }

  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
