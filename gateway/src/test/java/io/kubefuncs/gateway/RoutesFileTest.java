package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubefuncs.testkit.RuntimeContract;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RoutesFileTest {
  private static final Duration DEFAULT = Duration.ofSeconds(30);

  private static Routes parse(String text) {
    return RoutesFile.parse(text, "routes.yaml", DEFAULT);
  }

  private static Map<String, String> table(Routes routes) {
    return routes.all().stream().collect(Collectors.toMap(Route::prefix, Route::topic));
  }

  @Test
  void bothShapesGiveTheSameRoutesAndChartNullsAreSkipped() {
    assertThat(table(parse("routes:\n  /test/: test\n  /slow/: {topic: slow, timeout: 2m}\n")))
        .isEqualTo(Map.of("/test/", "test", "/slow/", "slow"));
    assertThat(
            table(
                parse(
                    """
        gateway:
          replicaCount: 2
          config:
            routes:
              /test/: test
              /slow/: {topic: slow, timeout: 2m}
              /old/: null
        """)))
        .isEqualTo(Map.of("/test/", "test", "/slow/", "slow"));
  }

  /**
   * Every kind of YAML value where a route's parts go: each is refused with its field and line, as
   * it was when the whole file was read into a tree first; a mistake after the routes still counts.
   */
  @Test
  void valuesOfTheWrongKindAreNamedWhereverTheyAre() {
    assertThatThrownBy(() -> parse("routes:\n  /n/: 42\n"))
        .hasMessage("routes.yaml:2: routes./n/: must be a topic name or {topic, timeout, async}");
    assertThatThrownBy(() -> parse("routes:\n  /n/: [a, b]\n"))
        .hasMessage("routes.yaml:2: routes./n/: must be a topic name or {topic, timeout, async}");
    assertThatThrownBy(() -> parse("routes:\n  /n/: .inf\n"))
        .hasMessage("routes.yaml:2: not YAML or JSON: Malformed numeric value '.inf'");
    assertThatThrownBy(() -> parse("routes:\n  /n/:\n    topic: n\n    timeout: 30\n"))
        .hasMessageStartingWith("routes.yaml:4: routes./n/.timeout: '30' is not a duration");
    assertThatThrownBy(() -> parse("routes:\n  /n/: {topic: n, async: \"yes\"}\n"))
        .hasMessage("routes.yaml:2: routes./n/.async: must be true or false");
    assertThatThrownBy(() -> parse("routes:\n  /n/: {topic: n, async: null}\n"))
        .hasMessage("routes.yaml:2: routes./n/.async: must be true or false");
    assertThat(parse("routes:\n  /n/: {topic: n, async: true}\n").match("/n/").async()).isTrue();
    assertThatThrownBy(() -> parse("routes:\n  /n/: n\n---\nx: [1\n"))
        .isInstanceOf(RoutesFile.InvalidRoutesException.class)
        .hasMessageStartingWith("routes.yaml:");
  }

  @Test
  void aMistakeNamesTheLineOfItsField() {
    assertThatThrownBy(
            () -> parse("routes:\n  /test/: test\n  /x/:\n    topic: x\n    timeout: 5 parsecs\n"))
        .isInstanceOf(RoutesFile.InvalidRoutesException.class)
        .hasMessage(
            "routes.yaml:5: routes./x/.timeout: '5 parsecs' is not a duration like 500ms, 30s, 5m, 1h or PT30S");
    assertThatThrownBy(() -> parse("routes:\n  /test/: test\n  /jobs/: jobs queue\n"))
        .hasMessage(
            "routes.yaml:3: routes./jobs/: topic name 'jobs queue' is invalid: use only letters, digits, '.', '_' and '-',"
                + " optionally ending in #ephemeral");
    assertThatThrownBy(() -> parse("routes:\n  /a/: a\n  /b/:\n    topic: b\n    timout: 2s\n"))
        .hasMessage("routes.yaml:5: routes./b/.timout: unknown key; did you mean 'timeout'?");
    assertThatThrownBy(() -> parse("{\"routes\": {\"/a/\": \"a\",\n  \"b/\": \"b\"}}"))
        .hasMessage("routes.yaml:2: routes.b/: a path prefix must start with '/'");
  }

  /**
   * A route's timeout and the gateway's --timeout take what a function's environment takes: one
   * grammar.
   */
  @Test
  void timeoutsTakeTheRuntimeContractsDurations() {
    RuntimeContract.Grammar durations = RuntimeContract.load().grammar("duration");
    durations
        .valid()
        .forEach(
            (text, millis) -> {
              assertThat(
                      parse("routes:\n  /x/: {topic: x, timeout: \"" + text + "\"}\n")
                          .match("/x/")
                          .timeout())
                  .as(text)
                  .isEqualTo(Duration.ofMillis(millis.asLong()));
              assertThat(GatewayMain.positiveDuration(text))
                  .as(text)
                  .isEqualTo(Duration.ofMillis(millis.asLong()));
            });
    for (String text : durations.invalid()) {
      assertThatThrownBy(() -> parse("routes:\n  /x/: {topic: x, timeout: \"" + text + "\"}\n"))
          .as(text)
          .isInstanceOf(RoutesFile.InvalidRoutesException.class);
      assertThatThrownBy(() -> GatewayMain.positiveDuration(text))
          .as(text)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void anAbsentFieldIsReportedAtItsRoute() {
    assertThatThrownBy(() -> parse("routes:\n  /a/: a\n  /b/:\n    timeout: 2s\n"))
        .hasMessage("routes.yaml:3: routes./b/.topic: missing");
  }

  @Test
  void chartValuesNameTheirFieldsInFull() {
    assertThatThrownBy(
            () ->
                parse(
                    "gateway:\n  config:\n    routes:\n      /test/: test\n      /reports/:\n        topic: reports\n"
                        + "        async: maybe\n"))
        .hasMessage("routes.yaml:7: gateway.config.routes./reports/.async: must be true or false");
    assertThatThrownBy(() -> parse("gateway:\n  config:\n    routes: [/test/]\n"))
        .hasMessage("routes.yaml:3: gateway.config.routes: must be a map of path prefix to topic");
  }

  @Test
  void aFileOfNeitherShapeNamesBoth() {
    String expected =
        "routes.yaml:1: no routes: expected the gateway's routes file ('routes: {/test/: test}') "
            + "or kubefuncs chart values ('gateway: {config: {routes: {/test/: test}}}')";
    assertThatThrownBy(() -> parse("gateway:\n  replicaCount: 2\n")).hasMessage(expected);
    assertThatThrownBy(() -> parse("")).hasMessage(expected);
  }

  @Test
  void aKeyNobodyReadsIsAnErrorWithTheLikelyIntendedOne() {
    assertThatThrownBy(() -> parse("route:\n  /test/: test\n"))
        .hasMessage("routes.yaml:1: route: unknown key; did you mean 'routes'?");
    assertThatThrownBy(() -> parse("routes:\n  /test/: test\ntimeout: 5s\n"))
        .hasMessage("routes.yaml:3: timeout: unknown key (known: routes)");
    assertThatThrownBy(() -> parse("gateway:\n  config:\n    route:\n      /x/: x\n"))
        .hasMessage("routes.yaml:3: gateway.config.route: unknown key; did you mean 'routes'?");
    assertThatThrownBy(
            () -> parse("gateway:\n  config:\n    routes:\n      /x/: x\n    timeout: 5s\n"))
        .hasMessage("routes.yaml:5: gateway.config.timeout: unknown key (known: routes)");
  }

  @Test
  void chartValuesMayHoldMoreThanTheGatewaysRoutes() {
    assertThat(
            table(
                parse(
                    "nsq:\n  nsqd: {extraArgs: [--mem-queue-size=0]}\ngateway:\n  replicaCount: 2\n"
                        + "  config:\n    routes:\n      /test/: test\n")))
        .isEqualTo(Map.of("/test/", "test"));
  }

  @Test
  void aSyntaxErrorNamesItsLineInOneLine() {
    assertThatThrownBy(() -> parse("routes:\n  /a/: a\n  /b/: [b\n"))
        .hasMessageStartingWith("routes.yaml:3: not YAML or JSON: ")
        .hasMessageNotContaining("\n");
  }
}
