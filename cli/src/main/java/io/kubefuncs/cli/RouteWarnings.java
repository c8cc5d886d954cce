package io.kubefuncs.cli;

import io.kubefuncs.gateway.Route;
import io.kubefuncs.gateway.Routes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What in the routes and the functions of {@code kubefuncs dev} cannot work, said before a request
 * finds out: a function no route sends to can only be called through NSQ, and a request to a route
 * whose topic no function consumes waits the route's whole timeout, then gets a 504.
 */
final class RouteWarnings {
  private RouteWarnings() {}

  /**
   * @param routesOrigin the routes file, as the messages name it
   * @param functionsFile the functions file, as the messages name it
   */
  static List<String> of(
      List<FunctionSpec> functions, Routes routes, String routesOrigin, String functionsFile) {
    List<String> warnings = new ArrayList<>();
    Set<String> routed = routes.all().stream().map(Route::topic).collect(Collectors.toSet());
    for (FunctionSpec fn : functions) {
      if (!routed.contains(fn.topic())) {
        warnings.add(
            "no route of "
                + routesOrigin
                + " goes to function "
                + fn.name()
                + " (topic "
                + fn.topic()
                + "): only NSQ reaches it; add a route such as "
                + "/"
                + fn.name()
                + "/: "
                + fn.topic());
      }
    }
    Set<String> consumed = consumedTopics(functions);
    routes.all().stream()
        .sorted(Comparator.comparing(Route::prefix))
        .forEach(
            r -> {
              if (!consumed.contains(r.topic())) {
                warnings.add(
                    "route "
                        + r.prefix()
                        + " goes to topic "
                        + r.topic()
                        + ", which no function of "
                        + functionsFile
                        + " consumes: "
                        + (r.async()
                            ? "its events wait in NSQ until one does"
                            : "its requests will wait "
                                + duration(r.timeout())
                                + ", then get 504"));
              }
            });
    return warnings;
  }

  /** The topics that a running replica of {@code functions} consumes. */
  static Set<String> consumedTopics(List<FunctionSpec> functions) {
    return functions.stream()
        .filter(fn -> fn.replicas() > 0)
        .map(FunctionSpec::topic)
        .collect(Collectors.toSet());
  }

  private static String duration(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
