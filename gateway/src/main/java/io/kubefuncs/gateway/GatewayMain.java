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
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.MissingArgumentException;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.apache.commons.cli.UnrecognizedOptionException;
import org.apache.commons.cli.help.HelpFormatter;
import org.apache.commons.cli.help.TextHelpAppendable;

/**
 * {@code gateway --listen-addr :8080 --config routes.yaml --nsqd-addr host:4150 --lookupd-addr
 * host:4161}. Every value is checked before anything starts: a bad one is one line on stderr naming
 * the flag, and exit code 2. The gateway takes settings from the environment only for NSQ security
 * and tracing: the TLS flags default to the variables functions read ({@code NSQ_TLS}, ...), the
 * AUTH secret comes from {@code NSQ_AUTH_SECRET} or a file, never from the command line, where ps
 * would show it, and tracing reads the standard {@code OTEL_*} ones ({@link Tracing}).
 *
 * <p>Flags are read with Apache Commons CLI, not picocli as the kubefuncs CLI's: picocli's class
 * files are Java 5's, which the JVM cannot keep in the image's AOT cache, and building its model of
 * this command by reflection took 120-170 ms of every start, more than a third of the gateway's
 * (bench/README.md, "The gateway image").
 */
public final class GatewayMain {
  static final int BAD_INPUT = 2;

  /** nsqd's default HTTP port, and the nsq chart's. */
  private static final int NSQD_HTTP_PORT = 4151;

  private static final GatewayConfig.Limits DEFAULTS = GatewayConfig.Limits.DEFAULTS;

  /** The flags in the order --help lists them; all long, and all but three take a value. */
  private static final Options FLAGS =
      new Options()
          .addOption(flag("listen-addr", "[host]:port", "to serve HTTP on (default :8080)"))
          .addOption(flag("config", "file", "routes file (YAML or JSON), reloaded when it changes"))
          .addOption(
              flag(
                  "nsqd-addr",
                  "host:port",
                  "nsqd TCP address to publish to (default 127.0.0.1:4150)"))
          .addOption(
              flag(
                  "nsqd-http-addr",
                  "host:port",
                  "that nsqd's HTTP address, where the routes' topics are created (default: the host of --nsqd-addr, port 4151)"))
          .addOption(flag("lookupd-addr", "host:port", "nsqlookupd HTTP address (repeatable)"))
          .addOption(
              flag("gateway-id", "id", "names the gateway's return topic (default: the hostname)"))
          .addOption(
              flag("timeout", "duration", "answer timeout for routes that set none (default 30s)"))
          .addOption(
              flag(
                  "max-body-bytes",
                  "n",
                  "larger request bodies get 413 (default: what one NSQ message carries, "
                      + GatewayConfig.Limits.NSQ_MESSAGE_BODY
                      + ")"))
          .addOption(
              flag(
                  "body-budget-bytes",
                  "n",
                  "request bodies held at once (being received, or of calls not answered yet), all connections together; beyond it 503 (default 64 MiB)"))
          .addOption(
              flag(
                  "max-connections",
                  "n",
                  "open connections; beyond it a new one gets 503 and is closed (default "
                      + DEFAULTS.maxConnections()
                      + ")"))
          .addOption(
              flag(
                  "header-timeout",
                  "duration",
                  "from a request's first byte (a connection's opening, for its first request) to the end of its headers (default 10s)"))
          .addOption(
              flag(
                  "body-timeout",
                  "duration",
                  "longest wait for more of a request body (default 10s)"))
          .addOption(
              flag(
                  "idle-timeout",
                  "duration",
                  "how long an idle keep-alive connection stays open (default 75s)"))
          .addOption(
              flag(
                  "write-timeout",
                  "duration",
                  "longest the answers waiting for a client may go without it taking any of their bytes (default 10s)"))
          .addOption(
              flag(
                  "dashboard-addr",
                  "[host]:port",
                  "to serve the dashboard on, apart from --listen-addr; keep it private, as 127.0.0.1:8081 (default: no dashboard)"))
          .addOption(
              flag(
                  "abuse-cooldown",
                  "duration",
                  "after a connection is closed for pipelining too many requests without reading the answers, how long new "
                      + "connections from its address get 503; 0s for never (default 10s)"))
          .addOption(
              flag("hide-function-errors", null, "answer 502 without the function's error text"))
          .addOption(
              Option.builder()
                  .longOpt("nsq-tls")
                  .hasArg()
                  .optionalArg(true)
                  .argName("true|false")
                  .desc("TLS to nsqd (default: $NSQ_TLS, else false)")
                  .get())
          .addOption(
              flag(
                  "nsq-tls-ca-file",
                  "file",
                  "PEM CA certificates nsqd's certificate must chain to (default: $NSQ_TLS_CA_FILE, else the platform's trust store)"))
          .addOption(
              flag(
                  "nsq-tls-cert-file",
                  "file",
                  "PEM client certificate for nsqd's --tls-client-auth-policy (default: $NSQ_TLS_CERT_FILE)"))
          .addOption(
              flag(
                  "nsq-tls-key-file",
                  "file",
                  "PEM PKCS#8 key of the client certificate (default: $NSQ_TLS_KEY_FILE)"))
          .addOption(
              flag(
                  "nsq-tls-server-name",
                  "name",
                  "name nsqd's certificate must carry (default: $NSQ_TLS_SERVER_NAME, else the host dialled)"))
          // A secret on the command line would show in ps: only a file, or the environment.
          .addOption(
              flag(
                  "nsq-auth-secret-file",
                  "file",
                  "file holding the secret sent with AUTH when nsqd asks for it (default: $NSQ_AUTH_SECRET)"))
          .addOption(Option.builder("h").longOpt("help").desc("show this help and exit").get());

