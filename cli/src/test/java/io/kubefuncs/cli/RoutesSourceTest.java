package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubefuncs.gateway.Route;
import io.kubefuncs.gateway.RoutesFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoutesSourceTest {
  @TempDir Path dir;

  private RoutesSource open(Path file, List<FunctionSpec> functions) throws IOException {
    return RoutesSource.open(file, functions, Files.createDirectories(dir.resolve("work")));
  }

  private static Map<String, String> table(RoutesSource source) {
    return source.routes().all().stream().collect(Collectors.toMap(Route::prefix, Route::topic));
  }

  private static FunctionSpec function(String name, String topic) {
    return new FunctionSpec(
        name,
        topic,
        "default",
        1,
        Map.of(),
        List.of("true"),
        Path.of("."),
        Duration.ofSeconds(1),
        List.of(),
        List.of());
  }

  @Test
  void aGatewayRoutesFileIsGivenToTheGatewayAsItIs() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("routes.yaml"),
            "routes:\n  /test/: test\n  /slow/: {topic: slow, timeout: 2m}\n");

    RoutesSource source = open(file, List.of());
    assertThat(source.gatewayFile()).isEqualTo(file);
    assertThat(source.origin()).isEqualTo(file.toString());
    assertThat(table(source)).isEqualTo(Map.of("/test/", "test", "/slow/", "slow"));
  }

  @Test
  void chartValuesAreGivenToTheGatewayAsTheyAre() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("gateway.yaml"),
            """
        gateway:
          replicaCount: 2
          config:
            routes:
              /test/: test
              /ping/: test
              /old/: null
        """);

    RoutesSource source = open(file, List.of());
    assertThat(source.gatewayFile()).isEqualTo(file);
    assertThat(table(source)).isEqualTo(Map.of("/test/", "test", "/ping/", "test"));
  }

  @Test
  void withoutAFileEachFunctionGetsItsNameAsPrefix() throws IOException {
    RoutesSource source =
        open(null, List.of(function("hello", "hello"), function("orders", "orders.v2")));
    assertThat(table(source)).isEqualTo(Map.of("/hello/", "hello", "/orders/", "orders.v2"));
    assertThat(source.origin()).isEqualTo("one per function");
    assertThat(RoutesFile.read(source.gatewayFile(), RoutesSource.DEFAULT_TIMEOUT).size())
        .isEqualTo(2);
  }

  @Test
  void refreshedRoutesFollowTheFunctionsWhenGeneratedAndTheFileOtherwiseKeepingTheLastGoodOnes()
      throws IOException {
    RoutesSource generated =
        open(null, List.of(function("hello", "hello")))
            .refreshed(List.of(function("hello", "hello"), function("added", "added")));
    assertThat(table(generated)).isEqualTo(Map.of("/hello/", "hello", "/added/", "added"));
    assertThat(RoutesFile.read(generated.gatewayFile(), RoutesSource.DEFAULT_TIMEOUT).size())
        .isEqualTo(2);

    Path file = Files.writeString(dir.resolve("gateway.yaml"), "routes:\n  /test/: test\n");
    RoutesSource own = open(file, List.of());
    Files.writeString(file, "routes:\n  /test/: test\n  /ping/: ping\n");
    RoutesSource edited = own.refreshed(List.of());
    assertThat(table(edited)).isEqualTo(Map.of("/test/", "test", "/ping/", "ping"));
    Files.writeString(file, "routes:\n  /test/: [not, a, topic]\n");
    assertThat(edited.refreshed(List.of())).isSameAs(edited);
  }

  @Test
  void aBadRouteIsReportedWithFileLineAndField() throws IOException {
    Path routes =
        Files.writeString(
            dir.resolve("routes.yaml"), "routes:\n  /test/: test\n  /jobs/: jobs queue\n");
    assertThatThrownBy(() -> open(routes, List.of()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage(
            routes
                + ":3: routes./jobs/: topic name 'jobs queue' is invalid: use only letters, digits, '.', '_' and '-',"
                + " optionally ending in #ephemeral");

    Path values =
        Files.writeString(
            dir.resolve("gateway.yaml"),
            """
        gateway:
          config:
            routes:
              /test/: test
              /reports/:
                topic: reports
                async: maybe
        """);
    assertThatThrownBy(() -> open(values, List.of()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage(values + ":7: gateway.config.routes./reports/.async: must be true or false");
  }

  @Test
  void aFileOfNeitherShapeSaysWhatWasExpected() throws IOException {
    Path file = Files.writeString(dir.resolve("gateway.yaml"), "gateway:\n  replicaCount: 2\n");
    assertThatThrownBy(() -> open(file, List.of()))
        .hasMessageStartingWith(
            file
                + ":1: no routes: expected the gateway's routes file ('routes: {/test/: test}') "
                + "or kubefuncs chart values");
  }

  @Test
  void aTypoIsNotIgnored() throws IOException {
    Path file = Files.writeString(dir.resolve("gateway.yaml"), "route:\n  /test/: test\n");
    assertThatThrownBy(() -> open(file, List.of()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage(file + ":1: route: unknown key; did you mean 'routes'?");
  }

  @Test
  void aMissingFileIsNamed() {
    Path file = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> open(file, List.of()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage(file + ": no such file");
  }
}
