package io.kubefuncs;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Samples read from the Prometheus text format, the way a scraper sees them, so tests check the
 * exposed names ({@code _total}, {@code _count}) rather than the library's internal model.
 */
final class MetricsText {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private final String text;

  MetricsText(String text) {
    this.text = text;
  }

  /** What {@code /metrics} would serve for {@code registry}. */
  static MetricsText scrape(PrometheusRegistry registry) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new MetricsText(out.toString(StandardCharsets.UTF_8));
  }

  String text() {
    return text;
  }

  /**
   * The sum of the samples named {@code name} whose labels include {@code labels}; 0 when none
   * (counters and histograms start out absent or at zero, which tests treat alike).
   */
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
      Map<String, String> have = new LinkedHashMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          have.put(l.group(1), l.group(2));
        }
      }
      if (have.entrySet().containsAll(labels.entrySet())) {
        sum += Double.parseDouble(m.group(4));
      }
    }
    return sum;
  }

  double value(String name) {
    return value(name, Map.of());
  }

  @Override
  public String toString() {
    return text;
  }
}
