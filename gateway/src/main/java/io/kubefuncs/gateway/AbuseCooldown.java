package io.kubefuncs.gateway;

import io.netty.channel.Channel;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Refuses new connections, for a while, from an address one of whose connections was closed for
 * pipelining past the limit. Only a client that sends requests without reading the answers gets
 * there, and closing its connection alone does not stop it: it reconnects at once, and each new
 * connection has its first requests published to the functions again. During the cooldown its new
 * connections get a 503 without being read, which costs the gateway next to nothing.
 *
 * <p>Only that close counts: a timeout can befall any client on a bad network, and behind one NAT
 * or proxy address a whole office would pay for it. Connections that are already open are served as
 * before, so a normal client behind the same address as the abuser keeps its keep-alive
 * connections; only its new ones are refused until the cooldown ends.
 */
final class AbuseCooldown {
  /**
   * Addresses remembered at most. Beyond it, an offending address whose cooldown is not already
   * running is not remembered: clients with that many addresses could otherwise grow the table
   * without bound, and they can send from a fresh one anyway.
   */
  static final int MAX_ADDRESSES = 10_000;

  private final long cooldownNanos;
  private final GatewayMetrics metrics;
  private final Refusal refusal;

  /**
   * Address to the System.nanoTime() at which its cooldown ends; expired entries go when next seen
   * or swept.
   */
  private final ConcurrentHashMap<InetAddress, Long> until = new ConcurrentHashMap<>();

  /** A zero {@code cooldown} turns it off. */
  AbuseCooldown(Duration cooldown, GatewayMetrics metrics, PrometheusRegistry registry) {
    this.cooldownNanos = cooldown.toNanos();
    this.metrics = metrics;
    long millis = cooldown.toMillis();
    this.refusal =
        new Refusal(
            "abuse_cooldown",
            "a connection from this address pipelined too many requests without "
                + "reading the answers; new connections from it are refused for "
                + (millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms"),
            Math.max(1, cooldown.toSeconds()));
    GaugeWithCallback.builder()
        .name("kubefuncs_gateway_addresses_cooling_down")
        .help(
            "Client addresses whose new connections are refused, after one of their connections pipelined too many requests")
        .callback(cb -> cb.call(cooling(System.nanoTime())))
        .register(registry);
  }

  /**
   * Whether {@code channel}, just accepted, comes from an address cooling down; if so, it is set up
   * to be refused. One table lookup per connection, none per request.
   */
  boolean refuses(Channel channel) {
    if (until.isEmpty()) {
      return false;
    }
    InetAddress address = address(channel);
    Long end = address == null ? null : until.get(address);
    if (end == null) {
      return false;
    }
    if (System.nanoTime() - end >= 0) {
      until.remove(address, end);
      return false;
    }
    metrics.refusedInCooldown.inc();
    refusal.refuse(channel);
    return true;
  }

  /** {@code channel} was closed for pipelining too deep: its address cools down from now. */
  void offended(Channel channel) {
    InetAddress address = address(channel);
    if (cooldownNanos == 0 || address == null) {
      return;
    }
    long now = System.nanoTime();
    if (until.size() >= MAX_ADDRESSES && !until.containsKey(address)) {
      until.values().removeIf(end -> now - end >= 0);
      if (until.size() >= MAX_ADDRESSES) {
        return;
      }
    }
    until.put(address, now + cooldownNanos);
  }

  private int cooling(long now) {
    int n = 0;
    for (long end : until.values()) {
      if (now - end < 0) {
        n++;
      }
    }
    return n;
  }

  private static InetAddress address(Channel channel) {
    return channel.remoteAddress() instanceof InetSocketAddress remote ? remote.getAddress() : null;
  }
}
