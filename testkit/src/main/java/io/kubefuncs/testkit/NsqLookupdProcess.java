package io.kubefuncs.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real nsqlookupd on 127.0.0.1 with ports chosen at run time, for testing discovery: consumers
 * query its HTTP address, nsqds register over its TCP address.
 */
public final class NsqLookupdProcess extends NsqProcess {
  private NsqLookupdProcess(ManagedProcess process) {
    super(process);
  }

  /** Starts an nsqlookupd with default options. */
  public static NsqLookupdProcess start() {
    return builder().start();
  }

  /** Options for nsqlookupd; its addresses are managed by the testkit and cannot be set. */
  public static Builder builder() {
    return new Builder();
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
      options.add(checkedOption("nsqlookupd", MANAGED_FLAGS, flag));
      return this;
    }

    /** How long to wait for {@code /ping} to answer at (re)start; 10 s by default. */
    public Builder startupTimeout(Duration timeout) {
      this.startupTimeout = checkedStartupTimeout(timeout);
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
