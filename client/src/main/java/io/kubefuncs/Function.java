package io.kubefuncs;

import io.kubefuncs.internal.StartWarmUp;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.CompletableFuture;

/**
 * A running function: a client, one subscription, and the health server. {@link Kubefuncs#run} is
 * this plus signal handling; tests start it in-process.
 */
final class Function implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Function.class.getName());

  private final FunctionConfig config;
  private final HealthServer health;
  private final Client client;
  private final Subscription subscription;

  /** Null when tracing is off. */
  private final OpenTelemetrySdk tracing;

  private final CompletableFuture<Void> stopped = new CompletableFuture<>();

  Function(FunctionConfig config, Handler handler, PrometheusRegistry registry) {
    this(config, handler, registry, null);
  }

  /**
   * With {@code tracing} (null for none), closed last when the function stops, to send the last
   * spans.
   */
  Function(
      FunctionConfig config,
      Handler handler,
      PrometheusRegistry registry,
      OpenTelemetrySdk tracing) {
    StartWarmUp warmUp = StartWarmUp.forFunction();
    this.config = config;
    this.tracing = tracing;
    Client.Builder b =
        Client.builder()
            .nsqd(config.nsqdAddress())
            .clientId(config.clientId())
            .registry(registry)
            .nsqConfig(
                Client.NSQ_DEFAULTS.toBuilder().maxMessageSize(config.maxMessageSize()).build())
            .nsqSecurity(config.tls(), config.authSecret());
    if (tracing != null) {
      b.openTelemetry(tracing);
    }
    if (config.lookupdAddress() != null) {
      b.lookupd(config.lookupdAddress());
    }
    this.client = b.build();
    // Alongside the subscription's: the first answer would otherwise wait for a handshake of its
    // own.
    client.connectPublisher();
    SubscriptionOptions options =
        SubscriptionOptions.defaults(config.topic())
            .withMaxAttempts(config.maxAttempts())
            .withDeadLetterTopic(config.deadLetterTopic())
            .withHandlerTimeout(config.handlerTimeout())
            .withDrainTimeout(config.drainTimeout());
    this.subscription =
        client.on(config.topic(), config.channel(), config.maxInFlight(), options, handler);
    try {
      this.health =
          new HealthServer(
              config.healthzHost(),
              config.healthzPort(),
              registry,
              () -> subscription.connections() > 0);
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
    // Here, while the subscription waits on nsqlookupd and nsqd: the process's first log line sets
    // up the JDK's logging (its handler, the time zone's rules, the date's format), milliseconds in
    // the interpreter that would otherwise fall on the thread that reports ready.
    LOG.log(
        System.Logger.Level.INFO,
        "subscribing to {0}/{1} (nsqd {2}, nsqlookupd {3})",
        config.topic(),
        config.channel(),
        config.nsqdAddress(),
        config.lookupdAddress() == null ? "none" : config.lookupdAddress());
    // Before /healthz can answer 200.
    warmUp.await();
    subscription
        .ready()
        .thenRun(
            () -> {
              // Logged before /healthz turns 200: whoever sees the pod ready finds the line already
              // there.
              LOG.log(
                  System.Logger.Level.INFO,
                  "consuming {0}/{1}; health on :{2}",
                  config.topic(),
                  config.channel(),
                  String.valueOf(health.port()));
              health.state(HealthServer.State.SERVING);
            });
  }

  int healthPort() {
    return health.port();
  }

  Client client() {
    return client;
  }

  /** Stops taking events, finishes those in hand within the drain timeout, and shuts down. */
  synchronized void drain() {
    if (stopped.isDone()) {
      return;
    }
    health.state(HealthServer.State.DRAINING);
    LOG.log(System.Logger.Level.INFO, "draining: {0} events in hand", subscription.inFlight());
    subscription.stop(config.drainTimeout()).join();
    client.close();
    health.close();
    if (tracing != null) {
      tracing.close();
    }
    stopped.complete(null);
  }

  CompletableFuture<Void> stopped() {
    return stopped;
  }

  @Override
  public void close() {
    drain();
  }
}
