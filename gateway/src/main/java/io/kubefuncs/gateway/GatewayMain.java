package io.kubefuncs.gateway;

import io.kubefuncs.ConfigException;
import io.kubefuncs.internal.Durations;
import io.kubefuncs.internal.Tracing;
import io.kubefuncs.nsq.NsqTls;
import io.kubefuncs.nsq.internal.HostPort;
import io.kubefuncs.nsq.internal.TlsSettings;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code gateway --listen-addr :8080 --config routes.yaml --nsqd-addr host:4150 --lookupd-addr
 * host:4161}. Every value is checked before anything starts: a bad one is one line on stderr naming
 * the flag, and exit code 2. The gateway takes settings from the environment only for NSQ security
 * and tracing: the TLS flags default to the variables functions read ({@code NSQ_TLS}, ...), the
 * AUTH secret comes from {@code NSQ_AUTH_SECRET} or a file, never from the command line, where ps
 * would show it, and tracing reads the standard {@code OTEL_*} ones ({@link Tracing}).
 */
@Command(
    name = "gateway",
    mixinStandardHelpOptions = true,
    description = "Kubefuncs HTTP gateway: path prefixes to NSQ topics.")
public final class GatewayMain implements Callable<Integer> {
  static final int BAD_INPUT = 2;

  /** nsqd's default HTTP port, and the nsq chart's. */
  private static final int NSQD_HTTP_PORT = 4151;

  private static final GatewayConfig.Limits DEFAULTS = GatewayConfig.Limits.DEFAULTS;

  @Option(
      names = "--listen-addr",
      defaultValue = ":8080",
      converter = ListenAddress.Converter.class,
      description = "[host]:port to serve HTTP on (default ${DEFAULT-VALUE})")
  ListenAddress listen;

  @Option(
      names = "--config",
      required = true,
      description = "routes file (YAML or JSON), reloaded when it changes")
  Path config;

  @Option(
      names = "--nsqd-addr",
      defaultValue = "127.0.0.1:4150",
      converter = HostPortText.class,
      description = "nsqd TCP address to publish to (default ${DEFAULT-VALUE})")
  String nsqdAddr;

  @Option(
      names = "--nsqd-http-addr",
      converter = HostPortText.class,
      description =
          "that nsqd's HTTP address, where the routes' topics are created (default: the host of --nsqd-addr, port 4151)")
  String nsqdHttpAddr;

  @Option(
      names = "--lookupd-addr",
      converter = HostPortText.class,
      description = "nsqlookupd HTTP address (repeatable)")
  List<String> lookupdAddrs = new ArrayList<>();

  @Option(
      names = "--gateway-id",
      description = "names the gateway's return topic (default: the hostname)")
  String gatewayId;

  @Option(
      names = "--timeout",
      defaultValue = "30s",
      converter = PositiveDuration.class,
      description = "answer timeout for routes that set none (default ${DEFAULT-VALUE})")
  Duration timeout;

  @Option(
      names = "--max-body-bytes",
      converter = PositiveInt.class,
      description =
          "larger request bodies get 413 (default: what one NSQ message carries, "
              + GatewayConfig.Limits.NSQ_MESSAGE_BODY
              + ")")
  int maxBodyBytes = DEFAULTS.maxBodyBytes();

  @Option(
      names = "--body-budget-bytes",
      converter = PositiveLong.class,
      description =
          "request bodies held at once (being received, or of calls not answered yet), all connections together; beyond it 503 (default 64 MiB)")
  long bodyBudgetBytes = DEFAULTS.bodyBudgetBytes();

  @Option(
      names = "--max-connections",
      converter = PositiveInt.class,
      description =
          "open connections; beyond it a new one gets 503 and is closed (default ${DEFAULT-VALUE})")
  int maxConnections = DEFAULTS.maxConnections();

  @Option(
      names = "--header-timeout",
      converter = PositiveDuration.class,
      description =
          "from a request's first byte (a connection's opening, for its first request) to the end of its headers (default 10s)")
  Duration headerTimeout = DEFAULTS.headerTimeout();

  @Option(
      names = "--body-timeout",
      converter = PositiveDuration.class,
      description = "longest wait for more of a request body (default 10s)")
  Duration bodyTimeout = DEFAULTS.bodyTimeout();

  @Option(
      names = "--idle-timeout",
      converter = PositiveDuration.class,
      description = "how long an idle keep-alive connection stays open (default 75s)")
  Duration idleTimeout = DEFAULTS.idleTimeout();

  @Option(
      names = "--write-timeout",
      converter = PositiveDuration.class,
      description =
          "longest the answers waiting for a client may go without it taking any of their bytes (default 10s)")
  Duration writeTimeout = DEFAULTS.writeTimeout();

  @Option(
      names = "--dashboard-addr",
      converter = ListenAddress.Converter.class,
      description =
          "[host]:port to serve the dashboard on, apart from --listen-addr; keep it private, as 127.0.0.1:8081 (default: no dashboard)")
  ListenAddress dashboardAddr;

