package io.kubefuncs;

import io.kubefuncs.nsq.NsqProducer;
import io.prometheus.metrics.core.metrics.Counter;
import java.util.concurrent.CompletableFuture;

/**
 * What subscriptions and calls need of the client's producer: publish, counting what nsqd did not
 * accept, and the message size nsqd takes. Connecting and closing stay with {@link Client}.
 */
final class Publisher {
  private final NsqProducer producer;
  private final Counter failures;

  Publisher(NsqProducer producer, Counter failures) {
    this.producer = producer;
    this.failures = failures;
  }

  /**
   * Completes on the producer's I/O thread. Never throws: a topic or body the producer refuses
   * fails the future, like nsqd's refusals.
   */
  CompletableFuture<Void> publish(String topic, byte[] body) {
    CompletableFuture<Void> published;
    try {
      published = producer.publish(topic, body);
    } catch (IllegalArgumentException e) {
      published = CompletableFuture.failedFuture(e);
    }
    return published.whenComplete(
        (v, e) -> {
          if (e != null) {
            failures.inc();
          }
        });
  }

  /** The largest body nsqd accepts from this client, as far as it knows. */
  int maxMessageSize() {
    return producer.maxMessageSize();
  }
}
