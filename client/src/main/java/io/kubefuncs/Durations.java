package io.kubefuncs;

import java.time.Duration;

/**
 * Durations as the original kubefuncs settings and Kubernetes manifests write them:
 * {@code 1500ms}, {@code 30s}, {@code 5m}, {@code 1h}. One parser, so a function's environment
 * and the gateway's routes file read {@code 30s} the same way.
 */
public final class Durations {
  private Durations() {}

  /** The duration {@code text} stands for; throws {@link IllegalArgumentException} if it is not one. */
  public static Duration parse(String text) {
    try {
      if (text.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
      }
      if (!text.isEmpty()) {
        long n = Long.parseLong(text.substring(0, text.length() - 1));
        switch (text.charAt(text.length() - 1)) {
          case 's': return Duration.ofSeconds(n);
          case 'm': return Duration.ofMinutes(n);
          case 'h': return Duration.ofHours(n);
          default: break;
        }
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("'" + text + "' is not a duration like 500ms, 30s, 5m or 1h");
  }
}
