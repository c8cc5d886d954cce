package io.kubefuncs.gateway;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Samples of a {@code /metrics} page in the Prometheus text format, read the way a scraper reads
 * them: by exposed name and labels, so tests check what operators see.
 */
final class Scrape {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private final String text;

  Scrape(String text) {
    this.text = text;
  }

  String text() {
    return text;
  }

  /** The sum of the samples named {@code name} having at least {@code labels}; 0 when there is none. */
  double value(String name, Map<String, String> labels) {
    double sum = 0;
    for (String line : text.split("\n")) {
      if (line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.find() || !m.group(1).equals(name)) {
        continue;
      }
      Map<String, String> have = new HashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          have.put(l.group(1), l.group(2));
        }
      }
      if (have.entrySet().containsAll(labels.entrySet())) {
        sum += Double.parseDouble(m.group(3));
      }
    }
    return sum;
  }

  /** Whether a sample named {@code name} with at least {@code labels} is exposed at all. */
  boolean has(String name, Map<String, String> labels) {
    for (String line : text.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (!line.startsWith("#") && m.find() && m.group(1).equals(name)) {
        Map<String, String> have = new HashMap<>();
        if (m.group(2) != null) {
          Matcher l = LABEL.matcher(m.group(2));
          while (l.find()) {
            have.put(l.group(1), l.group(2));
          }
        }
        if (have.entrySet().containsAll(labels.entrySet())) {
          return true;
        }
      }
    }
    return false;
  }
}