  @Option(
      names = "--abuse-cooldown",
      converter = DurationOrZero.class,
      description =
          "after a connection is closed for pipelining too many requests without reading the answers, how long new "
              + "connections from its address get 503; 0s for never (default 10s)")
  Duration abuseCooldown = DEFAULTS.abuseCooldown();

  @Option(
      names = "--hide-function-errors",
      description = "answer 502 without the function's error text")
  boolean hideFunctionErrors;

  @Option(
      names = "--nsq-tls",
      arity = "0..1",
      fallbackValue = "true",
      defaultValue = "${env:NSQ_TLS}",
      description = "TLS to nsqd: true or false (default: $NSQ_TLS, else false)")
  String nsqTls;

  @Option(
      names = "--nsq-tls-ca-file",
      defaultValue = "${env:NSQ_TLS_CA_FILE}",
      description =
          "PEM CA certificates nsqd's certificate must chain to (default: $NSQ_TLS_CA_FILE, else the platform's trust store)")
  String nsqTlsCaFile;

  @Option(
      names = "--nsq-tls-cert-file",
      defaultValue = "${env:NSQ_TLS_CERT_FILE}",
      description =
          "PEM client certificate for nsqd's --tls-client-auth-policy (default: $NSQ_TLS_CERT_FILE)")
  String nsqTlsCertFile;

  @Option(
      names = "--nsq-tls-key-file",
      defaultValue = "${env:NSQ_TLS_KEY_FILE}",
      description = "PEM PKCS#8 key of the client certificate (default: $NSQ_TLS_KEY_FILE)")
  String nsqTlsKeyFile;

  @Option(
      names = "--nsq-tls-server-name",
      defaultValue = "${env:NSQ_TLS_SERVER_NAME}",
      description =
          "name nsqd's certificate must carry (default: $NSQ_TLS_SERVER_NAME, else the host dialled)")
  String nsqTlsServerName;

