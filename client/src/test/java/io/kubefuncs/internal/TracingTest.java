package io.kubefuncs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubefuncs.ConfigException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Whether the OTEL_* settings turn tracing on, and a bad one said in one line. */
class TracingTest {
  @Test
  void tracingIsOnWhenAnExporterOrAnOtlpEndpointIsSetAndTheSdkIsNotDisabled() {
    assertThat(Tracing.wanted(Map.of())).isFalse();
    assertThat(Tracing.wanted(Map.of("OTEL_SERVICE_NAME", "x"))).isFalse();
    assertThat(Tracing.wanted(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")))
        .isTrue();
    assertThat(
            Tracing.wanted(
                Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/v1/traces")))
        .isTrue();
    assertThat(Tracing.wanted(Map.of("OTEL_TRACES_EXPORTER", "otlp"))).isTrue();
    assertThat(
            Tracing.wanted(
                Map.of(
                    "OTEL_TRACES_EXPORTER",
                    "none",
                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                    "http://c:4318")))
        .isFalse();
    assertThat(Tracing.wanted(Map.of("OTEL_SDK_DISABLED", "true", "OTEL_TRACES_EXPORTER", "otlp")))
        .isFalse();
    assertThat(Tracing.fromEnvironment(Map.of(), "fn")).isEmpty();
  }

  @Test
  void anExporterTheSdkDoesNotCarryIsABadSettingNamedInOneLine() {
    assertThatThrownBy(
            () -> Tracing.fromEnvironment(Map.of("OTEL_TRACES_EXPORTER", "zipkin"), "fn"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("OTEL_*: ")
        .hasMessageContaining("zipkin")
        .hasMessageNotContaining("\n");
  }
}
