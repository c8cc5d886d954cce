package io.kubefuncs.gateway;

import io.netty.channel.Channel;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most so many open connections: each one costs memory and a file descriptor whatever it sends,
 * so past the limit a new connection gets a short 503 and is closed, and the clients already
 * connected are served as before.
 */
final class ConnectionLimit {
  private final int max;
  private final GatewayMetrics metrics;
  private final AtomicInteger open = new AtomicInteger();
  private final Refusal refusal;

  ConnectionLimit(int max, GatewayMetrics metrics, PrometheusRegistry registry) {
    this.max = max;
    this.metrics = metrics;
    this.refusal =
        new Refusal(
            "too_many_connections",
            "the gateway has " + max + " connections open; retry shortly",
            1);
    GaugeWithCallback.builder()
        .name("kubefuncs_gateway_connections")
        .help("Open HTTP connections")
        .callback(cb -> cb.call(open.get()))
        .register(registry);
  }

  /**
   * Counts {@code channel} in, until it closes, and returns true; over the limit, sets it up to be
   * refused instead and returns false.
   */
  boolean admit(Channel channel) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      metrics.refusedOverMaxConnections.inc();
      refusal.refuse(channel);
      return false;
    }
    channel.closeFuture().addListener(f -> open.decrementAndGet());
    return true;
  }
}
