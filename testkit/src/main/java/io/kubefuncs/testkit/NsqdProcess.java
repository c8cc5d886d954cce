package io.kubefuncs.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A real nsqd on 127.0.0.1, on ports chosen at run time so that tests can run in parallel and next
 * to a developer's own nsqd, with its data in a fresh temporary directory so that no state leaks
 * between tests.
 *
 * <p>It can be stopped, killed and restarted on the same ports and data directory, because what a
 * client must survive is its nsqd going away and coming back at the same address.
 *
 * <pre>{@code
 * try (NsqdProcess nsqd = NsqdProcess.builder().msgTimeout(Duration.ofSeconds(1)).start()) {
 *   connect(nsqd.tcpAddress());
 * }
 * }</pre>
 */
public final class NsqdProcess extends NsqProcess {
  private NsqdProcess(ManagedProcess process) {
    super(process);
  }

  /** Starts an nsqd with default options; see {@link #builder()} to change them. */
  public static NsqdProcess start() {
    return builder().start();
  }

  /** Options for nsqd; addresses and the data path are managed by the testkit and cannot be set. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The {@code --data-path}; it survives {@link #kill()} and {@link #restart()}, as on a real host.
   */
  public Path dataDirectory() {
    return process.workDirectory().resolve("data");
  }

  /**
   * Creates a topic through the HTTP API, so that it exists (and is registered with the lookupds)
   * before anything is published; a consumer started first would otherwise find no producer.
   */
  public void createTopic(String topic) {
    post("/topic/create?topic=" + Http.encode(topic), new byte[0]);
  }

  /**
   * Publishes one message through the HTTP API, which does not involve the TCP producer under test.
   */
  public void publish(String topic, byte[] body) {
    post("/pub?topic=" + Http.encode(topic), body);
  }

  /**
   * The environment a function reads (as the function chart sets it) to consume {@code topic} from
   * this nsqd, with its health server on a free port: a map to add to.
   */
  public Map<String, String> functionEnvironment(String topic) {
    Map<String, String> env = new HashMap<>();
    env.put("TOPIC", topic);
    env.put("NSQ_NSQD_ADDR", host());
    env.put("NSQ_NSQD_PORT", String.valueOf(tcpPort()));
    env.put("HEALTHZ_ADDR", "127.0.0.1:0");
    return env;
  }

  private void post(String pathAndQuery, byte[] body) {
    String url = httpUrl() + pathAndQuery;
    Http.Response response;
    try {
      response = process.http().post(url, body);
    } catch (IOException e) {
      throw new UncheckedIOException("POST " + url + " failed", e);
    }
    if (response.status() != 200) {
      throw new IllegalStateException(
          "POST " + url + " answered " + response.status() + ": " + response.body());
    }
  }

  /** Options for one nsqd. */
  public static final class Builder {
    private static final List<String> MANAGED_FLAGS =
        List.of("tcp-address", "http-address", "https-address", "broadcast-address", "data-path");

    private final List<String> lookupdTcpAddresses = new ArrayList<>();
    private final List<String> options = new ArrayList<>();
    private Duration startupTimeout = Duration.ofSeconds(10);
    private NsqBinaries binaries;
    private ManagedProcess.PortAllocator ports = ManagedProcess.FREE_PORTS;

    private Builder() {}

    /** Registers nsqd with this lookupd, so consumers can discover it. May be called repeatedly. */
    public Builder lookupd(NsqLookupdProcess lookupd) {
      return lookupdTcpAddress(lookupd.tcpAddress());
    }

    /**
     * Registers nsqd with a lookupd at {@code host:port} (its TCP port), e.g. one not started here.
     */
    public Builder lookupdTcpAddress(String hostAndPort) {
      lookupdTcpAddresses.add(Objects.requireNonNull(hostAndPort, "hostAndPort"));
      return this;
    }

    /**
     * {@code --msg-timeout}: a short one makes redelivery after a missed FIN observable quickly.
     */
    public Builder msgTimeout(Duration timeout) {
      return option("--msg-timeout=" + goDuration(timeout));
    }

    /** {@code --max-msg-size} in bytes, to test the rejection of large messages. */
    public Builder maxMsgSize(long bytes) {
      return option("--max-msg-size=" + bytes);
    }

    /** {@code --max-rdy-count}, to test how a client caps RDY to what nsqd allows. */
    public Builder maxRdyCount(int count) {
      return option("--max-rdy-count=" + count);
    }

