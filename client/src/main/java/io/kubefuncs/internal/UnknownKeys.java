package io.kubefuncs.internal;

import java.util.Collection;
import java.util.Locale;
import java.util.TreeSet;

/**
 * What to tell someone whose configuration file has a key nobody reads: a typo such as {@code
 * route:} for {@code routes:} must be an error that names the likely intended key, never silently
 * ignored. One wording for every file Kubefuncs reads (the gateway's routes files, the CLI's
 * functions files).
 */
public final class UnknownKeys {
  /** Keys more than this many edits away from every known one get the list instead of a guess. */
  private static final int MAX_EDITS = 2;

  private UnknownKeys() {}

  /**
   * {@code unknown key; did you mean 'routes'?}, or {@code unknown key (known: a, b)} when nothing
   * is close.
   */
  public static String message(String key, Collection<String> known) {
    String near = closest(key, known);
    return near != null
        ? "unknown key; did you mean '" + near + "'?"
        : "unknown key (known: " + String.join(", ", new TreeSet<>(known)) + ")";
  }

  /** The known key within {@link #MAX_EDITS} edits of {@code key}, ignoring case, or null. */
  private static String closest(String key, Collection<String> known) {
    String best = null;
    int bestDistance = MAX_EDITS + 1;
    for (String candidate : known) {
      int d = distance(key.toLowerCase(Locale.ROOT), candidate.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best;
  }

  /** Levenshtein distance, two rows at a time. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
