package io.kubefuncs.nsq;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A message delivered by nsqd. It must be answered exactly once, by {@link #finish()} or {@link
 * #requeue(Duration)}, from any thread; until then it counts against the consumer's max-in-flight,
 * and nsqd redelivers it when its msg_timeout passes ({@link #touch()} resets that). A {@link
 * MessageHandler} that returns normally finishes it, one that throws requeues it, unless it called
 * {@link #disableAutoResponse()} to answer later.
 */
public final class NsqMessage {
  private static final AtomicIntegerFieldUpdater<NsqMessage> RESPONDED =
      AtomicIntegerFieldUpdater.newUpdater(NsqMessage.class, "responded");

  private final NsqConnection connection;
  private final byte[] id;
  private final long timestampNanos;
  private final int attempts;
  private final byte[] body;
  private volatile int responded;
  private volatile boolean autoResponse = true;
  ResponseListener onResponse;

  /** How a consumer learns of the answer, to keep its counts and backoff right. */
  interface ResponseListener {
    void onFinished(NsqMessage message);

    void onRequeued(NsqMessage message, boolean backoff);
  }

  NsqMessage(NsqConnection connection, byte[] id, long timestampNanos, int attempts, byte[] body) {
    this.connection = connection;
    this.id = id;
    this.timestampNanos = timestampNanos;
    this.attempts = attempts;
    this.body = body;
  }

  /** nsqd's 16-character message id. */
  public String id() {
    return new String(id, StandardCharsets.US_ASCII);
  }

  /** The body as published; the array is this message's own, not a copy. */
  public byte[] body() {
    return body;
  }

  /** 1 on first delivery, then one more for each requeue or timeout. */
  public int attempts() {
    return attempts;
  }

  /** When nsqd first accepted the message. */
  public Instant timestamp() {
    return Instant.ofEpochSecond(0, timestampNanos);
  }

  /** How long nsqd waits for an answer (or a TOUCH) before it hands the message out again. */
  public Duration msgTimeout() {
    return Duration.ofMillis(connection.identify().msgTimeout());
  }

  /** The nsqd this message came from, as {@code host:port}. */
  public String nsqdAddress() {
    return connection.address.toString();
  }

  /** Leaves answering to the caller: returning from the handler will neither FIN nor REQ. */
  public void disableAutoResponse() {
    autoResponse = false;
  }

  public boolean isAutoResponseEnabled() {
    return autoResponse;
  }

  public boolean hasResponded() {
    return responded != 0;
  }

  /** Tells nsqd the message is done. Later answers are ignored. */
  public void finish() {
    if (!RESPONDED.compareAndSet(this, 0, 1)) {
      return;
    }
    run(() -> connection.sendAndForget(Commands.fin(connection.channelAlloc(), id)));
    if (onResponse != null) {
      onResponse.onFinished(this);
    }
  }

  /**
   * Hands the message back to nsqd for redelivery after {@code delay} (capped by nsqd's {@code
   * --max-req-timeout}), and puts the consumer into backoff.
   */
  public void requeue(Duration delay) {
    requeue(delay, true);
  }

  /** As {@link #requeue(Duration)}, without slowing the consumer down. */
  public void requeueWithoutBackoff(Duration delay) {
    requeue(delay, false);
  }

  private void requeue(Duration delay, boolean backoff) {
    if (!RESPONDED.compareAndSet(this, 0, 1)) {
      return;
    }
    long millis = Math.max(0, delay.toMillis());
    run(() -> connection.sendAndForget(Commands.req(connection.channelAlloc(), id, millis)));
    if (onResponse != null) {
      onResponse.onRequeued(this, backoff);
    }
  }

  /** Resets nsqd's msg_timeout for this message, for handlers that run long. */
  public void touch() {
    if (responded == 0) {
      run(() -> connection.sendAndForget(Commands.touch(connection.channelAlloc(), id)));
    }
  }

  private void run(Runnable task) {
    if (connection.eventLoop().inEventLoop()) {
      task.run();
    } else {
      connection.eventLoop().execute(task);
    }
  }

  @Override
  public String toString() {
    return "NsqMessage{id="
        + id()
        + ", attempts="
        + attempts
        + ", bytes="
        + body.length
        + ", from "
        + nsqdAddress()
        + "}";
  }
}
