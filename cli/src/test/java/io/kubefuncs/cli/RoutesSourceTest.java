package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.gateway.Route;
import io.kubefuncs.gateway.Routes;
import io.kubefuncs.gateway.RoutesFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoutesSourceTest {
  private static final Duration POLL = Duration.ofMillis(20);

  @TempDir
  Path dir;

  private final List<String> notices = new CopyOnWriteArrayList<>();

  private RoutesSource open(Path file, List<FunctionSpec> functions) throws IOException {
    Path work = Files.createDirectories(dir.resolve("work"));
    return RoutesSource.open(file, functions, work, POLL, notices::add);
  }

  private static Map<String, String> table(RoutesSource source) {
    return table(source.routes());
  }

  private static Map<String, String> table(Routes routes) {
    return routes.all().stream().collect(Collectors.toMap(Route::prefix, Route::topic));
  }

  private static FunctionSpec function(String name, String topic) {
    return new FunctionSpec(name, topic, "default", 1, Map.of(), List.of("true"), Path.of("."), Duration.ofSeconds(1));
  }

  @Test
  void aGatewayRoutesFileIsGivenToTheGatewayAsItIs() throws IOException {
    Path file = Files.writeString(dir.resolve("routes.yaml"), "routes:\n  /test/: test\n  /slow/: {topic: slow, timeout: 2m}\n");

    try (RoutesSource source = open(file, List.of())) {
      assertThat(source.gatewayFile()).isEqualTo(file);
      assertThat(source.isUsersFile()).isTrue();
      assertThat(table(source)).isEqualTo(Map.of("/test/", "test", "/slow/", "slow"));
    }
  }

  @Test
  void chartValuesAreCopiedToARoutesFileTheGatewayReads() throws IOException {
    Path file = Files.writeString(dir.resolve("gateway.yaml"), """
        gateway:
          replicaCount: 2
          config:
            routes:
              /test/: test
              /ping/: test
              /old/: null
        """);

    try (RoutesSource source = open(file, List.of())) {
      assertThat(source.gatewayFile()).isNotEqualTo(file);
      assertThat(table(source)).isEqualTo(Map.of("/test/", "test", "/ping/", "test"));
      assertThat(table(RoutesFile.read(source.gatewayFile(), RoutesSource.DEFAULT_TIMEOUT)))
          .isEqualTo(Map.of("/test/", "test", "/ping/", "test"));
    }
  }

  @Test
  void withoutAFileEachFunctionGetsItsNameAsPrefix() throws IOException {
    try (RoutesSource source = open(null, List.of(function("hello", "hello"), function("orders", "orders.v2")))) {
      assertThat(table(source)).isEqualTo(Map.of("/hello/", "hello", "/orders/", "orders.v2"));
      assertThat(source.origin()).isEqualTo("one per function");
    }
  }

  @Test
  void editsOfChartValuesReachTheGatewaysFileAndBadOnesAreReported() throws IOException {
    Path file = Files.writeString(dir.resolve("gateway.yaml"), "gateway:\n  config:\n    routes:\n      /test/: test\n");
    try (RoutesSource source = open(file, List.of())) {
      assertThat(source.isUsersFile()).isFalse();
      Files.writeString(file, "gateway:\n  config:\n    routes:\n      /test/: test\n      /ping/: test\n");
      await().atMost(Duration.ofSeconds(5)).until(() -> !notices.isEmpty());

      assertThat(notices).containsExactly(file + " changed; routes: /ping/ -> test, /test/ -> test");
      assertThat(table(RoutesFile.read(source.gatewayFile(), RoutesSource.DEFAULT_TIMEOUT))).containsKey("/ping/");

      Files.writeString(file, "gateway:\n  config:\n    routes:\n      /test/: test\n      /ping/: {topic: test, timeout: soon}\n");
      await().atMost(Duration.ofSeconds(5)).until(() -> notices.size() == 2);

      assertThat(notices.get(1)).isEqualTo(file + ":5: gateway.config.routes./ping/.timeout: 'soon' is not a duration like 500ms, "
          + "30s or 2m; the gateway keeps the previous routes");
      assertThat(table(RoutesFile.read(source.gatewayFile(), RoutesSource.DEFAULT_TIMEOUT)))
          .isEqualTo(Map.of("/test/", "test", "/ping/", "test"));
    }
  }

  @Test
  void aBadRouteIsReportedWithFileLineAndField() throws IOException {
    Path routes = Files.writeString(dir.resolve("routes.yaml"), "routes:\n  /test/: test\n  /jobs/: jobs queue\n");
    assertThatThrownBy(() -> open(routes, List.of()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage(routes + ":3: routes./jobs/: topic name 'jobs queue' is invalid: use only letters, digits, '.', '_' and '-',"
            + " optionally ending in #ephemeral");

    Path values = Files.writeString(dir.resolve("gateway.yaml"), """
        gateway:
          config:
            routes:
              /test/: test
              /reports/:
                topic: reports
                async: maybe
        """);
    assertThatThrownBy(() -> open(values, List.of()))
        .hasMessage(values + ":7: gateway.config.routes./reports/.async: must be true or false");
  }

  @Test
  void aFileOfNeitherShapeSaysWhatWasExpected() throws IOException {
    Path file = Files.writeString(dir.resolve("gateway.yaml"), "route:\n  /test/: test\n");
    assertThatThrownBy(() -> open(file, List.of()))
        .hasMessageStartingWith(file + ":1: no routes: expected the gateway's routes file ('routes: {/test/: test}') "
            + "or kubefuncs chart values");
  }
}
