package io.kubefuncs;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kubefuncs.nsq.NsqConnectionException;
import io.kubefuncs.nsq.NsqConsumer;
import io.kubefuncs.nsq.NsqMessage;
import io.kubefuncs.proto.DeadLetter;
import io.kubefuncs.proto.Event;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A handler consuming one topic/channel, with the SDK's delivery rules: answer events that have a
 * return topic (with {@code Empty} or {@code Error} if the handler did not), retry the others with
 * growing delays, dead-letter what cannot succeed, and TOUCH long-running handlers.
 */
public final class Subscription implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Subscription.class.getName());

  private final String topic;
  private final String channel;
  private final Handler handler;
  private final SubscriptionOptions options;
  private final Services services;
  private final NsqConsumer consumer;
  private final CompletableFuture<Void> ready;
  private final CounterDataPoint received;
  private final CounterDataPoint ok;
  private final CounterDataPoint failed;
  private final CounterDataPoint requeued;
  private final CounterDataPoint deadLettered;
  private final DistributionDataPoint duration;
  private final GaugeDataPoint inFlight;

  /**
   * What a subscription uses of its client: the publisher for answers and dead letters, the
   * metrics, the tracer (null when off), the timers' event loop (TOUCH) and the executor its
   * futures complete on.
   */
  record Services(
      Publisher publisher,
      Metrics metrics,
      EventTracer tracer,
      ScheduledExecutorService timers,
      Executor executor) {}

  Subscription(
      String topic,
      String channel,
      Handler handler,
      SubscriptionOptions options,
      NsqConsumer.Builder consumer,
      Services services) {
    this.topic = topic;
    this.channel = channel;
    this.handler = handler;
    this.options = options;
    this.services = services;
    Metrics m = services.metrics();
    received = m.received.labelValues(topic, channel);
    ok = m.handled.labelValues(topic, channel, "ok");
    failed = m.handled.labelValues(topic, channel, "error");
    requeued = m.handled.labelValues(topic, channel, "requeued");
    deadLettered = m.handled.labelValues(topic, channel, "dead_lettered");
    duration = m.handlerDuration.labelValues(topic, channel);
    inFlight = m.inFlight.labelValues(topic, channel);
    this.consumer = consumer.handler(this::dispatch).build().start();
    this.ready =
        Completions.on(
            services.executor(),
            this.consumer.ready().thenCombine(this.consumer.directlySubscribed(), (a, b) -> null));
  }

  /** nsqd connections this subscription consumes from right now. */
  public int connections() {
    return consumer.stats().connections();
  }

  /**
   * Completes once the client's own nsqd answered the SUB, so that the topic and channel exist
   * there and an event published to it is kept for this subscription, and every other nsqd of the
   * first discovery round was subscribed to or failed once (failed ones keep being retried); see
   * {@link #connections()} for the current state. Completes on the client's executor.
   */
  public CompletableFuture<Void> ready() {
    return ready;
  }

  /**
   * Stops taking events, waits up to {@code timeout} for those in hand, then disconnects. Completes
   * on the client's executor.
   */
  public CompletableFuture<Void> stop(Duration timeout) {
    return Completions.on(services.executor(), consumer.stop(timeout));
  }

  /** Events received and not yet finished, requeued or dead-lettered. */
  public int inFlight() {
    return consumer.inFlight();
  }

  @Override
  public void close() {
    // Not through the executor: close() may be called on the executor's only thread.
    consumer.stop(options.drainTimeout()).join();
  }

  public String topic() {
    return topic;
  }

  public String channel() {
    return channel;
  }

  /** Runs on a virtual thread per message (the consumer's executor). */
  private void dispatch(NsqMessage nsq) {
    nsq.disableAutoResponse();
    received.inc();
    try {
      deliver(nsq);
    } catch (RuntimeException | Error e) {
      // A failure outside the handler must not leave the message unanswered: it would hold a
      // slot of max-in-flight until its msg_timeout, and come back to fail the same way.
      LOG.log(
          System.Logger.Level.ERROR, "kubefuncs failed on message " + nsq.id() + " of " + topic, e);
      deadLetter(nsq, "kubefuncs failed on it: " + describe(e));
    }
  }

  private void deliver(NsqMessage nsq) {
    Event event;
    try {
      event = Event.parseFrom(nsq.body());
    } catch (InvalidProtocolBufferException e) {
      deadLetter(nsq, "body is not a kubefuncs Event: " + e.getMessage());
      return;
    }
    if (nsq.attempts() > options.maxAttempts()) {
      // Redelivered after timeouts (a crash, or a handler beyond its timeout) more than allowed.
      deadLetter(
          nsq,
          "delivered "
              + nsq.attempts()
              + " times, more than the "
              + options.maxAttempts()
              + " allowed");
      return;
    }
    EventTracer tracer = services.tracer();
    Span span = tracer == null ? null : tracer.process(event, topic, channel, nsq.attempts());
    Delivery message = new Delivery(event, nsq.attempts(), new Replies(nsq, event, span));
    inFlight.inc();
    long start = System.nanoTime();
    ScheduledFuture<?> toucher = keepAlive(nsq, start);
    Throwable failure = null;
    // Current while the handler runs: its own calls and emits are children of its span.
    Scope scope = span == null ? null : span.makeCurrent();
    try {
      handler.handle(message);
    } catch (Throwable t) {
      failure = t;
    } finally {
      if (scope != null) {
        scope.close();
      }
      toucher.cancel(false);
      duration.observe((System.nanoTime() - start) / 1e9);
      inFlight.dec();
    }
    if (span != null) {
      EventTracer.end(span, failure);
    }
    if (failure instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    if (message.expectsResponse()) {
      answer(nsq, message, failure);
    } else if (failure == null) {
      nsq.finish();
      ok.inc();
    } else if (nsq.attempts() >= options.maxAttempts()) {
      deadLetter(
          nsq,
          "handler failed on attempt "
              + nsq.attempts()
              + " of "
              + options.maxAttempts()
              + ": "
              + describe(failure));
    } else {
      Duration delay = options.retryDelay(nsq.attempts());
      LOG.log(
          System.Logger.Level.WARNING,
          "handler failed on event "
              + event.getId()
              + " (attempt "
              + nsq.attempts()
              + " of "
              + options.maxAttempts()
              + "), retrying in "
              + delay.toMillis()
              + " ms",
          failure);
      // Only this event waits: one bad event must not slow the function down for every other.
      nsq.requeueWithoutBackoff(delay);
      requeued.inc();
    }
  }

  /** Events with a return topic are always answered: the handler's answer, Empty, or Error. */
  private void answer(NsqMessage nsq, Delivery message, Throwable failure) {
    if (failure != null) {
      LOG.log(
          System.Logger.Level.WARNING,
          "handler failed on event " + message.id() + "; answering with Error",
          failure);
    }
    message.answerIfHandlerDidNot(failure);
    boolean handlerFailed = failure != null;
    message
        .response()
        .whenComplete(
            (v, e) -> {
              if (e == null) {
                nsq.finish();
                (handlerFailed ? failed : ok).inc();
                return;
              }
              Throwable cause = Completions.unwrap(e);
              String why =
                  "could not publish the answer to "
                      + message.returnTopic()
                      + ": "
                      + describe(cause);
              if (cause instanceof NsqConnectionException) {
                // nsqd was out of reach, not the answer at fault: the event comes back and is
                // answered again.
                LOG.log(System.Logger.Level.WARNING, "event " + message.id() + ": " + why);
                nsq.requeueWithoutBackoff(options.retryDelay(nsq.attempts()));
                requeued.inc();
              } else {
                // The answer itself was refused (a bad return topic, too large): running the
                // handler again would give the same answer, so the event is given up on at once.
                // The caller still gets an answer, an Error saying why, unless its return topic is
                // what was refused.
                services
                    .publisher()
                    .publish(
                        message.returnTopic(),
                        Events.response(message.event(), Events.error(why)).toByteArray());
                deadLetter(nsq, why);
              }
            });
  }

  private void deadLetter(NsqMessage nsq, String reason) {
    LOG.log(
        System.Logger.Level.WARNING,
        "dead-lettering message "
            + nsq.id()
            + " of "
            + topic
            + " to "
            + options.deadLetterTopic()
            + ": "
            + reason);
    publishDeadLetter(nsq, reason, services.publisher().maxMessageSize());
  }

  private void publishDeadLetter(NsqMessage nsq, String reason, int maxBytes) {
    DeadLetter letter =
        DeadLetters.of(topic, channel, nsq.id(), nsq.attempts(), nsq.body(), reason, maxBytes);
    services
        .publisher()
        .publish(options.deadLetterTopic(), letter.toByteArray())
        .whenComplete(
            (v, e) -> {
              if (e == null) {
                nsq.finish();
                deadLettered.inc();
                return;
              }
              int learned = services.publisher().maxMessageSize();
              if (learned < maxBytes) {
                // nsqd refused it as too big and so told its --max-msg-size, smaller than
                // configured:
                // once more within that (the limit only shrinks, so this ends).
                publishDeadLetter(nsq, reason, learned);
                return;
              }
              LOG.log(
                  System.Logger.Level.WARNING,
                  "could not dead-letter message "
                      + nsq.id()
                      + ": "
                      + describe(Completions.unwrap(e)));
              nsq.requeueWithoutBackoff(options.retryDelay(1));
              requeued.inc();
            });
  }

  /**
   * TOUCHes the message at half its msg_timeout while the handler runs, up to the handler timeout:
   * long jobs are not handed to a second consumer while the first is still at work.
   */
  private ScheduledFuture<?> keepAlive(NsqMessage nsq, long startNanos) {
    long period = Math.max(100, nsq.msgTimeout().toMillis() / 2);
    long limit = startNanos + options.handlerTimeout().toNanos();
    return services
        .timers()
        .scheduleAtFixedRate(
            () -> {
              if (System.nanoTime() - limit < 0) {
                nsq.touch();
              }
            },
            period,
            period,
            TimeUnit.MILLISECONDS);
  }

  private static String describe(Throwable t) {
    return t.getMessage() != null
        ? t.getClass().getSimpleName() + ": " + t.getMessage()
        : t.getClass().getName();
  }

  private final class Replies implements Delivery.Replies {
    private final NsqMessage nsq;
    private final Event request;

    /** The handler's span; null when tracing is off. */
    private final Span handlerSpan;

    Replies(NsqMessage nsq, Event request, Span handlerSpan) {
      this.nsq = nsq;
      this.request = request;
      this.handlerSpan = handlerSpan;
    }

    @Override
    public CompletableFuture<Void> publish(String returnTopic, Event response) {
      if (handlerSpan == null) {
        return services.publisher().publish(returnTopic, response.toByteArray());
      }
      // The answer may be published after the handler returned (Empty, Error): its span's parent
      // is the handler's span all the same, not whatever is current then.
      Span span = services.tracer().answer(Context.root().with(handlerSpan), request);
      return services
          .publisher()
          .publish(returnTopic, response.toByteArray())
          .whenComplete((v, e) -> EventTracer.end(span, e));
    }

    @Override
    public void touch() {
      nsq.touch();
    }
  }
}
