package io.kubefuncs.gateway;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** The gateway's own metrics; routes are labelled by prefix, which the routes file bounds. */
final class GatewayMetrics {
  final Counter requests;
  final Histogram latency;
  final Gauge inFlight;
  final Counter timeouts;
  final Counter reloads;
  final Counter noConsumer;

  GatewayMetrics(PrometheusRegistry registry) {
    requests = Counter.builder().name("kubefuncs_gateway_requests_total")
        .help("HTTP requests by route (path prefix, or 'none') and status").labelNames("route", "status").register(registry);
    latency = Histogram.builder().name("kubefuncs_gateway_request_duration_seconds")
        .help("Time from request to response, by route").labelNames("route")
        .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
        .register(registry);
    inFlight = Gauge.builder().name("kubefuncs_gateway_calls_in_flight")
        .help("Calls waiting for a function's answer").register(registry);
    timeouts = Counter.builder().name("kubefuncs_gateway_timeouts_total")
        .help("Calls that got no answer within their route's timeout").labelNames("route").register(registry);
    reloads = Counter.builder().name("kubefuncs_gateway_route_reloads_total")
        .help("Routes file reloads by result: ok, rejected").labelNames("result").register(registry);
    // Exposed at 0 from the start, so that increase() and alerts see the first rejection.
    reloads.labelValues("ok");
    reloads.labelValues("rejected");
    noConsumer = Counter.builder().name("kubefuncs_gateway_no_consumer_total")
        .help("Requests accepted for a topic that no function consumes yet").labelNames("route").register(registry);
  }
}
