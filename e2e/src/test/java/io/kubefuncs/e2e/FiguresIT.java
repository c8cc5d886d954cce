package io.kubefuncs.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.LongStream;
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
 * What one installation does on this cluster: requests per second and latency through the gateway's
 * Service at 64 connections to one pong replica, then the pods' memory as the kubelet sees it.
 * Printed for bench/README.md's table; asserted only where a figure means a defect (failed
 * requests, nothing served). The load comes from this JVM on the node, to the Service's cluster IP
 * (kube-proxy's rules on the node), not through a port-forward, which would measure the API
 * server's tunnel instead. Last, the gateway's dashboard (on, as the chart's {@code
 * gateway.dashboard.enabled} turns it on) shows the function's replica, read from the Kubernetes
 * API with the Role the chart renders, and the requests just served.
 */
@Order(10)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(StepTimes.class)
class FiguresIT {
  private static final String NS = "kf-figures";
  private static final String CORE = "figures";
  private static final String FUNCTIONS = "figures-pong";
  private static final int CONNECTIONS = 64;
  private static final Duration WARM_UP = Duration.ofSeconds(5);
  private static final Duration MEASURED = Duration.ofSeconds(15);

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private Cluster cluster;
  private URI pong;

  @BeforeAll
  void cluster() {
    cluster = Cluster.fromEnvironment();
  }

  @AfterAll
  void cleanUp() {
    http.close();
    cluster.helm("uninstall", "--namespace", NS, "--ignore-not-found", "--wait", FUNCTIONS, CORE);
    cluster.kubectl("delete", "namespace", NS, "--ignore-not-found", "--wait=true", "--timeout=3m");
  }

