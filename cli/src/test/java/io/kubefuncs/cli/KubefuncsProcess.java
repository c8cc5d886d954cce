package io.kubefuncs.cli;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

/**
 * The packaged {@code kubefuncs} jar run as a child process, as {@code ./kubefuncs} runs it: the
 * JDK's bin first on the PATH, so that the functions it starts use this JDK. Its output and error
 * lines are collected for assertions.
 */
final class KubefuncsProcess implements AutoCloseable {
  static final Path JAR = Repo.ROOT.resolve("cli/target/kubefuncs.jar");
  private static final Pattern PID = Pattern.compile("\\bpid (\\d+)");

  private final Process process;
  private final List<String> out = new CopyOnWriteArrayList<>();
  private final List<String> err = new CopyOnWriteArrayList<>();
  private final Thread outReader;
  private final Thread errReader;

  private KubefuncsProcess(Process process) {
    this.process = process;
    outReader = collect(process.getInputStream(), out, "out");
    errReader = collect(process.getErrorStream(), err, "err");
  }

  static KubefuncsProcess start(Path cwd, String... args) throws IOException {
    if (!Files.exists(JAR)) {
      throw new IllegalStateException(
          JAR + " is missing: these tests run after `package` (mvn verify)");
    }
    List<String> command = new ArrayList<>();
    if (sigintIgnored()) {
      // Started in the background (nohup, a CI runner without job control), this JVM ignores
      // SIGINT, and so would kubefuncs, as the JVM keeps an inherited SIG_IGN: Ctrl-C, as
      // interrupt() sends it, would do nothing. A terminal's foreground process has the default.
      command.addAll(List.of("env", "--default-signal=INT"));
    }
    command.addAll(List.of(javaHome().resolve("bin/java").toString(), "-jar", JAR.toString()));
    command.addAll(List.of(args));
    ProcessBuilder b = new ProcessBuilder(command).directory(cwd.toFile());
    b.environment()
        .put("PATH", javaHome().resolve("bin") + File.pathSeparator + System.getenv("PATH"));
    b.environment().put("JAVA_HOME", javaHome().toString());
    return start(b);
  }

  /**
   * {@code kubefuncs dev} in {@code cwd}, its gateway on {@code 127.0.0.1:gatewayPort}, its
   * dashboard and broker on free ports, so that it runs beside anything.
   */
  static KubefuncsProcess startDev(Path cwd, int gatewayPort) throws IOException {
    return start(
        cwd,
        onFreeBrokerPorts(
            "dev", "--listen-addr", "127.0.0.1:" + gatewayPort, "--dashboard-addr", "127.0.0.1:0"));
  }

  /** The command line with the broker's nsqd and nsqlookupd ports set to 0: free ones. */
  static String[] onFreeBrokerPorts(String... args) {
    List<String> command = new ArrayList<>(List.of(args));
    for (String flag :
        List.of(
            "--nsqd-tcp-port", "--nsqd-http-port", "--lookupd-tcp-port", "--lookupd-http-port")) {
      command.add(flag);
      command.add("0");
    }
    return command.toArray(String[]::new);
  }

  /** Any way of running kubefuncs, such as the distribution's launcher. */
  static KubefuncsProcess start(ProcessBuilder command) throws IOException {
    return new KubefuncsProcess(command.start());
  }

  static Path javaHome() {
    return Path.of(System.getProperty("java.home"));
  }

  /** Waits for an output line matching {@code line} and returns it. */
  String awaitOut(Predicate<String> line, Duration timeout) {
    return awaitLine(out, line, timeout);
  }

  String awaitErr(Predicate<String> line, Duration timeout) {
    return awaitLine(err, line, timeout);
  }

  /** Waits until {@code times} output lines match {@code line}. */
  void awaitOut(Predicate<String> line, int times, Duration timeout) {
    awaitLines(out, line, times, timeout);
  }

  void awaitErr(Predicate<String> line, int times, Duration timeout) {
    awaitLines(err, line, times, timeout);
  }

  private String awaitLine(List<String> lines, Predicate<String> line, Duration timeout) {
    awaitLines(lines, line, 1, timeout);
    return lines.stream().filter(line).findFirst().orElseThrow();
  }

  private void awaitLines(List<String> lines, Predicate<String> line, int times, Duration timeout) {
    try {
      await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(20))
          .failFast(
              "kubefuncs exited",
              () -> !process.isAlive() && lines.stream().filter(line).count() < times)
          .until(() -> lines.stream().filter(line).count() >= times);
    } catch (ConditionTimeoutException | TerminalFailureException e) {
      throw new AssertionError(
          e.getMessage() + ", waiting for " + times + " such lines; what kubefuncs printed:" + this,
          e);
    }
  }

  /** The pids that the summary lists for replicas ({@code pid 1234}). */
  List<Long> replicaPids() {
    List<Long> pids = new ArrayList<>();
    for (String line : out) {
      Matcher m = PID.matcher(line);
      if (m.find()) {
        pids.add(Long.parseLong(m.group(1)));
      }
    }
    return pids;
  }

  /**
   * SIGTERM, and the exit code once it has exited. Through the handle: {@code Process.destroy()}
   * would also close our ends of its output pipes, and lose what it prints while it stops.
   */
  int terminate(Duration timeout) throws InterruptedException {
    process.toHandle().destroy();
    return awaitExit(timeout);
  }

  /** Whether this process ignores SIGINT (Linux: bit 1 of SigIgn in /proc/self/status). */
  private static boolean sigintIgnored() throws IOException {
    Path status = Path.of("/proc/self/status");
    if (!Files.exists(status)) {
      return false;
    }
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseLong(line.substring("SigIgn:".length()).strip(), 16) & 0x2) != 0;
      }
    }
    return false;
  }

  /** SIGINT, as Ctrl-C sends it to the foreground process. */
  void interrupt() throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-INT", String.valueOf(process.pid())).start();
    if (kill.waitFor() != 0) {
      throw new AssertionError("kill -INT " + process.pid() + " failed with " + kill.exitValue());
    }
  }

  /** The exit code, once the process has exited and everything it printed has been collected. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("kubefuncs did not exit within " + timeout + ": " + this);
    }
    outReader.join(timeout);
    errReader.join(timeout);
    return process.exitValue();
  }

  ProcessHandle handle() {
    return process.toHandle();
  }

  List<String> out() {
    return out;
  }

  List<String> err() {
    return err;
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  @Override
  public String toString() {
    return "\n--- stdout\n" + String.join("\n", out) + "\n--- stderr\n" + String.join("\n", err);
  }

  private static Thread collect(InputStream in, List<String> lines, String name) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // the process is gone
              }
            },
            "kubefuncs-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }
}
