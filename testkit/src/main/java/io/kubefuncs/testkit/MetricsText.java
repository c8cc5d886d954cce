package io.kubefuncs.testkit;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Samples of a {@code /metrics} page in the Prometheus text format, read the way a scraper reads
 * them: by exposed name ({@code _total}, {@code _count}) and labels, so tests check what operators
 * see rather than a metrics library's internal model.
 */
public final class MetricsText {
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private final String text;

  public MetricsText(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }

  /**
   * The sum of the samples named {@code name} whose labels include {@code labels}; 0 when none
   * (counters and histograms start out absent or at zero, which tests treat alike).
   */
  public double value(String name, Map<String, String> labels) {
    double sum = 0;
    for (String line : text.split("\n")) {
      Double v = sample(line, name, labels);
      if (v != null) {
        sum += v;
      }
    }
    return sum;
  }

  public double value(String name) {
    return value(name, Map.of());
  }

  /** Whether a sample named {@code name} with at least {@code labels} is exposed at all. */
  public boolean has(String name, Map<String, String> labels) {
    for (String line : text.split("\n")) {
      if (sample(line, name, labels) != null) {
        return true;
      }
    }
    return false;
  }

  /** The line's value if it is a sample of {@code name} carrying {@code labels}, else null. */
  private static Double sample(String line, String name, Map<String, String> labels) {
    if (line.startsWith("#")) {
      return null;
    }
    Matcher m = SAMPLE.matcher(line);
    if (!m.find() || !m.group(1).equals(name)) {
      return null;
    }
    Map<String, String> have = new HashMap<>();
    if (m.group(2) != null) {
      Matcher l = LABEL.matcher(m.group(2));
      while (l.find()) {
        have.put(l.group(1), l.group(2));
      }
    }
    return have.entrySet().containsAll(labels.entrySet()) ? Double.parseDouble(m.group(3)) : null;
  }

  @Override
  public String toString() {
    return text;
  }
}