    /** {@code --auth-http-address} ({@code host:port}), to test AUTH against a fake auth server. */
    public Builder authHttpAddress(String hostAndPort) {
      return option("--auth-http-address=" + hostAndPort);
    }

    /**
     * TLS with the given certificates: {@code --tls-cert}/{@code --tls-key} of the server
     * certificate, and {@code --tls-root-ca-file} of their CA, which client certificates are
     * checked against. Clients may then upgrade; {@link #tlsRequired} makes them.
     */
    public Builder tls(TestCertificates certificates) {
      option("--tls-cert=" + certificates.serverCertificate());
      option("--tls-key=" + certificates.serverKey());
      return option("--tls-root-ca-file=" + certificates.caCertificate());
    }

    /**
     * {@code --tls-required}: {@code "true"} (TCP and HTTP; the plain HTTP port then answers only
     * 403, so {@link #createTopic} and {@link #publish} do not work) or {@code "tcp-https"} (TCP
     * only, as the charts run nsqd).
     */
    public Builder tlsRequired(String policy) {
      return option("--tls-required=" + policy);
    }

    /** {@code --tls-client-auth-policy}: {@code "require"} or {@code "require-verify"}. */
    public Builder tlsClientAuthPolicy(String policy) {
      return option("--tls-client-auth-policy=" + policy);
    }

    /**
     * Any other nsqd flag, passed as given, e.g. {@code "--mem-queue-size=0"}. Flags that would
     * move nsqd's addresses or data path are refused, because the testkit relies on knowing them.
     */
    public Builder option(String flag) {
      options.add(checkedOption("nsqd", MANAGED_FLAGS, flag));
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

    Builder ports(ManagedProcess.PortAllocator ports) {
      this.ports = ports;
      return this;
    }

    /**
     * Starts nsqd and returns once it answers {@code GET /ping}.
     *
     * @throws IllegalStateException if nsqd cannot be found (the message says where it looked and
     *     to run {@code scripts/install-nsq}) or does not start (the message has its last output)
     */
    public NsqdProcess start() {
      Path executable = (binaries != null ? binaries : NsqBinaries.fromEnvironment()).find("nsqd");
      Path workDirectory = createWorkDirectory("nsqd");
      Path dataDirectory = workDirectory.resolve("data");
      try {
        Files.createDirectories(dataDirectory);
      } catch (IOException e) {
        Reaper.deleteQuietly(workDirectory);
        throw new UncheckedIOException("cannot create " + dataDirectory, e);
      }
      List<String> lookupds = List.copyOf(lookupdTcpAddresses);
      List<String> extra = List.copyOf(options);
      ManagedProcess.Command command =
          (tcpPort, httpPort) -> {
            List<String> arguments = new ArrayList<>();
            arguments.add("--tcp-address=" + ManagedProcess.HOST + ":" + tcpPort);
            arguments.add("--http-address=" + ManagedProcess.HOST + ":" + httpPort);
            // Given a certificate, nsqd also serves HTTPS, by default on 0.0.0.0:4152: loopback and
            // a free port instead.
            arguments.add("--https-address=" + ManagedProcess.HOST + ":0");
            arguments.add("--broadcast-address=" + ManagedProcess.HOST);
            arguments.add("--data-path=" + dataDirectory);
            for (String lookupd : lookupds) {
              arguments.add("--lookupd-tcp-address=" + lookupd);
            }
            arguments.addAll(extra);
            return arguments;
          };
      return new NsqdProcess(
          ManagedProcess.start("nsqd", executable, workDirectory, command, startupTimeout, ports));
    }
  }

  static Path createWorkDirectory(String program) {
    try {
      Path directory = Files.createTempDirectory("kubefuncs-" + program + "-");
      Reaper.register(directory);
      return directory;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory for " + program, e);
    }
  }

  /** Go's duration syntax, in the coarsest exact unit so the command line stays readable. */
  static String goDuration(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("negative duration: " + duration);
    }
    long nanos = duration.toNanos();
    if (nanos % 1_000_000_000L == 0) {
      return nanos / 1_000_000_000L + "s";
    }
    if (nanos % 1_000_000L == 0) {
      return nanos / 1_000_000L + "ms";
    }
    return String.format(Locale.ROOT, "%dns", nanos);
  }
}