  ListenAddress listen = new ListenAddress("", 8080);
  Path config;
  String nsqdAddr = "127.0.0.1:4150";
  String nsqdHttpAddr;
  List<String> lookupdAddrs = new ArrayList<>();
  String gatewayId;
  Duration timeout = Duration.ofSeconds(30);
  int maxBodyBytes = DEFAULTS.maxBodyBytes();
  long bodyBudgetBytes = DEFAULTS.bodyBudgetBytes();
  int maxConnections = DEFAULTS.maxConnections();
  Duration headerTimeout = DEFAULTS.headerTimeout();
  Duration bodyTimeout = DEFAULTS.bodyTimeout();
  Duration idleTimeout = DEFAULTS.idleTimeout();
  Duration writeTimeout = DEFAULTS.writeTimeout();
  ListenAddress dashboardAddr;
  Duration abuseCooldown = DEFAULTS.abuseCooldown();
  boolean hideFunctionErrors;
  String nsqTls;
  String nsqTlsCaFile;
  String nsqTlsCertFile;
  String nsqTlsKeyFile;
  String nsqTlsServerName;
  Path nsqAuthSecretFile;

  /**
   * The environment {@link #run} was given: the TLS flags' defaults, the AUTH secret, tracing, and
   * the default gateway id.
   */
  private final Map<String, String> env;

  public static void main(String[] args) throws Exception {
    System.exit(
        run(
            args,
            System.getenv(),
            new PrintWriter(System.out, true, Charset.defaultCharset()),
            new PrintWriter(System.err, true, Charset.defaultCharset())));
  }