  // A secret on the command line would show in ps: only a file, or the environment.
  @Option(
      names = "--nsq-auth-secret-file",
      description =
          "file holding the secret sent with AUTH when nsqd asks for it (default: $NSQ_AUTH_SECRET)")
  Path nsqAuthSecretFile;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line as the image runs it: a mistake is one line naming the flag, and exit code 2.
   */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new GatewayMain());
    cli.setParameterExceptionHandler(
        (e, args) -> {
          cli.getErr().println("gateway: " + e.getMessage());
          return BAD_INPUT;
        });
    return cli;
  }

  @Override
  public Integer call() throws Exception {
    if (bodyBudgetBytes < maxBodyBytes) {
      // Found only once both are known; reported as the parse errors are, on the stream the routes
      // file's errors use.
      System.err.println(
          "gateway: --body-budget-bytes ("
              + bodyBudgetBytes
              + ") must be at least "
              + "--max-body-bytes ("
              + maxBodyBytes
              + "), or no body that large could ever be taken");
      return BAD_INPUT;
    }
    NsqTls tls;
    String authSecret;
    try {
      tls =
          TlsSettings.read(
              setting("--nsq-tls", "NSQ_TLS", nsqTls),
              setting("--nsq-tls-ca-file", "NSQ_TLS_CA_FILE", nsqTlsCaFile),
              setting("--nsq-tls-cert-file", "NSQ_TLS_CERT_FILE", nsqTlsCertFile),
              setting("--nsq-tls-key-file", "NSQ_TLS_KEY_FILE", nsqTlsKeyFile),
              setting("--nsq-tls-server-name", "NSQ_TLS_SERVER_NAME", nsqTlsServerName));
      authSecret = authSecret(System.getenv("NSQ_AUTH_SECRET"));
    } catch (IllegalArgumentException e) {
      System.err.println("gateway: " + e.getMessage());
      return BAD_INPUT;
    }
    String id = gatewayId != null ? gatewayId : InetAddress.getLocalHost().getHostName();
    String nsqdHttp =
        nsqdHttpAddr != null
            ? nsqdHttpAddr
            : new HostPort(HostPort.parse(nsqdAddr, "address").host(), NSQD_HTTP_PORT).toString();
    GatewayConfig cfg =
        GatewayConfig.builder(config)
            .listen(listen.host(), listen.port())
            .nsqd(nsqdAddr)
            .nsqdHttp(nsqdHttp)
            .lookupd(lookupdAddrs)
            .gatewayId(id)
            .defaultTimeout(timeout)
            .exposeFunctionErrors(!hideFunctionErrors)
            .limits(
                new GatewayConfig.Limits(
                    headerTimeout,
                    bodyTimeout,
                    idleTimeout,
                    writeTimeout,
                    maxConnections,
                    maxBodyBytes,
                    bodyBudgetBytes,
                    abuseCooldown))
            .nsqSecurity(tls, authSecret)
            .build();
    Gateway gateway;
    OpenTelemetrySdk tracing;
    try {
      tracing = Tracing.fromEnvironment(System.getenv(), "kubefuncs-gateway").orElse(null);
    } catch (ConfigException e) {
      System.err.println("gateway: " + e.getMessage());
      return BAD_INPUT;
    }
    try {
      gateway =
          Gateway.start(
              cfg,
              PrometheusRegistry.defaultRegistry,
              null,
              tracing,
              dashboardAddr == null
                  ? null
                  : new DashboardSettings(
                      dashboardAddr.host(),
                      dashboardAddr.port(),
                      KubernetesFunctions.inPod(System.getenv())));
    } catch (RoutesFile.InvalidRoutesException | java.io.IOException e) {
      System.err.println("gateway: " + e.getMessage());
      return BAD_INPUT;
    }
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  gateway.close();
                  if (tracing != null) {
                    tracing.close(); // last: sends the spans of the requests the close answered
                  }
                  stop.countDown();
                }));
    stop.await();
    return 0;
  }

  private static TlsSettings.Setting setting(String flag, String variable, String value) {
    return new TlsSettings.Setting(flag + " (or " + variable + ")", value);
  }

  /**
   * From {@code --nsq-auth-secret-file} or the environment, not both: which one counts would be a
   * guess.
   */
  String authSecret(String fromEnvironment) {
    boolean inEnvironment = fromEnvironment != null && !fromEnvironment.isEmpty();
    if (nsqAuthSecretFile == null) {
      return inEnvironment ? fromEnvironment : null;
    }
    if (inEnvironment) {
      throw new IllegalArgumentException(
          "--nsq-auth-secret-file and NSQ_AUTH_SECRET are both set: give the AUTH secret one way");
    }
    String secret;
    try {
      secret = Files.readString(nsqAuthSecretFile, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "--nsq-auth-secret-file: " + NsqTls.cannotRead(nsqAuthSecretFile, e), e);
    }
    // Files written by editors and `echo` end in a newline that is no part of the secret.
    secret =
        secret.endsWith("\r\n")
            ? secret.substring(0, secret.length() - 2)
            : secret.endsWith("\n") ? secret.substring(0, secret.length() - 1) : secret;
    if (secret.isEmpty()) {
      throw new IllegalArgumentException(
          "--nsq-auth-secret-file: " + nsqAuthSecretFile + " is empty");
    }
    return secret;
  }

  /**
   * {@code [host]:port}; no host means every interface. The host must resolve now, not at bind
   * time.
   */
  record ListenAddress(String host, int port) {
    static final class Converter implements ITypeConverter<ListenAddress> {
      @Override
      public ListenAddress convert(String text) {
        int colon = text.lastIndexOf(':');
        int port = -1;
        if (colon >= 0) {
          try {
            port = Integer.parseInt(text.substring(colon + 1));
          } catch (NumberFormatException e) {
            // reported below
          }
        }
        if (port < 0 || port > 65535) {
          throw new TypeConversionException(
              "'" + text + "' is not [host]:port with a port from 0 to 65535, like :8080");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
          host = host.substring(1, host.length() - 1);
        }
        if (!host.isEmpty()) {
          try {
            InetAddress.getByName(host);
          } catch (UnknownHostException e) {
            throw new TypeConversionException("'" + text + "': unknown host " + host);
          }
        }
        return new ListenAddress(host, port);
      }
    }
  }

  /** A {@code host:port}, checked as the NSQ client will read it, and kept as written. */
  static final class HostPortText implements ITypeConverter<String> {
    @Override
    public String convert(String text) {
      try {
        HostPort.parse(text, "address");
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
      return text;
    }
  }

  static class DurationOrZero implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String text) {
      Duration d;
      try {
        d = Durations.parse(text);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
      if (d.isNegative()) {
        throw new TypeConversionException(
            "'" + text + "' must be 0s or a positive duration like 500ms, 30s or 2m");
      }
      return d;
    }
  }

  static final class PositiveDuration extends DurationOrZero {
    @Override
    public Duration convert(String text) {
      Duration d = super.convert(text);
      if (d.isZero()) {
        throw new TypeConversionException(
            "'" + text + "' must be a positive duration like 500ms, 30s or 2m");
      }
      return d;
    }
  }

  static final class PositiveInt implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String text) {
      long n = new PositiveLong().convert(text);
      if (n > Integer.MAX_VALUE) {
        throw new TypeConversionException("'" + text + "' is more than " + Integer.MAX_VALUE);
      }
      return (int) n;
    }
  }

  static final class PositiveLong implements ITypeConverter<Long> {
    @Override
    public Long convert(String text) {
      long n;
      try {
        n = Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw new TypeConversionException("'" + text + "' is not a whole number");
      }
      if (n < 1) {
        throw new TypeConversionException("'" + text + "' must be at least 1");
      }
      return n;
    }
  }
}
