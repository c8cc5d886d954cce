package io.kubefuncs.gateway;

import static io.kubefuncs.gateway.TestGateway.getUrl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.Client;
import io.kubefuncs.GatewayResponse;
import io.kubefuncs.nsq.NsqTls;
import io.kubefuncs.testkit.ChildLog;
import io.kubefuncs.testkit.ClassInitLog;
import io.kubefuncs.testkit.NsqAuthServer;
import io.kubefuncs.testkit.NsqExtension;
import io.kubefuncs.testkit.NsqdProcess;
import io.kubefuncs.testkit.NsqdStats;
import io.kubefuncs.testkit.TestCertificates;
import io.kubefuncs.testkit.TestClassPath;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The command line: {@code GatewayMain} in a JVM of its own, as the container runs it, with every
 * flag having its effect; and the exit codes of the mistakes an operator makes.
 */
class GatewayMainTest {
  private static final Pattern DASHBOARD = Pattern.compile("; dashboard on \\S*:(\\d+)");

  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  @Test
  void theFlagsConfigureARunningGatewayAndSigtermStopsIt(@TempDir Path dir) throws Exception {
    String nsqd = nsq.nsqdProcess().tcpAddress();
    Path routes = dir.resolve("routes.yaml");
    Files.writeString(
        routes, "routes:\n  /echo/: echo\n  /fail/: failing\n  /void/: nobody-listens\n");
    Path log = dir.resolve("gateway.log");
    ClassInitLog classInit = new ClassInitLog(dir.resolve("class-init.log"));
    Process gateway =
        startProcess(
            Map.of("JAVA_TOOL_OPTIONS", classInit.jvmFlag()),
            log,
            "--listen-addr",
            "127.0.0.1:0",
            "--config",
            routes.toString(),
            "--nsqd-addr",
            nsqd,
            "--nsqd-http-addr",
            nsq.nsqdProcess().httpAddress(),
            "--gateway-id",
            "main-test",
            "--timeout",
            "400ms",
            "--max-body-bytes",
            "16",
            "--hide-function-errors",
            "--dashboard-addr",
            "127.0.0.1:0");
    try (Client function =
        Client.builder().nsqd(nsqd).clientId("fn").registry(new PrometheusRegistry()).build()) {
      function
          .on("echo", "default", msg -> msg.respond(GatewayResponse.ok(msg.http().bodyAsString())))
          .ready()
          .join();
      function
          .on(
              "failing",
              "default",
              msg -> {
                throw new IllegalStateException("secret detail");
              })
          .ready()
          .join();
      String base = TestGateway.awaitHealthy(gateway, log);
      int dashboard =
          Integer.parseInt(new ChildLog(gateway, log).await(DASHBOARD, Duration.ofSeconds(5)));
      // Ready means protobuf's descriptors are built: not by the first request (StartWarmUp).
      assertThat(classInit.initialized())
          .filteredOn(name -> name.startsWith("io.kubefuncs.proto."))
          .contains(
              "io.kubefuncs.proto.KubefuncsProto",
              "io.kubefuncs.proto.HTTPRequest$HeadersDefaultEntryHolder",
              "io.kubefuncs.proto.HTTPResponse$HeadersDefaultEntryHolder");
      // --nsqd-http-addr: the topic of a route nobody consumes exists before any request, with no
      // channel.
      await("the gateway created topic nobody-listens")
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () ->
                  NsqdStats.topic(nsq.nsqdProcess().httpUrl(), "nobody-listens").has("topic_name"));
      assertThat(NsqdStats.topic(nsq.nsqdProcess().httpUrl(), "nobody-listens").path("channels"))
          .isEmpty();

      var echo =
          TestGateway.send(
              HttpRequest.newBuilder(URI.create(base + "/echo/"))
                  .timeout(TestGateway.REQUEST_TIMEOUT)
                  .POST(HttpRequest.BodyPublishers.ofString("16 bytes exactly"))
                  .build());
      assertThat(echo.statusCode()).isEqualTo(200);
      assertThat(echo.body()).isEqualTo("16 bytes exactly");
      // --max-body-bytes 16
      var tooLarge =
          TestGateway.send(
              HttpRequest.newBuilder(URI.create(base + "/echo/"))
                  .timeout(TestGateway.REQUEST_TIMEOUT)
                  .POST(HttpRequest.BodyPublishers.ofString("17 bytes, one more"))
                  .build());
      assertThat(tooLarge.statusCode()).isEqualTo(413);
      // --hide-function-errors
      var failed = getUrl(base + "/fail/");
      assertThat(failed.statusCode()).isEqualTo(502);
      assertThat(failed.body()).doesNotContain("secret detail");
      // --timeout 400ms for routes that set none
      long start = System.nanoTime();
      var timedOut = getUrl(base + "/void/");
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(timedOut.statusCode()).isEqualTo(504);
      assertThat(timedOut.body()).contains("400 ms");
      assertThat(millis).isBetween(400L, 3_000L);
      // --dashboard-addr: the page on its own port
      var page = getUrl("http://127.0.0.1:" + dashboard + "/");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("<title>Kubefuncs dashboard</title>");
      // --gateway-id names the return topic
      String stats = getUrl(nsq.nsqdProcess().httpUrl() + "/stats?format=json").body();
      assertThat(stats).contains("\"topic_name\":\"rpc-main-test-");

      gateway.destroy(); // SIGTERM: the shutdown hook closes the gateway
      assertThat(gateway.waitFor(15, TimeUnit.SECONDS))
          .as("exited after SIGTERM; log:\n%s", Files.readString(log))
          .isTrue();
      assertThat(gateway.exitValue())
          .as("128 + SIGTERM, as for any JVM ended by the signal")
          .isEqualTo(143);
    } finally {
      if (gateway.isAlive()) {
        gateway.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * The client connects to nsqd while the gateway is still starting, so a port found in use at the
   * end of the start must also stop that: exit 2 naming the flag, and the gateway's I/O threads
   * gone.
   */
  @Test
  void aListenPortInUseIsOneLineAndExit2AndStopsTheNsqConnection(@TempDir Path dir)
      throws Exception {
    Path routes = oneRoute(dir);
    java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Run busy =
          run(
              "--config",
              routes.toString(),
              "--listen-addr",
              "127.0.0.1:" + taken.getLocalPort(),
              "--nsqd-addr",
              nsq.nsqdProcess().tcpAddress());

      assertThat(busy.code()).as(busy.err()).isEqualTo(2);
      assertThat(busy.err().strip())
          .isEqualTo(
              "gateway: port "
                  + taken.getLocalPort()
                  + " is in use: choose another with --listen-addr");
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(Thread.getAllStackTraces().keySet())
                    .noneMatch(t -> t.getName().startsWith("gateway-io") && !before.contains(t)));
  }

  @Test
  void operatorMistakesExitWith2AndSayWhat(@TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "routes:\n  /x/: {topic: x, timeout: soon}\n");

    Run missing = run("--config", dir.resolve("absent.yaml").toString());
    Run invalid = run("--config", bad.toString());
    Run noPort = run("--config", bad.toString(), "--listen-addr", "8080");
    Run noConfig = run();
    Run help = run("--help");

    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("absent.yaml");
    assertThat(invalid.code()).isEqualTo(2);
    assertThat(invalid.err()).contains("routes./x/.timeout").contains("soon");
    assertThat(noPort.code()).isEqualTo(2);
    assertThat(noPort.err()).contains("--listen-addr");
    assertThat(noConfig.code()).isEqualTo(2);
    assertThat(noConfig.err()).contains("--config");
    assertThat(help.code()).isZero();
    assertThat(help.out())
        .contains(
            "--listen-addr",
            "--config",
            "--nsqd-addr",
            "--nsqd-http-addr",
            "--lookupd-addr",
            "--gateway-id",
            "--timeout",
            "--max-body-bytes",
            "--hide-function-errors",
            "--body-budget-bytes",
            "--max-connections",
            "--header-timeout",
            "--body-timeout",
            "--idle-timeout",
            "--write-timeout",
            "--abuse-cooldown",
            "--nsq-tls",
            "--nsq-tls-ca-file",
            "--nsq-tls-cert-file",
            "--nsq-tls-key-file",
            "--nsq-tls-server-name",
            "--nsq-auth-secret-file",
            "--dashboard-addr");
  }

