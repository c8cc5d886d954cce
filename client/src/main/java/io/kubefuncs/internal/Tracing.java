package io.kubefuncs.internal;

import io.kubefuncs.ConfigException;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * OpenTelemetry tracing, set up from the standard {@code OTEL_*} environment variables when they
 * ask for it, and only then: tracing is on when {@code OTEL_TRACES_EXPORTER} names an exporter (not
 * {@code none}), or, with it unset, when {@code OTEL_EXPORTER_OTLP_ENDPOINT} or {@code
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} is set; {@code OTEL_SDK_DISABLED=true} turns it off. OTLP
 * goes over HTTP ({@code http/protobuf}, the collector's port 4318) unless {@code
 * OTEL_EXPORTER_OTLP_PROTOCOL} says otherwise. Off, no part of the OpenTelemetry SDK is loaded, no
 * thread started, and events carry no trace context.
 */
public final class Tracing {
  private Tracing() {}

  /**
   * The SDK that the environment asks for, configured by OpenTelemetry's own autoconfiguration
   * (exporter, endpoint, sampler, resource); metrics and logs are not exported unless {@code
   * OTEL_METRICS_EXPORTER} / {@code OTEL_LOGS_EXPORTER} say so, as Prometheus has the metrics.
   * Close it last, to send the spans still buffered.
   *
   * @param serviceName {@code service.name} unless {@code OTEL_SERVICE_NAME} (or {@code
   *     OTEL_RESOURCE_ATTRIBUTES}) names it
   * @throws ConfigException when an {@code OTEL_*} setting is malformed
   */
  public static Optional<OpenTelemetrySdk> fromEnvironment(
      Map<String, String> env, String serviceName) {
    if (!wanted(env)) {
      return Optional.empty();
    }
    Map<String, String> properties = new HashMap<>();
    properties.put("otel.metrics.exporter", "none");
    properties.put("otel.logs.exporter", "none");
    properties.put("otel.service.name", serviceName);
    // As the specification and the Go client have it (Java's own default is grpc, which would need
    // a sender this SDK does not carry): one collector port, 4318, for every function.
    properties.put("otel.exporter.otlp.protocol", "http/protobuf");
    // The settings given, under the names of their system properties; in a process they are its
    // environment, which the autoconfiguration reads too.
    env.forEach(
        (name, value) -> {
          if (name.startsWith("OTEL_")) {
            properties.put(name.toLowerCase(Locale.ROOT).replace('_', '.'), value);
          }
        });
    try {
      return Optional.of(
          AutoConfiguredOpenTelemetrySdk.builder()
              .addPropertiesSupplier(() -> properties)
              .build()
              .getOpenTelemetrySdk());
    } catch (ConfigurationException e) {
      // Its own text can be as vague as "Unexpected configuration error": the cause says which.
      Throwable cause = e.getCause();
      throw new ConfigException(
          "OTEL_*", e.getMessage() + (cause == null || cause == e ? "" : ": " + cause));
    }
  }

  /** Whether the environment asks for tracing (see the class comment). */
  static boolean wanted(Map<String, String> env) {
    if ("true".equalsIgnoreCase(env.getOrDefault("OTEL_SDK_DISABLED", "").trim())) {
      return false;
    }
    String exporter = env.getOrDefault("OTEL_TRACES_EXPORTER", "").trim().toLowerCase(Locale.ROOT);
    if (!exporter.isEmpty()) {
      return !exporter.equals("none");
    }
    return !env.getOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT", "").isBlank()
        || !env.getOrDefault("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "").isBlank();
  }
}
