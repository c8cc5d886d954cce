package io.kubefuncs;

import io.kubefuncs.testkit.MetricsText;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** What {@code /metrics} would serve for a registry, without going through HTTP. */
final class Scrapes {
  private Scrapes() {}

  static MetricsText of(PrometheusRegistry registry) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new MetricsText(out.toString(StandardCharsets.UTF_8));
  }
}
