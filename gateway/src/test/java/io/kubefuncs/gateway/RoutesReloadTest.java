package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.Client;
import io.kubefuncs.GatewayResponse;
import io.kubefuncs.testkit.NsqExtension;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The routes file is re-read while the gateway runs: a good new file takes effect, a bad one is
 * rejected (old routes kept, counted), and a Kubernetes ConfigMap update, which swaps a symlink
 * rather than writing the file, is seen like any other.
 */
class RoutesReloadTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  static final Duration RELOAD = Duration.ofMillis(100);
  static Client functions;

  @BeforeAll
  static void functions() {
    functions =
        Client.builder()
            .nsqd(nsq.nsqdProcess().tcpAddress())
            .clientId("fn")
            .registry(new PrometheusRegistry())
            .build();
    for (String topic : new String[] {"blue", "green", "red"}) {
      functions.on(topic, "default", msg -> msg.respond(GatewayResponse.ok(topic))).ready().join();
    }
  }

  @AfterAll
  static void close() {
    functions.close();
  }

  private static double reloads(TestGateway g, String result) {
    return g.metrics().value("kubefuncs_gateway_route_reloads_total", Map.of("result", result));
  }

  /**
   * Waits for {@code path} to be answered by {@code topic}'s function: the new routes are in use.
   */
  private static void awaitAnsweredBy(TestGateway g, String path, String topic) {
    await(path + " answered by " + topic)
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> g.get(path).body(), topic::equals);
  }

  @Test
  void aGoodNewFileTakesEffectAndABadOneIsRejectedKeepingTheOldRoutes() throws Exception {
    try (TestGateway g =
        TestGateway.builder(nsq.nsqdProcess().tcpAddress())
            .reloadInterval(RELOAD)
            .routes("routes:\n  /app/: blue\n")
            .start()
            .awaitHealthy()) {
      assertThat(g.get("/app/x").body()).isEqualTo("blue");
      assertThat(g.get("/new/x").statusCode()).isEqualTo(404);

      g.replaceRoutes("routes:\n  /app/: green\n  /new/: {topic: red, timeout: 2s}\n");

      awaitAnsweredBy(g, "/app/x", "green");
      assertThat(g.get("/new/x").body()).isEqualTo("red");
      assertThat(reloads(g, "ok")).isEqualTo(1);
      assertThat(reloads(g, "rejected")).isZero();

      // Not YAML at all, then YAML with a topic NSQ would refuse: both rejected, one by one.
      g.replaceRoutes("routes: [ /app/: blue\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> reloads(g, "rejected") == 1);
      g.replaceRoutes("routes:\n  /app/: 'not a topic!'\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> reloads(g, "rejected") == 2);

      assertThat(g.get("/app/x").body())
          .as("the last good routes are still in use")
          .isEqualTo("green");
      assertThat(g.get("/new/x").body()).isEqualTo("red");
      assertThat(reloads(g, "ok")).isEqualTo(1);

      // Fixing the file is a reload like any other.
      g.replaceRoutes("routes:\n  /app/: blue\n");
      awaitAnsweredBy(g, "/app/x", "blue");
      assertThat(g.get("/new/x").statusCode())
          .as("routes not in the new file are gone")
          .isEqualTo(404);
      assertThat(reloads(g, "ok")).isEqualTo(2);
      assertThat(reloads(g, "rejected")).isEqualTo(2);
    }
  }

  @Test
  void aFileCanChangeShapeFromRoutesToChartValues() throws Exception {
    try (TestGateway g =
        TestGateway.builder(nsq.nsqdProcess().tcpAddress())
            .reloadInterval(RELOAD)
            .routes("routes:\n  /app/: blue\n")
            .start()
            .awaitHealthy()) {
      g.replaceRoutes("gateway:\n  config:\n    routes:\n      /app/: green\n      /old/: null\n");

      awaitAnsweredBy(g, "/app/x", "green");
      assertThat(g.get("/old/x").statusCode()).as("a null route is skipped").isEqualTo(404);
      assertThat(reloads(g, "ok")).isEqualTo(1);
    }
  }

  @Test
  void aConfigMapStyleSymlinkSwapTakesEffect(@TempDir Path mount) throws Exception {
    // What the kubelet mounts: routes.yaml -> ..data/routes.yaml, ..data -> ..<timestamp>/
    Path first = Files.createDirectory(mount.resolve("..2026_01_01_00_00_00.000000001"));
    Files.writeString(first.resolve("routes.yaml"), "routes:\n  /cm/: blue\n");
    Files.createSymbolicLink(mount.resolve("..data"), first.getFileName());
    Files.createSymbolicLink(mount.resolve("routes.yaml"), Path.of("..data", "routes.yaml"));

    try (TestGateway g =
        TestGateway.builder(nsq.nsqdProcess().tcpAddress())
            .reloadInterval(RELOAD)
            .routesFile(mount.resolve("routes.yaml"))
            .start()
            .awaitHealthy()) {
      assertThat(g.get("/cm/x").body()).isEqualTo("blue");
      long mtimeBefore =
          Files.getLastModifiedTime(
                  mount.resolve("routes.yaml"), java.nio.file.LinkOption.NOFOLLOW_LINKS)
              .toMillis();

      // The update: a new timestamped directory, a new symlink renamed over ..data in one step,
      // then the old directory removed. The routes.yaml symlink itself never changes.
      Path second = Files.createDirectory(mount.resolve("..2026_01_01_00_01_00.000000002"));
      Files.writeString(second.resolve("routes.yaml"), "routes:\n  /cm/: green\n  /cm/red/: red\n");
      Path tmp = Files.createSymbolicLink(mount.resolve("..data_tmp"), second.getFileName());
      Files.move(tmp, mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
      TestGateway.deleteTree(first);

      awaitAnsweredBy(g, "/cm/x", "green");
      assertThat(g.get("/cm/red/x").body()).isEqualTo("red");
      assertThat(reloads(g, "ok")).isEqualTo(1);
      assertThat(reloads(g, "rejected")).isZero();
      assertThat(
              Files.getLastModifiedTime(
                      mount.resolve("routes.yaml"), java.nio.file.LinkOption.NOFOLLOW_LINKS)
                  .toMillis())
          .as("the watched path's own symlink was untouched")
          .isEqualTo(mtimeBefore);
    }
  }

  @Test
  void aBadFileAtStartIsRefusedWithWhereAndWhy(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("routes.yaml");
    Files.writeString(file, "routes:\n  /ok/: fine\n  nope/: topic\n");
    GatewayConfig config =
        GatewayConfig.builder(file)
            .listen("127.0.0.1", 0)
            .nsqd(nsq.nsqdProcess().tcpAddress())
            .gatewayId("gw-bad")
            .defaultTimeout(Duration.ofSeconds(5))
            .reloadInterval(RELOAD)
            .build();

    assertThatThrownBy(() -> Gateway.start(config, new PrometheusRegistry()))
        .isInstanceOf(RoutesFile.InvalidRoutesException.class)
        .hasMessage(file + ":3: routes.nope/: a path prefix must start with '/'");
  }
}