  /** Each flag with a value it must refuse; the gateway must not start, nor print a stack trace. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--listen-addr|8080",
        "--listen-addr|:99999",
        "--listen-addr|:http",
        "--listen-addr|no-such-host.invalid:8080",
        "--nsqd-addr|nsqd",
        "--nsqd-addr|nsqd:0",
        "--nsqd-http-addr|nsqd",
        "--nsqd-http-addr|bad host:4151",
        "--lookupd-addr|lookupd:port",
        "--dashboard-addr|8081",
        "--timeout|soon",
        "--timeout|0s",
        "--timeout|-5s",
        "--max-body-bytes|-5",
        "--max-body-bytes|0",
        "--max-body-bytes|10MB",
        "--max-body-bytes|99999999999",
        "--body-budget-bytes|0",
        "--body-budget-bytes|1000",
        "--max-connections|0",
        "--max-connections|many",
        "--header-timeout|0ms",
        "--body-timeout|1.5s",
        "--idle-timeout|forever",
        "--write-timeout|10",
        "--abuse-cooldown|-1s",
        "--abuse-cooldown|never"
      })
  void aBadFlagValueIsOneLineNamingTheFlagAndExit2(String flag, String value, @TempDir Path dir)
      throws Exception {
    Path routes = oneRoute(dir);

    Run bad = run("--config", routes.toString(), flag, value);

    assertRefusedInOneLine(bad, String.join(" ", flag, value));
    assertThat(bad.err())
        .startsWith("gateway: ")
        .contains(flag)
        .contains(value)
        .doesNotContain("Exception");
    assertThat(bad.out()).isEmpty();
  }

  /**
   * What the command line itself gets wrong, apart from any one value: each is one line naming what
   * to fix, and exit 2. Flags are never abbreviated, as a shortened flag would silently change
   * meaning when a longer one is added.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--bogus 1|unknown flag --bogus",
        "--conf routes.yaml|unknown flag --conf",
        "-c routes.yaml|unknown flag -c",
        "--timeout|--timeout needs a value",
        "--timeout 1s --timeout 2s|--timeout is given more than once",
        "extra|unexpected argument 'extra'",
        "--timeout=soon|--timeout: 'soon' is not a duration"
      })
  void aMistakenCommandLineIsOneLineNamingItAndExit2(String extra, String said, @TempDir Path dir)
      throws Exception {
    Path routes = oneRoute(dir);
    List<String> args = new ArrayList<>(List.of("--config", routes.toString()));
    args.addAll(List.of(extra.split(" ")));

    Run bad = run(args.toArray(String[]::new));

    assertRefusedInOneLine(bad, extra);
    assertThat(bad.err()).startsWith("gateway: " + said);
    assertThat(bad.out()).isEmpty();
  }

  /**
   * The flags that name files and servers: the TLS flags with the CA from the environment, as the
   * chart gives it, and the AUTH secret from NSQ_AUTH_SECRET; nsqd requires TLS and AUTH, and the
   * auth server grants one routed topic and not the other.
   */
  @Test
  void routesToAFunctionOverTlsAndAuthWithTheTlsFlagsAndTheEnvironment(@TempDir Path dir)
      throws Exception {
    TestCertificates certs = TestCertificates.generate();
    Path routes = dir.resolve("routes.yaml");
    Files.writeString(routes, "routes:\n  /echo/: echo\n  /denied/: denied\n");
    Path log = dir.resolve("gateway.log");
    // The function's topic and the gateway's return topic, not the topic "denied".
    try (NsqAuthServer auth = NsqAuthServer.start("gw-secret", "^(echo|rpc-.*)$");
        NsqdProcess nsqd =
            NsqdProcess.builder()
                .tls(certs)
                .tlsRequired("true")
                .authHttpAddress(auth.address())
                .start();
        Client function =
            Client.builder()
                .nsqd(nsqd.tcpAddress())
                .clientId("fn")
                .registry(new PrometheusRegistry())
                .nsqSecurity(NsqTls.builder().caFile(certs.caCertificate()).build(), "gw-secret")
                .build()) {
      function
          .on(
              "echo",
              "default",
              msg -> msg.respond(GatewayResponse.ok("secure " + msg.http().bodyAsString())))
          .ready()
          .join();
      Process gateway =
          startProcess(
              Map.of(
                  "NSQ_TLS_CA_FILE",
                  certs.caCertificate().toString(),
                  "NSQ_AUTH_SECRET",
                  "gw-secret"),
              log,
              "--listen-addr",
              "127.0.0.1:0",
              "--config",
              routes.toString(),
              "--nsqd-addr",
              nsqd.tcpAddress(),
              "--gateway-id",
              "tls-test",
              "--nsq-tls",
              "--nsq-tls-server-name",
              TestCertificates.SERVER_NAME);
      try {
        String base = TestGateway.awaitHealthy(gateway, log);
        var echo =
            TestGateway.send(
                HttpRequest.newBuilder(URI.create(base + "/echo/"))
                    .timeout(TestGateway.REQUEST_TIMEOUT)
                    .POST(HttpRequest.BodyPublishers.ofString("hello"))
                    .build());
        assertThat(echo.statusCode()).as(echo.body()).isEqualTo(200);
        assertThat(echo.body()).isEqualTo("secure hello");
        var denied = getUrl(base + "/denied/");
        assertThat(denied.statusCode()).as(denied.body()).isEqualTo(502);
        assertThat(denied.body())
            .contains("nsq_unauthorized")
            .contains("topic denied")
            .contains("E_UNAUTHORIZED");
        // nsqd closed the gateway's connection on the refusal; the gateway dials again at once.
        await("a granted route after a denied one")
            .atMost(Duration.ofSeconds(5))
            .until(() -> getUrl(base + "/healthz").statusCode() == 200);
        // The refusal is remembered: asking again does not cost the other routes the connection.
        assertThat(getUrl(base + "/denied/").body())
            .contains("nsq_unauthorized")
            .contains("topic denied");
        var again =
            TestGateway.send(
                HttpRequest.newBuilder(URI.create(base + "/echo/"))
                    .timeout(TestGateway.REQUEST_TIMEOUT)
                    .POST(HttpRequest.BodyPublishers.ofString("again"))
                    .build());
        assertThat(again.statusCode())
            .as("a granted route right after a denied one: %s", again.body())
            .isEqualTo(200);
        assertThat(again.body()).isEqualTo("secure again");
        assertThat(auth.secretsSeen()).containsOnly("gw-secret");
        assertThat(Files.readString(log)).doesNotContain("gw-secret");
      } finally {
        gateway.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void nsqSecurityMistakesAreOneLineNamingTheFlagAndExit2(@TempDir Path dir) throws Exception {
    TestCertificates certs = TestCertificates.generate();
    Path routes = oneRoute(dir);
    Path emptySecret = Files.writeString(dir.resolve("secret"), "\n");
    String config = routes.toString();
    String cert = certs.clientCertificate().toString();
    Map<List<String>, List<String>> mistakes =
        Map.of(
            List.of("--nsq-tls=maybe"), List.of("--nsq-tls (or NSQ_TLS)", "maybe"),
            List.of("--nsq-tls-ca-file", "/etc/ca.crt"),
                List.of("--nsq-tls-ca-file (or NSQ_TLS_CA_FILE)", "--nsq-tls"),
            List.of("--nsq-tls", "--nsq-tls-ca-file", "/nowhere/ca.crt"),
                List.of("--nsq-tls-ca-file", "/nowhere/ca.crt"),
            List.of("--nsq-tls", "--nsq-tls-ca-file", certs.clientKey().toString()),
                List.of("--nsq-tls-ca-file", "no PEM certificate"),
            List.of("--nsq-tls", "--nsq-tls-cert-file", cert),
                List.of("--nsq-tls-key-file", "is not set but --nsq-tls-cert-file"),
            List.of("--nsq-auth-secret-file", "/nowhere/secret"),
                List.of("--nsq-auth-secret-file", "/nowhere/secret"),
            List.of("--nsq-auth-secret-file", emptySecret.toString()),
                List.of("--nsq-auth-secret-file", "is empty"));
    mistakes.forEach(
        (flags, said) -> {
          List<String> args = new ArrayList<>(List.of("--config", config));
          args.addAll(flags);
          Run bad = run(args.toArray(String[]::new));
          assertRefusedInOneLine(bad, flags.toString());
          assertThat(bad.err()).startsWith("gateway: ").contains(said).doesNotContain("Exception");
        });
  }

  @Test
  void authSecretComesFromItsFileWithoutTheTrailingNewlineOrFromTheEnvironmentNotBoth(
      @TempDir Path dir) throws Exception {
    GatewayMain main = new GatewayMain();
    assertThat(main.authSecret(null)).isNull();
    assertThat(main.authSecret("from-env")).isEqualTo("from-env");
    main.nsqAuthSecretFile = Files.writeString(dir.resolve("secret"), "from-file\n");
    assertThat(main.authSecret(null)).isEqualTo("from-file");
    assertThatThrownBy(() -> main.authSecret("from-env"))
        .hasMessage(
            "--nsq-auth-secret-file and NSQ_AUTH_SECRET are both set: give the AUTH secret one way");
  }

  /**
   * GatewayMain in a JVM of its own with these flags and environment variables (added to this
   * JVM's), its output in {@code log}.
   */
  private static Process startProcess(Map<String, String> env, Path log, String... args)
      throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "-cp",
                TestClassPath.of(GatewayMain.class),
                GatewayMain.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    return builder.start();
  }

  record Run(int code, String out, String err) {}

  /** A routes file with one route, for the runs that end at their flags. */
  private static Path oneRoute(Path dir) throws IOException {
    return Files.writeString(dir.resolve("routes.yaml"), "routes:\n  /x/: x\n");
  }

  /** A mistake in the flags ({@code what}): exit 2, and one line on stderr. */
  private static void assertRefusedInOneLine(Run bad, String what) {
    assertThat(bad.code()).as("%s: %s", what, bad.err()).isEqualTo(2);
    assertThat(bad.err().strip().lines()).as("%s: %s", what, bad.err()).hasSize(1);
  }

  /** Runs the command line in this JVM, for arguments that end it before anything is started. */
  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try {
      code =
          GatewayMain.run(
              args,
              System.getenv(),
              new PrintWriter(out, true, StandardCharsets.UTF_8),
              new PrintWriter(err, true, StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new AssertionError("the gateway was to stop at its flags", e);
    }
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