  /**
   * Parses {@code args}, then runs the gateway until the JVM is told to stop; returns the exit
   * code: 0 after {@code --help}, {@link #BAD_INPUT} for a mistake in the flags or the routes file,
   * reported as one line on {@code err}.
   */
  public static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err)
      throws Exception {
    CommandLine line;
    try {
      line =
          DefaultParser.builder()
              .setAllowPartialMatching(false)
              .setStripLeadingAndTrailingQuotes(false)
              .get()
              .parse(FLAGS, args);
    } catch (ParseException e) {
      err.println("gateway: " + describe(e));
      return BAD_INPUT;
    }
    if (line.hasOption("help")) {
      printHelp(out);
      out.flush();
      return 0;
    }
    GatewayMain main = new GatewayMain(env);
    try {
      main.set(line);
    } catch (IllegalArgumentException e) {
      err.println("gateway: " + e.getMessage());
      return BAD_INPUT;
    }
    return main.start(err);
  }

  GatewayMain() {
    this(Map.of());
  }

  private GatewayMain(Map<String, String> env) {
    this.env = env;
    nsqTls = env.get("NSQ_TLS");
    nsqTlsCaFile = env.get("NSQ_TLS_CA_FILE");
    nsqTlsCertFile = env.get("NSQ_TLS_CERT_FILE");
    nsqTlsKeyFile = env.get("NSQ_TLS_KEY_FILE");
    nsqTlsServerName = env.get("NSQ_TLS_SERVER_NAME");
  }

  private static Option flag(String name, String value, String description) {
    Option.Builder b = Option.builder().longOpt(name).desc(description);
    return (value == null ? b : b.hasArg().argName(value)).get();
  }

  /** The flags of {@code line}, in the order given; a value that is wrong names its flag. */
  private void set(CommandLine line) {
    if (!line.getArgList().isEmpty()) {
      throw new IllegalArgumentException(
          "unexpected argument '" + line.getArgList().get(0) + "': every setting is a --flag");
    }
    Set<String> given = new HashSet<>();
    for (Option option : line.getOptions()) {
      String name = option.getLongOpt();
      if (!given.add(name) && !name.equals("lookupd-addr")) {
        throw new IllegalArgumentException("--" + name + " is given more than once");
      }
      String value = option.getValue();
      try {
        set(name, value);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--" + name + ": " + e.getMessage(), e);
      }
    }
    if (config == null) {
      throw new IllegalArgumentException(
          "--config is required: the routes file (YAML or JSON) that maps path prefixes to topics");
    }
  }

  private void set(String name, String value) {
    switch (name) {
      case "listen-addr" -> listen = ListenAddress.parse(value);
      case "config" -> config = Path.of(value);
      case "nsqd-addr" -> nsqdAddr = hostPort(value);
      case "nsqd-http-addr" -> nsqdHttpAddr = hostPort(value);
      case "lookupd-addr" -> lookupdAddrs.add(hostPort(value));
      case "gateway-id" -> gatewayId = value;
      case "timeout" -> timeout = positiveDuration(value);
      case "max-body-bytes" -> maxBodyBytes = positiveInt(value);
      case "body-budget-bytes" -> bodyBudgetBytes = positiveLong(value);
      case "max-connections" -> maxConnections = positiveInt(value);
      case "header-timeout" -> headerTimeout = positiveDuration(value);
      case "body-timeout" -> bodyTimeout = positiveDuration(value);
      case "idle-timeout" -> idleTimeout = positiveDuration(value);
      case "write-timeout" -> writeTimeout = positiveDuration(value);
      case "dashboard-addr" -> dashboardAddr = ListenAddress.parse(value);
      case "abuse-cooldown" -> abuseCooldown = durationOrZero(value);
      case "hide-function-errors" -> hideFunctionErrors = true;
      case "nsq-tls" -> nsqTls = value == null ? "true" : value;
      case "nsq-tls-ca-file" -> nsqTlsCaFile = value;
      case "nsq-tls-cert-file" -> nsqTlsCertFile = value;
      case "nsq-tls-key-file" -> nsqTlsKeyFile = value;
      case "nsq-tls-server-name" -> nsqTlsServerName = value;
      case "nsq-auth-secret-file" -> nsqAuthSecretFile = Path.of(value);
      default -> throw new IllegalStateException("a flag without a setter: --" + name);
    }
  }

  /** Commons CLI's messages name options without their dashes. */
  private static String describe(ParseException e) {
    if (e instanceof MissingArgumentException missing) {
      return "--" + missing.getOption().getLongOpt() + " needs a value";
    }
    if (e instanceof UnrecognizedOptionException unknown) {
      return "unknown flag " + unknown.getOption() + " (--help lists them)";
    }
    return e.getMessage();
  }

  /** What {@code --help} prints: the flags, each with its default. */
  public static String help() {
    StringBuilder text = new StringBuilder();
    try {
      printHelp(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // appending to a StringBuilder: cannot happen
    }
    return text.toString();
  }

  private static void printHelp(Appendable out) throws IOException {
    HelpFormatter.builder()
        .setShowSince(false)
        .setHelpAppendable(new TextHelpAppendable(out))
        .get()
        .printHelp(
            "gateway --config FILE [flags]",
            "Kubefuncs HTTP gateway: path prefixes to NSQ topics.",
            FLAGS,
            "",
            false);
  }

  private int start(PrintWriter err) throws Exception {
    if (bodyBudgetBytes < maxBodyBytes) {
      // Found only once both are known; reported as the parse errors are.
      err.println(
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
      authSecret = authSecret(env.get("NSQ_AUTH_SECRET"));
    } catch (IllegalArgumentException e) {
      err.println("gateway: " + e.getMessage());
      return BAD_INPUT;
    }
    // HOSTNAME is the pod's name in every container: no name lookup at start, as the NSQ client.
    String hostname = env.get("HOSTNAME");
    String id =
        gatewayId != null
            ? gatewayId
            : hostname != null && !hostname.isBlank()
                ? hostname
                : InetAddress.getLocalHost().getHostName();
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
      tracing = Tracing.fromEnvironment(env, "kubefuncs-gateway").orElse(null);
    } catch (ConfigException e) {
      err.println("gateway: " + e.getMessage());
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
                      dashboardAddr.host(), dashboardAddr.port(), KubernetesFunctions.inPod(env)));
    } catch (NoSuchFileException e) {
      err.println("gateway: --config: there is no file " + e.getFile());
      return BAD_INPUT;
    } catch (RoutesFile.InvalidRoutesException | IOException e) {
      err.println("gateway: " + e.getMessage());
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
    static ListenAddress parse(String text) {
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
        throw new IllegalArgumentException(
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
          throw new IllegalArgumentException("'" + text + "': unknown host " + host);
        }
      }
      return new ListenAddress(host, port);
    }
  }

  /** A {@code host:port}, checked as the NSQ client will read it, and kept as written. */
  static String hostPort(String text) {
    HostPort.parse(text, "address");
    return text;
  }

  static Duration durationOrZero(String text) {
    Duration d = Durations.parse(text);
    if (d.isNegative()) {
      throw new IllegalArgumentException(
          "'" + text + "' must be 0s or a positive duration like 500ms, 30s or 2m");
    }
    return d;
  }

  static Duration positiveDuration(String text) {
    Duration d = durationOrZero(text);
    if (d.isZero()) {
      throw new IllegalArgumentException(
          "'" + text + "' must be a positive duration like 500ms, 30s or 2m");
    }
    return d;
  }

  static int positiveInt(String text) {
    long n = positiveLong(text);
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("'" + text + "' is more than " + Integer.MAX_VALUE);
    }
    return (int) n;
  }

  static long positiveLong(String text) {
    long n;
    try {
      n = Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not a whole number");
    }
    if (n < 1) {
      throw new IllegalArgumentException("'" + text + "' must be at least 1");
    }
    return n;
  }
}
