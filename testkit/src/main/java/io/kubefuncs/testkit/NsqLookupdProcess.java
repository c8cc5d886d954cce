package io.kubefuncs.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A real nsqlookupd on 127.0.0.1 with ports chosen at run time, for testing discovery: consumers
 * query its HTTP address, nsqds register over its TCP address.
 */
public final class NsqLookupdProcess implements AutoCloseable {
  private final ManagedProcess process;

  private NsqLookupdProcess(ManagedProcess process) {
    this.process = process;
  }

  /** Starts an nsqlookupd with default options. */
  public static NsqLookupdProcess start() {
    return builder().start();
  }

  /** Options for nsqlookupd; its addresses are managed by the testkit and cannot be set. */
  public static Builder builder() {
    return new Builder();
  }

  /** Always {@code "127.0.0.1"}. */
  public String host() {
    return ManagedProcess.HOST;
  }

  public int tcpPort() {
    return process.tcpPort();
  }

  public int httpPort() {
    return process.httpPort();
  }

  /** {@code "127.0.0.1:<tcp port>"}, what nsqd's {@code --lookupd-tcp-address} takes. */
  public String tcpAddress() {
    return host() + ":" + tcpPort();
  }

  /** {@code "127.0.0.1:<http port>"}, what consumers are configured with to discover nsqds. */
  public String httpAddress() {
    return host() + ":" + httpPort();
  }

  /** {@code "http://127.0.0.1:<http port>"}, without a trailing slash. */
  public String httpUrl() {
    return process.httpUrl();
  }

  /** nsqlookupd's stdout and stderr over all its restarts. */
  public Path logFile() {
    return process.logFile();
  }

  /** The OS process id of the current (or last) nsqlookupd. */
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

  /** SIGKILL, to simulate a crash. */
  public void kill() {
    process.kill();
  }

  /**
   * Starts nsqlookupd again on the same ports, stopping it first if it still runs. It comes back
   * empty: registrations reappear only as nsqds reconnect to it, as in production.
   */
  public void restart() {
    process.restart();
  }

  /** Stops nsqlookupd and deletes its temporary directory. */
  @Override
  public void close() {
    process.close();
  }

  @Override
  public String toString() {
    return process.toString();
  }

  ManagedProcess process() {
    return process;
  }

  /** Options for one nsqlookupd. */
  public static final class Builder {
    private static final List<String> MANAGED_FLAGS =
        List.of("tcp-address", "http-address", "broadcast-address");

    private final List<String> options = new ArrayList<>();
    private Duration startupTimeout = Duration.ofSeconds(10);
    private NsqBinaries binaries;

    private Builder() {}

    /**
     * Any nsqlookupd flag, passed as given, e.g. {@code "--inactive-producer-timeout=5s"}. Flags
     * that would move its addresses are refused, because the testkit relies on knowing them.
     */
    public Builder option(String flag) {
      Objects.requireNonNull(flag, "flag");
      if (!flag.startsWith("-")) {
        throw new IllegalArgumentException("an nsqlookupd option starts with '-': " + flag);
      }
      String name = flag.replaceFirst("^-+", "").split("=", 2)[0];
      if (MANAGED_FLAGS.contains(name)) {
        throw new IllegalArgumentException(
            "--" + name + " is managed by the testkit and cannot be set");
      }
      options.add(flag);
      return this;
    }

    /** How long to wait for {@code /ping} to answer at (re)start; 10 s by default. */
    public Builder startupTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("startup timeout must be positive: " + timeout);
      }
      this.startupTimeout = timeout;
      return this;
    }

    Builder binaries(NsqBinaries binaries) {
      this.binaries = binaries;
      return this;
    }

    /**
     * Starts nsqlookupd and returns once it answers {@code GET /ping}.
     *
     * @throws IllegalStateException if nsqlookupd cannot be found (the message says where it looked
     *     and to run {@code scripts/install-nsq}) or does not start (the message has its last
     *     output)
     */
    public NsqLookupdProcess start() {
      Path executable =
          (binaries != null ? binaries : NsqBinaries.fromEnvironment()).find("nsqlookupd");
      Path workDirectory = NsqdProcess.createWorkDirectory("nsqlookupd");
      List<String> extra = List.copyOf(options);
      ManagedProcess.Command command =
          (tcpPort, httpPort) -> {
            List<String> arguments = new ArrayList<>();
            arguments.add("--tcp-address=" + ManagedProcess.HOST + ":" + tcpPort);
            arguments.add("--http-address=" + ManagedProcess.HOST + ":" + httpPort);
            arguments.add("--broadcast-address=" + ManagedProcess.HOST);
            arguments.addAll(extra);
            return arguments;
          };
      return new NsqLookupdProcess(
          ManagedProcess.start(
              "nsqlookupd",
              executable,
              workDirectory,
              command,
              startupTimeout,
              ManagedProcess.FREE_PORTS));
    }
  }
}
