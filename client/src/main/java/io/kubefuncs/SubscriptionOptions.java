package io.kubefuncs;

import io.kubefuncs.nsq.internal.Backoff;
import java.time.Duration;

/**
 * Delivery rules of a subscription.
 *
 * @param maxAttempts deliveries before an event without a return topic is dead-lettered
 * @param deadLetterTopic where given-up events go, wrapped in a {@code DeadLetter}
 * @param handlerTimeout how long a running handler's event is kept from redelivery by TOUCH
 * @param drainTimeout how long {@link Subscription#close()} waits for events in hand
 * @param retryBase delay before the first retry; it doubles with each attempt, up to a minute
 */
public record SubscriptionOptions(
    int maxAttempts,
    String deadLetterTopic,
    Duration handlerTimeout,
    Duration drainTimeout,
    Duration retryBase) {

  private static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(1);

  public SubscriptionOptions {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    }
  }

  /**
   * Defaults for {@code topic}: 5 attempts, {@code <topic>.dead}, 5 min handler timeout, 25 s
   * drain, 1 s first retry.
   */
  public static SubscriptionOptions defaults(String topic) {
    return new SubscriptionOptions(
        5,
        FunctionConfig.deadLetterFor(topic),
        Duration.ofMinutes(5),
        Duration.ofSeconds(25),
        Duration.ofSeconds(1));
  }

  public SubscriptionOptions withMaxAttempts(int attempts) {
    return new SubscriptionOptions(
        attempts, deadLetterTopic, handlerTimeout, drainTimeout, retryBase);
  }

  public SubscriptionOptions withDeadLetterTopic(String topic) {
    return new SubscriptionOptions(maxAttempts, topic, handlerTimeout, drainTimeout, retryBase);
  }

  public SubscriptionOptions withHandlerTimeout(Duration timeout) {
    return new SubscriptionOptions(maxAttempts, deadLetterTopic, timeout, drainTimeout, retryBase);
  }

  public SubscriptionOptions withDrainTimeout(Duration timeout) {
    return new SubscriptionOptions(
        maxAttempts, deadLetterTopic, handlerTimeout, timeout, retryBase);
  }

  public SubscriptionOptions withRetryBase(Duration base) {
    return new SubscriptionOptions(
        maxAttempts, deadLetterTopic, handlerTimeout, drainTimeout, base);
  }

  /**
   * The delay before redelivering an event whose handler failed on delivery number {@code
   * attempts}.
   */
  Duration retryDelay(int attempts) {
    return new Backoff(retryBase, MAX_RETRY_DELAY).delay(Math.max(attempts, 1));
  }
}
