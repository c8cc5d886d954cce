package io.kubefuncs.gateway;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gateway --listen-addr :8080 --config routes.yaml --nsqd-addr host:4150 --lookupd-addr host:4161}. */
@Command(name = "gateway", mixinStandardHelpOptions = true, description = "Kubefuncs HTTP gateway: path prefixes to NSQ topics.")
public final class GatewayMain implements Callable<Integer> {
  @Option(names = "--listen-addr", defaultValue = ":8080", description = "[host]:port to serve HTTP on (default ${DEFAULT-VALUE})")
  String listenAddr;

  @Option(names = "--config", required = true, description = "routes file (YAML or JSON), reloaded when it changes")
  Path config;

  @Option(names = "--nsqd-addr", defaultValue = "127.0.0.1:4150", description = "nsqd TCP address to publish to (default ${DEFAULT-VALUE})")
  String nsqdAddr;

  @Option(names = "--lookupd-addr", description = "nsqlookupd HTTP address (repeatable)")
  List<String> lookupdAddrs = new ArrayList<>();

  @Option(names = "--gateway-id", description = "names the gateway's return topic (default: the hostname)")
  String gatewayId;

  @Option(names = "--timeout", defaultValue = "30s", description = "answer timeout for routes that set none (default ${DEFAULT-VALUE})")
  String timeout;

  @Option(names = "--max-body-bytes", defaultValue = "10485760", description = "larger request bodies get 413 (default ${DEFAULT-VALUE})")
  int maxBodyBytes;

  @Option(names = "--hide-function-errors", description = "answer 502 without the function's error text")
  boolean hideFunctionErrors;

  public static void main(String[] args) {
    System.exit(new CommandLine(new GatewayMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    int colon = listenAddr.lastIndexOf(':');
    if (colon < 0) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--listen-addr must be [host]:port, got " + listenAddr);
    }
    String id = gatewayId != null ? gatewayId : InetAddress.getLocalHost().getHostName();
    GatewayConfig cfg = new GatewayConfig(
        listenAddr.substring(0, colon), Integer.parseInt(listenAddr.substring(colon + 1)), config, nsqdAddr,
        List.copyOf(lookupdAddrs), id, RoutesFile.duration("--timeout", timeout), maxBodyBytes, !hideFunctionErrors,
        Duration.ofSeconds(1));
    Gateway gateway;
    try {
      gateway = Gateway.start(cfg);
    } catch (RoutesFile.InvalidRoutesException | java.io.IOException e) {
      System.err.println("gateway: " + e.getMessage());
      return 2;
    }
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      gateway.close();
      stop.countDown();
    }));
    stop.await();
    return 0;
  }
}
