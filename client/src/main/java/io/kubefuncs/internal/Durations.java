package io.kubefuncs.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * Durations as the original kubefuncs settings and Kubernetes manifests write them: {@code 1500ms},
 * {@code 30s}, {@code 5m}, {@code 1h}, and ISO-8601 ({@code PT30S}) for settings written by Java
 * tooling. One parser, so a function's environment, the gateway's flags and its routes file read a
 * duration the same way: the {@code duration} grammar of the function runtime contract
 * (proto/testdata/function-runtime.json).
 */
public final class Durations {
  private Durations() {}

  /**
   * The duration {@code text} stands for; throws {@link IllegalArgumentException} if it is not one.
   */
  public static Duration parse(String text) {
    try {
      if (text.startsWith("P") || text.startsWith("p")) {
        return Duration.parse(text);
      }
      if (text.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
      }
      if (!text.isEmpty()) {
        long n = Long.parseLong(text.substring(0, text.length() - 1));
        switch (text.charAt(text.length() - 1)) {
          case 's':
            return Duration.ofSeconds(n);
          case 'm':
            return Duration.ofMinutes(n);
          case 'h':
            return Duration.ofHours(n);
          default:
            break;
        }
      }
    } catch (NumberFormatException | DateTimeParseException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "'" + text + "' is not a duration like 500ms, 30s, 5m, 1h or PT30S");
  }
}
