package io.kubefuncs;

import io.kubefuncs.testkit.RuntimeContract;
import io.kubefuncs.testkit.TestClassPath;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A function as users write it, for {@link SigtermDrainTest} and {@link ReadyIsWarmTest} to run in
 * a child JVM ({@link #start}): each event takes 1.5 s, then its id is appended to the file named
 * by {@code DONE_FILE}, one line per event completed.
 */
public final class SlowFunctionMain {
  private SlowFunctionMain() {}

  /**
   * Starts it in a child JVM with {@code jvmFlags}, and this JVM's environment without the function
   * runtime's variables (and {@code DONE_FILE}) plus {@code env}.
   */
  static Process start(List<String> jvmFlags, Map<String, String> env, Path stdout, Path stderr)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElseThrow());
    command.addAll(jvmFlags);
    command.addAll(
        List.of("-cp", TestClassPath.of(SlowFunctionMain.class), SlowFunctionMain.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(command);
    RuntimeContract contract = RuntimeContract.load();
    pb.environment().keySet().removeIf(k -> contract.declares(k) || k.equals("DONE_FILE"));
    pb.environment().putAll(env);
    return pb.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
  }

  /** A port free on 127.0.0.1 now, for the child's {@code HEALTHZ_ADDR}. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  public static void main(String[] args) {
    String doneFile = System.getenv("DONE_FILE");
    Path done = doneFile == null ? null : Path.of(doneFile);
    Kubefuncs.run(
        msg -> {
          Thread.sleep(1_500);
          if (done != null) {
            record(done, msg.id());
          }
        });
  }

  private static synchronized void record(Path done, String id) throws IOException {
    Files.writeString(
        done,
        id + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }
}
