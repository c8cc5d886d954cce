package io.kubefuncs.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Autoscaling on a real cluster (docs/scaling.md), in a namespace of its own (kf-scale, removed
 * afterwards): metrics-server and KEDA installed from their own manifests, as a user would; a
 * function in {@code keda} mode scaled to zero while idle, woken by one request through the
 * gateway, scaled out with the queue's depth under asynchronous load and back to zero, with every
 * event handled; and a function in {@code hpa} mode scaled out by CPU load and back in.
 *
 * <p>The functions run go-pong with {@code PONG_DELAY}: each event takes that long and a replica
 * takes {@code KUBEFUNCS_MAX_IN_FLIGHT} at once, so one replica's throughput is known and a steady
 * load larger than it makes the queue grow.
 */
@Order(3)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(StepTimes.class)
class ScalingIT {
  private static final String NS = "kf-scale";
  private static final String CORE = "kubefuncs";

  /** The keda-mode function: release, function, topic and route /scaled/. */
  private static final String SCALED = "scaled";

  /**
   * The Java pong in keda mode, for its cold path: release, function, topic and route /scaledjava/.
   */
  private static final String SCALED_JAVA = "scaledjava";

  /** The hpa-mode function: release, function, topic and route /busy/. */
  private static final String BUSY = "busy";

  private static final int MAX_REPLICAS = 4;

  /** Messages waiting per replica that KEDA aims for. */
  private static final int DEPTH_PER_REPLICA = 20;

  private static final int COOLDOWN_SECONDS = 15;

  /** The gateway's default --timeout, which the routes here keep. */
  private static final Duration ROUTE_TIMEOUT = Duration.ofSeconds(30);

  private static final String PONG = "pong\n";
  private static final String GO_PONG = "ghcr.io/kubefuncs/go-pong";

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Cluster cluster;
  private Nsqd nsq;
  private Path work;
  private PortForward gateway;
  private final List<Path> addons = new ArrayList<>();

  /**
   * Synchronous requests answered 200 by the Go keda-mode function, each one event on its channel.
   */
  private long answered;

  private long messagesBefore;

  @BeforeAll
  void setUp() throws IOException {
    cluster = Cluster.fromEnvironment();
    nsq = new Nsqd(cluster, NS);
    work = Files.createDirectories(cluster.repo.resolve("e2e/target/scaling-it"));
  }

