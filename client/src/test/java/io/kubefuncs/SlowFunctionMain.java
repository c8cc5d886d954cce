package io.kubefuncs;

import io.kubefuncs.testkit.ChildLog;
import io.kubefuncs.testkit.RuntimeContract;
import io.kubefuncs.testkit.TestClassPath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A function as users write it, for {@link SigtermDrainTest} and {@link ReadyIsWarmTest} to run in
 * a child JVM ({@link #start}): each event takes 1.5 s, then its id is appended to the file named
 * by {@code DONE_FILE}, one line per event completed.
 */
public final class SlowFunctionMain {
  private static final Pattern HEALTH_ON = Pattern.compile("health on :(\\d+)");

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

  /**
   * The port of a child's {@code /healthz} when its {@code HEALTHZ_ADDR} has port 0, from the line
   * it logs (to {@code stderr}) before {@code /healthz} turns 200.
   */
  static int healthPort(Process function, Path stderr) {
    return Integer.parseInt(
        new ChildLog(function, stderr).await(HEALTH_ON, Duration.ofSeconds(30)));
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
