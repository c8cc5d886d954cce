package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.gateway.RoutesFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouteWarningsTest {
  @TempDir Path dir;

  private List<String> warnings(String functions, String routes) throws Exception {
    Path routesFile = Files.writeString(dir.resolve("gateway.yaml"), routes);
    return RouteWarnings.of(
        FunctionsFile.parse(functions, "functions.yaml", dir),
        RoutesFile.read(routesFile, Duration.ofSeconds(30)),
        "gateway.yaml",
        "functions.yaml");
  }

  @Test
  void namesFunctionsWithoutARouteAndRoutesWithoutAConsumer() throws Exception {
    List<String> warnings =
        warnings(
            """
        functions:
        - {name: test, local: {command: [a]}}
        - {name: orders, topic: orders.v2, local: {command: [a]}}
        - {name: idle, replicas: 0, local: {command: [a]}}
        """,
            """
        routes:
          /test/: test
          /idle/: idle
          /jobs/: {topic: jobs, async: true}
          /fast/: {topic: fast, timeout: 500ms}
        """);

    assertThat(warnings)
        .containsExactly(
            "no route of gateway.yaml goes to function orders (topic orders.v2): only NSQ reaches it; add a route such as /orders/: orders.v2",
            "route /fast/ goes to topic fast, which no function of functions.yaml consumes: its requests will wait 500 ms, then get 504",
            "route /idle/ goes to topic idle, which no function of functions.yaml consumes: its requests will wait 30 s, then get 504",
            "route /jobs/ goes to topic jobs, which no function of functions.yaml consumes: its events wait in NSQ until one does");
  }

  @Test
  void routesAndFunctionsThatMeetAreNoWarning() throws Exception {
    assertThat(
            warnings(
                "functions: [{name: test, local: {command: [a]}}]\n",
                "routes: {/test/: test, /t2/: test}\n"))
        .isEmpty();
  }
}
