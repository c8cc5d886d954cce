package io.kubefuncs.gateway;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
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
  final Counter connectionsClosed;
  final CounterDataPoint headerTimeouts;
  final CounterDataPoint bodyTimeouts;
  final CounterDataPoint idleTimeouts;
  final CounterDataPoint writeTimeouts;
  final CounterDataPoint pipelineTooDeep;
  final CounterDataPoint refusedOverMaxConnections;
  final CounterDataPoint closedOverBodyBudget;
  final CounterDataPoint refusedInCooldown;

  GatewayMetrics(PrometheusRegistry registry) {
    requests =
        Counter.builder()
            .name("kubefuncs_gateway_requests_total")
            .help("HTTP requests by route (path prefix, or 'none') and status")
            .labelNames("route", "status")
            .register(registry);
    latency =
        Histogram.builder()
            .name("kubefuncs_gateway_request_duration_seconds")
            .help("Time from request to response, by route")
            .labelNames("route")
            .classicUpperBounds(
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
            .register(registry);
    inFlight =
        Gauge.builder()
            .name("kubefuncs_gateway_calls_in_flight")
            .help("Calls waiting for a function's answer")
            .register(registry);
    timeouts =
        Counter.builder()
            .name("kubefuncs_gateway_timeouts_total")
            .help("Calls that got no answer within their route's timeout")
            .labelNames("route")
            .register(registry);
    reloads =
        Counter.builder()
            .name("kubefuncs_gateway_route_reloads_total")
            .help("Routes file reloads by result: ok, rejected")
            .labelNames("result")
            .register(registry);
    // Exposed at 0 from the start, so that increase() and alerts see the first rejection.
    reloads.labelValues("ok");
    reloads.labelValues("rejected");
    noConsumer =
        Counter.builder()
            .name("kubefuncs_gateway_no_consumer_total")
            .help("Requests accepted for a topic that no function consumes yet")
            .labelNames("route")
            .register(registry);
    connectionsClosed =
        Counter.builder()
            .name("kubefuncs_gateway_connections_closed_total")
            .help(
                "Connections the gateway closed on a limit, by reason: header_timeout, body_timeout, idle_timeout, "
                    + "write_timeout, pipeline_depth, max_connections, body_budget, abuse_cooldown")
            .labelNames("reason")
            .register(registry);
    // Resolved once, as they are counted on the event loops; and exposed at 0 from the start.
    headerTimeouts = connectionsClosed.labelValues("header_timeout");
    bodyTimeouts = connectionsClosed.labelValues("body_timeout");
    idleTimeouts = connectionsClosed.labelValues("idle_timeout");
    writeTimeouts = connectionsClosed.labelValues("write_timeout");
    pipelineTooDeep = connectionsClosed.labelValues("pipeline_depth");
    refusedOverMaxConnections = connectionsClosed.labelValues("max_connections");
    closedOverBodyBudget = connectionsClosed.labelValues("body_budget");
    refusedInCooldown = connectionsClosed.labelValues("abuse_cooldown");
  }
}
