package io.kubefuncs;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The SDK's Prometheus metrics; one set per registry, shared by every client using it. */
final class Metrics {
  private static final java.util.Map<PrometheusRegistry, Metrics> BY_REGISTRY =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  final Counter received;
  final Counter handled;
  final Histogram handlerDuration;
  final Gauge inFlight;
  final Counter publishFailures;
  final Histogram callDuration;

  static Metrics of(PrometheusRegistry registry) {
    return BY_REGISTRY.computeIfAbsent(registry, Metrics::new);
  }

  private Metrics(PrometheusRegistry registry) {
    received =
        Counter.builder()
            .name("kubefuncs_messages_received_total")
            .help("Events delivered to this function")
            .labelNames("topic", "channel")
            .register(registry);
    handled =
        Counter.builder()
            .name("kubefuncs_messages_handled_total")
            .help(
                "Events handled, by outcome: ok, error (answered with Error), requeued, dead_lettered")
            .labelNames("topic", "channel", "outcome")
            .register(registry);
    handlerDuration =
        Histogram.builder()
            .name("kubefuncs_handler_duration_seconds")
            .help("Time spent in the handler")
            .labelNames("topic", "channel")
            .register(registry);
    inFlight =
        Gauge.builder()
            .name("kubefuncs_messages_in_flight")
            .help("Events being handled right now")
            .labelNames("topic", "channel")
            .register(registry);
    publishFailures =
        Counter.builder()
            .name("kubefuncs_publish_failures_total")
            .help("Publishes (emits, calls, responses, dead letters) that nsqd did not accept")
            .register(registry);
    callDuration =
        Histogram.builder()
            .name("kubefuncs_call_duration_seconds")
            .help("Time from call to response, by outcome: ok, error, timeout")
            .labelNames("topic", "outcome")
            .register(registry);
  }
}