  @AfterAll
  void cleanUp() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    http.close();
    // The functions first, while KEDA still runs to remove its ScaledObject's finalizer.
    cluster.helm(
        "uninstall",
        "--namespace",
        NS,
        "--ignore-not-found",
        "--wait",
        SCALED,
        SCALED_JAVA,
        BUSY,
        CORE);
    cluster.kubectl("delete", "namespace", NS, "--ignore-not-found", "--wait=true", "--timeout=3m");
    for (Path addon : addons.reversed()) {
      cluster.kubectl(
          "delete", "-k", addon.toString(), "--ignore-not-found", "--wait=true", "--timeout=3m");
    }
  }

  @Test
  @Order(1)
  @DisplayName("1. metrics-server and KEDA from their own manifests; both metrics APIs served")
  void installAddons() throws IOException {
    Path keda = addon("keda", "keda-v");
    Path metricsServer = addon("metrics-server", "metrics-server-v");
    // KEDA's CRDs are too large for the annotation a client-side apply keeps.
    cluster.kubectl("apply", "--server-side", "-k", keda.toString());
    cluster.kubectl("apply", "--server-side", "-k", metricsServer.toString());
    cluster.kubectl("-n", "keda", "rollout", "status", "deployment/keda-operator", "--timeout=3m");
    cluster.kubectl(
        "-n", "keda", "rollout", "status", "deployment/keda-metrics-apiserver", "--timeout=3m");
    cluster.kubectl(
        "-n", "kube-system", "rollout", "status", "deployment/metrics-server", "--timeout=3m");
    cluster.kubectl(
        "wait",
        "--for=condition=Available",
        "--timeout=3m",
        "apiservice/v1beta1.external.metrics.k8s.io",
        "apiservice/v1beta1.metrics.k8s.io");
  }

  @Test
  @Order(2)
  @DisplayName("2. helm install NSQ and the gateway in kf-scale, routes to the functions")
  void installCore() throws Exception {
    cluster.installKubefuncs(
        NS,
        CORE,
        "--set-json",
        "gateway.config.routes={"
            + String.join(
                ",",
                List.of(SCALED, SCALED_JAVA, BUSY).stream()
                    .map(f -> "\"/" + f + "/\":\"" + f + "\"")
                    .toList())
            + "}");
    gateway = new PortForward(cluster, NS, "svc/kubefuncs-gateway", 80);
  }

  @Test
  @Order(3)
  @DisplayName(
      "3. keda mode, minReplicaCount 0: the idle functions (Go and Java pong) scale to zero")
  void scaleToZero() throws Exception {
    String keda =
        """
        autoscaling:
          mode: keda
          maxReplicas: %d
          keda:
            minReplicaCount: 0
            depthThreshold: %d
            activationDepthThreshold: 0
            pollingInterval: 1
            cooldownPeriod: %d
        """
            .formatted(MAX_REPLICAS, DEPTH_PER_REPLICA, COOLDOWN_SECONDS);
    helmFunction(
        SCALED,
        GO_PONG,
        """
        env:
        - {name: PONG_DELAY, value: 50ms}
        - {name: KUBEFUNCS_MAX_IN_FLIGHT, value: "2"}
        """
            + keda);
    helmFunction(SCALED_JAVA, "ghcr.io/kubefuncs/pong", keda);
    // KEDA scales the idle function down at once, so helm --wait may return before it subscribed:
    // then the channel does not exist yet, and events wait in the topic until the function creates
    // it.
    messagesBefore =
        nsq.findChannel(nsq.pod(), SCALED, "default").map(c -> c.get("message_count")).orElse(0L);
    long start = System.nanoTime();
    await("the idle functions at zero replicas")
        .atMost(Duration.ofSeconds(COOLDOWN_SECONDS + 60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> replicas(SCALED) + pods(SCALED) + replicas(SCALED_JAVA) + pods(SCALED_JAVA) == 0);
    System.out.printf(
        Locale.ROOT, "e2e: scaled to zero %.1f s after helm install returned%n", seconds(start));
  }

  @Test
  @Order(4)
  @DisplayName(
      "4. a request to a function at zero: answered within the route timeout (Go, then Java)")
  void wakeFromZero() throws Exception {
    for (String function : List.of(SCALED, SCALED_JAVA)) {
      long start = System.nanoTime();
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(gateway.url("/" + function + "/hello")))
                  .timeout(ROUTE_TIMEOUT.plusSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      double seconds = seconds(start);
      System.out.printf(
          Locale.ROOT,
          "e2e: request to %s at zero answered %d %s in %.2f s%n",
          function,
          response.statusCode(),
          response.body().strip(),
          seconds);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(response.body()).isEqualTo(PONG);
      assertThat(seconds)
          .as("seconds from request to answer")
          .isLessThan(ROUTE_TIMEOUT.toSeconds());
      assertThat(replicas(function)).isEqualTo(1);
    }
    answered = 1; // the Go function's request: one event on the channel that step 5 counts
  }

  @Test
  @Order(5)
  @DisplayName(
      "5. async load: replicas follow the depth up to maxReplicas, then back to zero; no event lost")
  void scaleWithDepth() throws Exception {
    HttpRequest async =
        HttpRequest.newBuilder(URI.create(gateway.url("/" + SCALED + "/async")))
            .header("Prefer", "respond-async")
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString("event"))
            .build();
    String pod = nsq.pod();
    List<String> samples = new ArrayList<>();
    long start = System.nanoTime();
    long[] peak = new long[2]; // depth, replicas
    List<String> overshoot = new ArrayList<>();
    // One replica handles 2 events per 50 ms, 40/s; 120/s needs three, and the queue grows until
    // KEDA adds them.
    Load load = new Load(async, 202, 8, 120);
    try (load) {
      // Each poll records the depth and the replicas: the curve printed below.
      await("maxReplicas ready under the load")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                long depth = channel(pod).get("depth");
                int replicas = replicas(SCALED);
                int ready = readyReplicas(SCALED);
                peak[0] = Math.max(peak[0], depth);
                peak[1] = Math.max(peak[1], replicas);
                // The HPA aims at ceil(depth / depthThreshold): never more than the depth seen so
                // far called for.
                long calledFor = Math.max(1, (peak[0] + DEPTH_PER_REPLICA - 1) / DEPTH_PER_REPLICA);
                if (replicas > calledFor) {
                  overshoot.add(replicas + " replicas for a depth of at most " + peak[0]);
                }
                samples.add(
                    String.format(
                        Locale.ROOT,
                        "%5.1f s  depth %4d  replicas %d (%d ready)",
                        seconds(start),
                        depth,
                        replicas,
                        ready));
                return ready == MAX_REPLICAS || load.failed() > 0;
              });
    }
    samples.forEach(s -> System.out.println("e2e:   " + s));
    System.out.println("e2e: async load: " + load);
    assertThat(load.failures()).as("refused events (first 10)").isEmpty();
    assertThat(peak[1]).as("replicas at the peak").isEqualTo(MAX_REPLICAS);
    assertThat(overshoot).as("scale-outs beyond the depth").isEmpty();
    assertThat(peak[0])
        .as(
            "the depth that called for %d replicas at %d per replica",
            MAX_REPLICAS, DEPTH_PER_REPLICA)
        .isGreaterThan((long) (MAX_REPLICAS - 1) * DEPTH_PER_REPLICA);

    long accepted = load.ok();
    await("every accepted event handled")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              Map<String, Long> c = channel(pod);
              return c.get("message_count") - messagesBefore >= accepted + answered
                  && c.get("depth") == 0
                  && c.get("in_flight_count") == 0
                  && c.get("deferred_count") == 0;
            });
    Map<String, Long> c = channel(pod);
    System.out.println("e2e: channel scaled/default after the load: " + c);
    assertThat(c.get("message_count") - messagesBefore)
        .as("events on the channel: the async ones and the request")
        .isEqualTo(accepted + answered);
    assertThat(nsq.topicMessages(pod, SCALED + ".dead")).as("events dead-lettered").isZero();

    long idle = System.nanoTime();
    await("back to zero after the cooldown")
        .atMost(Duration.ofSeconds(COOLDOWN_SECONDS + 60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> replicas(SCALED) == 0 && pods(SCALED) == 0);
    System.out.printf(
        Locale.ROOT,
        "e2e: back to zero %.1f s after the last event was handled (cooldown %d s)%n",
        seconds(idle),
        COOLDOWN_SECONDS);
  }

  @Test
  @Order(6)
  @DisplayName("6. hpa mode: CPU load raises the replicas, idleness lowers them")
  void scaleWithCpu() throws Exception {
    helmFunction(
        BUSY,
        GO_PONG,
        """
        resources:
          requests: {cpu: 50m}
        autoscaling:
          mode: hpa
          minReplicas: 1
          maxReplicas: 3
          targetCPUUtilizationPercentage: 50
          behavior:
            scaleDown:
              stabilizationWindowSeconds: 0
        """);
    await("metrics-server measuring the function's pod")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(2))
        .until(() -> podMetrics(BUSY).size() > 0);
    long start = System.nanoTime();
    Load load = new Load(Load.get(gateway.url("/" + BUSY + "/hello")), 200, 8, 300);
    try (load) {
      await("more than one replica under CPU load")
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> replicas(BUSY) > 1 || load.failed() > 0);
    }
    System.out.printf(
        Locale.ROOT,
        "e2e: hpa: %d replicas %.1f s into the load (%s); HPA: %s%n",
        replicas(BUSY),
        seconds(start),
        load,
        hpaStatus());
    assertThat(load.failures()).as("failed requests (first 10)").isEmpty();
    assertThat(replicas(BUSY)).isGreaterThan(1);

    long idle = System.nanoTime();
    // What the HPA sees every 10 s while waiting: if it never scales down, the log says why.
    AtomicLong reported = new AtomicLong(idle);
    await("one replica again once idle")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              int replicas = replicas(BUSY);
              if (replicas != 1 && System.nanoTime() - reported.get() > 10_000_000_000L) {
                reported.set(System.nanoTime());
                System.out.printf(
                    Locale.ROOT,
                    "e2e: hpa: %.0f s idle, %d replicas; HPA: %s; pods' CPU: %s%n",
                    seconds(idle),
                    replicas,
                    hpaStatus(),
                    podCpu(BUSY));
              }
              return replicas == 1;
            });
    System.out.printf(
        Locale.ROOT, "e2e: hpa: back to 1 replica %.1f s after the load stopped%n", seconds(idle));
  }

  /**
   * Writes an add-on's overlay from the test resources, pointing at the upstream folder
   * scripts/kube copied.
   */
  private Path addon(String name, String toolPrefix) throws IOException {
    Path tools = cluster.repo.resolve(".tools/kube");
    Path upstream;
    try (var dirs = Files.list(tools)) {
      upstream =
          dirs.filter(
                  d ->
                      d.getFileName().toString().startsWith(toolPrefix)
                          && !d.toString().endsWith(".partial"))
              .findFirst()
              .orElseThrow(
                  () ->
                      new AssertionError(
                          "no " + toolPrefix + "* in " + tools + ": run scripts/kube build"));
    }
    String version = upstream.getFileName().toString().substring(toolPrefix.length());
    Path folder = upstream.resolve(name.equals("keda") ? "config" : "manifests");
    Path dir = Files.createDirectories(work.resolve(name));
    String overlay;
    try (InputStream in =
        ScalingIT.class.getResourceAsStream("/addons/" + name + "/kustomization.yaml")) {
      overlay = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Files.writeString(
        dir.resolve("kustomization.yaml"),
        overlay.replace("@UPSTREAM@", dir.relativize(folder).toString()).replace("@TAG@", version));
    addons.add(dir);
    return dir;
  }

  /** helm install of one function of this image with these values under its entry. */
  private void helmFunction(String name, String image, String settings) throws IOException {
    String fn = settings.lines().map(l -> "  " + l + "\n").reduce("", String::concat);
    Path values = work.resolve(name + ".yaml");
    Files.writeString(
        values,
        """
        image:
          repository: %s
        kubefuncs:
          namespace: %s
        functions:
        - name: %s
        %s"""
            .formatted(image, NS, name, fn));
    cluster.helm(
        "upgrade",
        "--install",
        "--namespace",
        NS,
        "--values",
        values.toString(),
        "--wait",
        "--timeout",
        "3m",
        name,
        "./charts/function");
  }

  private Map<String, Long> channel(String pod) {
    return nsq.channel(pod, SCALED, "default");
  }

  private String deployment(String name) {
    return "deployment/" + name + "-function-" + name;
  }

  private int replicas(String name) {
    return intOrZero(
        cluster.kubectl("-n", NS, "get", deployment(name), "-o", "jsonpath={.spec.replicas}"));
  }

  private int readyReplicas(String name) {
    return intOrZero(
        cluster.kubectl(
            "-n", NS, "get", deployment(name), "-o", "jsonpath={.status.readyReplicas}"));
  }

  private int pods(String name) {
    return (int)
        cluster
            .kubectl(
                "-n", NS, "get", "pods", "-l", "app.kubernetes.io/instance=" + name, "-o", "name")
            .lines()
            .filter(l -> !l.isBlank())
            .count();
  }

  /** metrics-server's figures for each of the function's pods that it has measured. */
  private JsonNode podMetrics(String name) {
    return cluster
        .kubectlJson(
            "get",
            "--raw",
            "/apis/metrics.k8s.io/v1beta1/namespaces/"
                + NS
                + "/pods?labelSelector=app.kubernetes.io/instance%3D"
                + name)
        .path("items");
  }

  /** Each of the function's pods' CPU use as metrics-server has it, e.g. {@code [1m, 2m]}. */
  private List<String> podCpu(String name) {
    List<String> cpu = new ArrayList<>();
    podMetrics(name)
        .forEach(
            pod ->
                pod.path("containers").forEach(c -> cpu.add(c.path("usage").path("cpu").asText())));
    return cpu;
  }

  private String hpaStatus() {
    String status =
        cluster.kubectl(
            "-n", NS, "get", "hpa", BUSY + "-function-" + BUSY, "-o", "jsonpath={.status}");
    Matcher m = Pattern.compile("\"averageUtilization\":(\\d+)").matcher(status);
    Matcher desired = Pattern.compile("\"desiredReplicas\":(\\d+)").matcher(status);
    return (m.find() ? "CPU " + m.group(1) + "% of the request, " : "")
        + (desired.find() ? "desired " + desired.group(1) : status);
  }

  private static int intOrZero(String s) {
    return s.isBlank() ? 0 : Integer.parseInt(s.strip());
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
