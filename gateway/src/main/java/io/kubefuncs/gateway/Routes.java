package io.kubefuncs.gateway;

import java.util.ArrayList;
import java.util.List;

/**
 * An immutable routing table. The longest matching prefix wins, whatever the order in the file (the
 * original gateway picked one of the matches at random).
 */
public final class Routes {
  private final Route[] byLength;

  public Routes(List<Route> routes) {
    List<Route> sorted = new ArrayList<>(routes);
    // A lambda of this class, which the AOT cache holds, rather than Comparator.comparingInt's,
    // whose class the JVM would make at every start.
    sorted.sort((a, b) -> Integer.compare(b.prefix().length(), a.prefix().length()));
    byLength = sorted.toArray(Route[]::new);
  }

  /** The route for {@code path}, or null. */
  public Route match(String path) {
    for (Route r : byLength) {
      if (path.startsWith(r.prefix())) {
        return r;
      }
    }
    return null;
  }

  public List<Route> all() {
    return List.of(byLength);
  }

  public int size() {
    return byLength.length;
  }
}
