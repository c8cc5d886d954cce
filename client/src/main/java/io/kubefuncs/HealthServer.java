package io.kubefuncs;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * {@code /healthz} and {@code /metrics} on {@code HEALTHZ_ADDR}, for Kubernetes probes and
 * Prometheus. Health is 503 until the function is subscribed, 200 while it serves and is connected
 * to an nsqd, 503 while it drains, so no traffic is routed to a pod that is starting, stopping or
 * cut off from NSQ.
 */
final class HealthServer implements AutoCloseable {
  enum State {
    STARTING,
    SERVING,
    DRAINING
  }

  private final HTTPServer server;
  private final BooleanSupplier connected;
  private volatile State state = State.STARTING;

  /** {@code connected}: whether the function is subscribed to at least one nsqd right now. */
  HealthServer(String host, int port, PrometheusRegistry registry, BooleanSupplier connected) {
    this.connected = connected;
    try {
      HTTPServer.Builder b =
          HTTPServer.builder()
              .port(port)
              // One thread answers the kubelet's probes and Prometheus' scrapes, each a few
              // microseconds of work: the exporter's default pool started 5 threads, 5 stacks and
              // malloc arenas in a process that should stay small. Closed with the server.
              .executorService(
                  Executors.newSingleThreadExecutor(
                      Thread.ofPlatform().name("kubefuncs-health").daemon().factory()))
              .registry(registry)
              .registerHealthHandler(false)
              .defaultHandler(this::serve);
      if (!host.isEmpty()) {
        b.hostname(host);
      }
      server = b.buildAndStart();
    } catch (BindException e) {
      throw new ConfigException(
          "HEALTHZ_ADDR",
          "cannot listen on " + host + ":" + port + " (" + e.getMessage() + "): pick a free port");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the health server on " + host + ":" + port, e);
    }
  }

  int port() {
    return server.getPort();
  }

  void state(State state) {
    this.state = state;
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!exchange.getRequestURI().getPath().equals("/healthz")) {
        send(exchange, 404, "not found: try /healthz or /metrics\n");
        return;
      }
      State s = state;
      if (s == State.SERVING && !connected.getAsBoolean()) {
        send(exchange, 503, "not connected to nsqd\n");
        return;
      }
      send(exchange, s == State.SERVING ? 200 : 503, s.name().toLowerCase() + "\n");
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.close();
  }
}