  @Test
  @Order(1)
  @DisplayName(
      "1. helm install the kubefuncs chart (dashboard on) and one pong replica in kf-figures")
  void install() {
    cluster.installKubefuncs(NS, CORE, "--set", "gateway.dashboard.enabled=true");
    cluster.helm(
        "upgrade",
        "--install",
        "--namespace",
        NS,
        "--values",
        "examples/functions.yaml",
        "--set",
        "kubefuncs.release=" + CORE,
        "--set",
        "kubefuncs.namespace=" + NS,
        "--wait",
        "--timeout",
        "5m",
        FUNCTIONS,
        "./charts/function");
    String ip =
        cluster
            .kubectl(
                "-n", NS, "get", "service", CORE + "-gateway", "-o", "jsonpath={.spec.clusterIP}")
            .strip();
    pong = URI.create("http://" + ip + "/test/figures");
    await("pong through the Service's cluster IP")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> send().statusCode() == 200);
  }

  @Test
  @Order(2)
  @DisplayName(
      "2. 64 connections for 15 s through the gateway Service: req/s, p50, p99, and no failed request")
  void throughput() throws Exception {
    Run warmUp = run(WARM_UP);
    Run measured = run(MEASURED);
    long[] latencies = measured.latencies;
    double perSecond = latencies.length / (MEASURED.toNanos() / 1e9);
    System.out.printf(
        "e2e: figures: %d connections, %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d failed (warm-up %d requests)%n",
        CONNECTIONS,
        perSecond,
        percentile(latencies, 0.50) / 1e6,
        percentile(latencies, 0.99) / 1e6,
        measured.failed.sum(),
        warmUp.latencies.length);
    assertThat(measured.failed.sum()).as("failed requests: " + measured.firstFailure).isZero();
    assertThat(latencies.length).as("requests answered").isPositive();
  }

  @Test
  @Order(3)
  @DisplayName("3. the pods' memory from the kubelet's summary API (working set)")
  void memory() {
    String node =
        cluster.kubectl("get", "nodes", "-o", "jsonpath={.items[0].metadata.name}").strip();
    JsonNode summary =
        cluster.kubectlJson("get", "--raw", "/api/v1/nodes/" + node + "/proxy/stats/summary");
    List<String> seen = new ArrayList<>();
    for (JsonNode pod : summary.path("pods")) {
      if (!pod.path("podRef").path("namespace").asText().equals(NS)) {
        continue;
      }
      for (JsonNode container : pod.path("containers")) {
        long bytes = container.path("memory").path("workingSetBytes").asLong();
        String name =
            pod.path("podRef").path("name").asText() + "/" + container.path("name").asText();
        System.out.printf("e2e: figures: memory %s %.1f MiB%n", name, bytes / 1048576.0);
        seen.add(container.path("name").asText());
      }
    }
    assertThat(seen)
        .as("containers the kubelet reports in " + NS)
        .contains("gateway", "nsqd", "function");
  }

  @Test
  @Order(4)
  @DisplayName(
      "4. the dashboard, port-forwarded: the function's replica from the Kubernetes API, and the requests served")
  void dashboard() throws Exception {
    String pod =
        cluster
            .kubectl(
                "-n",
                NS,
                "get",
                "pods",
                "-l",
                "app.kubernetes.io/instance=" + CORE + ",app.kubernetes.io/name=gateway",
                "-o",
                "jsonpath={.items[0].metadata.name}")
            .strip();
    try (PortForward page = new PortForward(cluster, NS, "pod/" + pod, 8081)) {
      HttpResponse<String> index =
          http.send(
              HttpRequest.newBuilder(URI.create(page.url("/"))).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(index.statusCode()).isEqualTo(200);
      assertThat(index.body()).contains("<html");
      JsonNode state = firstEvent(page.url("/api/events"));
      assertThat(state.path("functionsError").isMissingNode())
          .as("functions from the Kubernetes API: " + state.path("functionsError"))
          .isTrue();
      assertThat(state.path("functions").findValuesAsText("name")).contains("test");
      JsonNode replicas = state.path("functions").get(0).path("replicas");
      assertThat(replicas.size()).isEqualTo(1);
      assertThat(replicas.get(0).path("up").asBoolean()).isTrue();
      assertThat(state.path("requests").findValuesAsText("path")).contains("/test/figures");
      System.out.printf(
          "e2e: figures: dashboard shows %s with %d replica(s) and %d recent requests%n",
          state.path("functions").get(0).path("name").asText(),
          replicas.size(),
          state.path("requests").size());
    }
  }

  /** The first Server-Sent Event of {@code url}: the dashboard's whole state. */
  private JsonNode firstEvent(String url) throws Exception {
    HttpResponse<java.util.stream.Stream<String>> events =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
            HttpResponse.BodyHandlers.ofLines());
    assertThat(events.statusCode()).isEqualTo(200);
    try (java.util.stream.Stream<String> lines = events.body()) {
      String data = lines.filter(l -> l.startsWith("data:")).findFirst().orElseThrow();
      return Cluster.JSON.readTree(data.substring("data:".length()).strip());
    }
  }

  private HttpResponse<Void> send() throws Exception {
    return http.send(
        HttpRequest.newBuilder(pong).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.discarding());
  }

  /**
   * Each of 64 virtual threads sends its next request when the last is answered, until the time is
   * up.
   */
  private Run run(Duration length) throws InterruptedException {
    Run run = new Run();
    long end = System.nanoTime() + length.toNanos();
    List<Thread> threads = new ArrayList<>();
    List<LongStream.Builder> latencies = new ArrayList<>();
    for (int i = 0; i < CONNECTIONS; i++) {
      LongStream.Builder mine = LongStream.builder();
      latencies.add(mine);
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (System.nanoTime() < end) {
                      long start = System.nanoTime();
                      try {
                        HttpResponse<Void> r = send();
                        if (r.statusCode() == 200) {
                          mine.add(System.nanoTime() - start);
                        } else {
                          run.fail("status " + r.statusCode());
                        }
                      } catch (Exception e) {
                        run.fail(e.toString());
                      }
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    run.latencies = latencies.stream().flatMapToLong(LongStream.Builder::build).sorted().toArray();
    return run;
  }

  private static long percentile(long[] sorted, double p) {
    return sorted.length == 0
        ? 0
        : sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  }

  /** What one run saw: every answered request's latency, sorted, and the failures. */
  private static final class Run {
    final LongAdder failed = new LongAdder();
    volatile String firstFailure;
    long[] latencies;

    void fail(String why) {
      failed.increment();
      if (firstFailure == null) {
        firstFailure = why;
      }
    }
  }
}
