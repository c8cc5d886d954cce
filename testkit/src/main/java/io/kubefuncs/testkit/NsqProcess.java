package io.kubefuncs.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a real nsqd and a real nsqlookupd started by the testkit have in common: loopback addresses
 * on ports chosen at run time, a log, and the means to stop, crash and restart them on the same
 * ports.
 */
public abstract sealed class NsqProcess implements AutoCloseable
    permits NsqdProcess, NsqLookupdProcess {
  final ManagedProcess process;

  NsqProcess(ManagedProcess process) {
    this.process = process;
  }

  /** Always {@code "127.0.0.1"}: the process listens on loopback only and broadcasts that. */
  public String host() {
    return ManagedProcess.HOST;
  }

  public int tcpPort() {
    return process.tcpPort();
  }

  public int httpPort() {
    return process.httpPort();
  }

  /** {@code "127.0.0.1:<tcp port>"}. */
  public String tcpAddress() {
    return host() + ":" + tcpPort();
  }

  /** {@code "127.0.0.1:<http port>"}, as NSQ's tools and consumers' lookupd settings take it. */
  public String httpAddress() {
    return host() + ":" + httpPort();
  }

  /** {@code "http://127.0.0.1:<http port>"}, without a trailing slash, for the HTTP API. */
  public String httpUrl() {
    return process.httpUrl();
  }

  /** The process's stdout and stderr over all its restarts, for diagnosing a failed test. */
  public Path logFile() {
    return process.logFile();
  }

  /** The OS process id of the current (or last) process, e.g. to SIGSTOP it to simulate a hang. */
  public long pid() {
    return process.pid();
  }

  public boolean isRunning() {
    return process.isRunning();
  }

  /** Graceful stop (SIGTERM); killed if it takes over 10 s. */
  public void stop() {
    process.stop();
  }

  /** SIGKILL, to simulate a crash: clients see their connections drop. */
  public void kill() {
    process.kill();
  }

  /**
   * Starts the process again on the same ports, stopping it first if it still runs, and waits until
   * it answers {@code /ping}; clients can then reconnect to the same address.
   */
  public void restart() {
    process.restart();
  }

  /** Stops the process and deletes its temporary directory, log included. */
  @Override
  public void close() {
    process.close();
  }

  @Override
  public String toString() {
    return process.toString();
  }

  /**
   * A flag for {@code program} as a builder's {@code option(flag)} takes it: refused unless it
   * starts with '-', or when it would move what the testkit manages ({@code managed}).
   */
  static String checkedOption(String program, List<String> managed, String flag) {
    Objects.requireNonNull(flag, "flag");
    if (!flag.startsWith("-")) {
      throw new IllegalArgumentException(
          "an " + program + " option starts with '-', e.g. \"--log-level=debug\": " + flag);
    }
    String name = flag.replaceFirst("^-+", "").split("=", 2)[0];
    if (managed.contains(name)) {
      throw new IllegalArgumentException(
          "--" + name + " is managed by the testkit and cannot be set");
    }
    return flag;
  }

  /** A builder's {@code startupTimeout}: positive. */
  static Duration checkedStartupTimeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("startup timeout must be positive: " + timeout);
    }
    return timeout;
  }
}
