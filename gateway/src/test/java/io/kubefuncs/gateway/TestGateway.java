package io.kubefuncs.gateway;

import static org.awaitility.Awaitility.await;

import io.kubefuncs.testkit.ChildLog;
import io.kubefuncs.testkit.MetricsText;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real {@link Gateway} on an ephemeral port of 127.0.0.1, with its own metrics registry and a
 * routes file in a temporary directory, plus a plain JDK HTTP client to talk to it.
 */
final class TestGateway implements AutoCloseable {
  /** Every request a test makes is bounded: a hang fails the test instead of stalling the build. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  final Gateway gateway;
  final PrometheusRegistry registry = new PrometheusRegistry();
  final Path directory;
  final Path routesFile;

  private TestGateway(Builder b) throws IOException {
    directory = Files.createTempDirectory("kubefuncs-gateway-test-");
    if (b.routesFile != null) {
      routesFile = b.routesFile;
    } else {
      routesFile = directory.resolve("routes.yaml");
      Files.writeString(routesFile, b.routes);
    }
    GatewayConfig config =
        GatewayConfig.builder(routesFile)
            .listen("127.0.0.1", 0)
            .nsqd(b.nsqd)
            .nsqdHttp(b.nsqdHttp)
            .lookupd(b.lookupds)
            .gatewayId(b.id)
            .defaultTimeout(b.defaultTimeout)
            .exposeFunctionErrors(b.exposeFunctionErrors)
            .reloadInterval(b.reloadInterval)
            .limits(
                new GatewayConfig.Limits(
                    b.headerTimeout,
                    b.bodyTimeout,
                    b.idleTimeout,
                    b.writeTimeout,
                    b.maxConnections,
                    b.maxBodyBytes,
                    b.bodyBudgetBytes,
                    b.abuseCooldown))
            .build();
    try {
      gateway = Gateway.start(config, registry, b.accessLog, b.openTelemetry, b.dashboard);
    } catch (IOException | RuntimeException e) {
      deleteTree(directory);
      throw e;
    }
  }

  static Builder builder(String nsqdTcpAddress) {
    return new Builder(nsqdTcpAddress);
  }

  int port() {
    return gateway.port();
  }

  URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + port() + pathAndQuery);
  }

  HttpRequest.Builder request(String pathAndQuery) {
    return HttpRequest.newBuilder(uri(pathAndQuery)).timeout(REQUEST_TIMEOUT);
  }

  HttpResponse<String> get(String pathAndQuery) {
    return send(request(pathAndQuery).GET().build());
  }

  HttpResponse<String> post(String pathAndQuery, String body) {
    return send(request(pathAndQuery).POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  /** GET {@code url}, for a gateway running as a process of its own rather than a TestGateway. */
  static HttpResponse<String> getUrl(String url) {
    return send(HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT).build());
  }

  private static final Pattern LISTENING = Pattern.compile("gateway listening on \\S*:(\\d+)");

  /**
   * The base URL of a gateway running as a process of its own, its output in {@code log}, once it
   * listens and its {@code /healthz} answers 200: it listens before its return topic is subscribed,
   * and answers 503 until then.
   */
  static String awaitHealthy(Process gateway, Path log) {
    int port =
        Integer.parseInt(new ChildLog(gateway, log).await(LISTENING, Duration.ofSeconds(30)));
    String base = "http://127.0.0.1:" + port;
    await("gateway process healthy")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions()
        .until(() -> getUrl(base + "/healthz").statusCode() == 200);
    return base;
  }

  static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static HttpResponse<byte[]> sendForBytes(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  MetricsText metrics() {
    HttpResponse<String> r = get("/metrics");
    if (r.statusCode() != 200) {
      throw new IllegalStateException("/metrics answered " + r.statusCode() + ": " + r.body());
    }
    return new MetricsText(r.body());
  }

  /** Waits until {@code /healthz} says the gateway is connected to NSQ. */
  TestGateway awaitHealthy() {
    await("gateway connected to NSQ")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> get("/healthz").statusCode() == 200);
    return this;
  }

  /** Replaces the routes file the way a careful editor does: write aside, then rename over it. */
  void replaceRoutes(String yaml) throws IOException {
    Path aside = Files.createTempFile(directory, "routes-", ".tmp");
    Files.writeString(aside, yaml);
    Files.move(
        aside, routesFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public void close() {
    try {
      gateway.close();
    } finally {
      deleteTree(directory);
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + root, e);
    }
  }

  static final class Builder {
    private final String nsqd;
    private String routes = "routes: {}\n";
    private Path routesFile;
    private String nsqdHttp;
    private List<String> lookupds = List.of();
    private String id = "gw-test";
    private Duration defaultTimeout = Duration.ofSeconds(5);
    private int maxBodyBytes = GatewayConfig.Limits.DEFAULTS.maxBodyBytes();
    private Duration headerTimeout = GatewayConfig.Limits.DEFAULTS.headerTimeout();
    private Duration bodyTimeout = GatewayConfig.Limits.DEFAULTS.bodyTimeout();
    private Duration idleTimeout = GatewayConfig.Limits.DEFAULTS.idleTimeout();
    private Duration writeTimeout = GatewayConfig.Limits.DEFAULTS.writeTimeout();
    private int maxConnections = GatewayConfig.Limits.DEFAULTS.maxConnections();
    private long bodyBudgetBytes = GatewayConfig.Limits.DEFAULTS.bodyBudgetBytes();
    private Duration abuseCooldown = GatewayConfig.Limits.DEFAULTS.abuseCooldown();
    private boolean exposeFunctionErrors = true;
    private Duration reloadInterval = Duration.ofSeconds(1);
    private java.util.function.Consumer<String> accessLog;
    private io.opentelemetry.api.OpenTelemetry openTelemetry;
    private DashboardSettings dashboard;

    private Builder(String nsqd) {
      this.nsqd = nsqd;
    }

    Builder openTelemetry(io.opentelemetry.api.OpenTelemetry openTelemetry) {
      this.openTelemetry = openTelemetry;
      return this;
    }

    /**
     * A dashboard on a free port of 127.0.0.1; {@code functions} as {@link DashboardSettings} says.
     */
    Builder dashboard(java.util.function.Supplier<List<FunctionStatus>> functions) {
      this.dashboard = new DashboardSettings("127.0.0.1", 0, functions);
      return this;
    }

    Builder routes(String yaml) {
      this.routes = yaml;
      return this;
    }

    /**
     * An existing routes file (a ConfigMap-like symlink, say) instead of one written from {@link
     * #routes}.
     */
    Builder routesFile(Path file) {
      this.routesFile = file;
      return this;
    }

    /**
     * The nsqd's HTTP address, for the gateway to create the routes' topics there; none by default.
     */
    Builder nsqdHttp(String httpAddress) {
      this.nsqdHttp = httpAddress;
      return this;
    }

    Builder lookupds(List<String> httpAddresses) {
      this.lookupds = List.copyOf(httpAddresses);
      return this;
    }

    Builder id(String gatewayId) {
      this.id = gatewayId;
      return this;
    }

    Builder defaultTimeout(Duration timeout) {
      this.defaultTimeout = timeout;
      return this;
    }

    Builder maxBodyBytes(int bytes) {
      this.maxBodyBytes = bytes;
      return this;
    }

    Builder timeouts(Duration header, Duration body, Duration idle, Duration write) {
      this.headerTimeout = header;
      this.bodyTimeout = body;
      this.idleTimeout = idle;
      this.writeTimeout = write;
      return this;
    }

    Builder maxConnections(int connections) {
      this.maxConnections = connections;
      return this;
    }

    Builder bodyBudgetBytes(long bytes) {
      this.bodyBudgetBytes = bytes;
      return this;
    }

    Builder abuseCooldown(Duration cooldown) {
      this.abuseCooldown = cooldown;
      return this;
    }

    Builder exposeFunctionErrors(boolean expose) {
      this.exposeFunctionErrors = expose;
      return this;
    }

    Builder accessLog(java.util.function.Consumer<String> lines) {
      this.accessLog = lines;
      return this;
    }

    Builder reloadInterval(Duration interval) {
      this.reloadInterval = interval;
      return this;
    }

    TestGateway start() throws IOException {
      return new TestGateway(this);
    }
  }
}
