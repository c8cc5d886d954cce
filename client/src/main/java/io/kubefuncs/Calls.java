package io.kubefuncs;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kubefuncs.nsq.NsqConfig;
import io.kubefuncs.nsq.NsqConsumer;
import io.kubefuncs.nsq.NsqMessage;
import io.kubefuncs.proto.Event;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A client's calls: the return topic's consumer, the calls waiting for their answer, and their
 * timeouts. The consumer and the timeouts share one event loop of the client's NSQ group, so that
 * an answer cancels its call's timeout on the thread that armed the heap it sits in, and no timer
 * thread of its own is needed. Whichever of answer, timeout, failed publish or close comes first
 * removes the call from {@link #waiting}; that removal is the one place the race is decided.
 */
final class Calls {
  private static final System.Logger LOG = System.getLogger(Calls.class.getName());
  private static final String RETURN_CHANNEL = "default#ephemeral";

  private final String returnTopic;
  private final String nsqdAddress;
  private final List<String> lookupds;
  private final NsqConfig config;
  private final EventLoop loop;
  private final Publisher publisher;
  private final Metrics metrics;
  private final Map<String, Pending> waiting = new ConcurrentHashMap<>();

  /** Set once, under the lock; read without it on every call. */
  private volatile NsqConsumer returns;

  private volatile boolean closed;

  Calls(
      String returnTopic,
      String nsqdAddress,
      List<String> lookupds,
      NsqConfig config,
      EventLoop loop,
      Publisher publisher,
      Metrics metrics) {
    this.returnTopic = returnTopic;
    this.nsqdAddress = nsqdAddress;
    this.lookupds = lookupds;
    this.config = config;
    this.loop = loop;
    this.publisher = publisher;
    this.metrics = metrics;
  }

  String returnTopic() {
    return returnTopic;
  }

  /**
   * Publishes {@code request} (whose return topic is this one) once the return topic is subscribed,
   * and completes on {@code executor} with its answer. {@code published}, if not null, hears how
   * the publish ended.
   */
  CompletableFuture<Delivery> call(
      String topic,
      Event request,
      Duration timeout,
      Executor executor,
      Consumer<Throwable> published) {
    Pending call = new Pending(request.getId(), topic, executor, timeout);
    waiting.put(call.id, call);
    CompletableFuture<Void> sent;
    // Checked once the call is listed: close() fails every call it lists once closed is set, and a
    // call listed after that sees closed here. Either way none is left waiting.
    if (closed) {
      sent = CompletableFuture.failedFuture(new ClientClosedException());
    } else {
      try {
        call.timer = loop.schedule(call, timeout.toNanos(), TimeUnit.NANOSECONDS);
        NsqConsumer r = returns;
        byte[] body = request.toByteArray();
        sent =
            r != null && r.ready().isDone() && !r.ready().isCompletedExceptionally()
                ? publisher.publish(topic, body)
                : ready().thenCompose(v -> publisher.publish(topic, body));
      } catch (
          RejectedExecutionException shutDown) { // the NSQ group given in the config was shut down
        sent = CompletableFuture.failedFuture(new ClientClosedException());
      }
    }
    sent.whenComplete(
        (v, e) -> {
          if (published != null) {
            published.accept(e);
          }
          if (e != null) {
            call.end(null, e);
          }
        });
    return call.future;
  }

  /** Subscribes the return topic on first use; every call waits for that. */
  synchronized CompletableFuture<Void> ready() {
    if (returns == null) {
      // Unbuffered whatever the client's config says: one made for bulk consumers would otherwise
      // hold every answer for nsqd's output buffer timer while fewer than 256 are in flight. On
      // the timeouts' loop, so that an answer cancels its timeout there.
      NsqConsumer.Builder b =
          NsqConsumer.builder(returnTopic, RETURN_CHANNEL)
              .config(
                  config.toBuilder()
                      .maxInFlight(Math.max(config.maxInFlight(), 256))
                      .outputBufferSize(-1)
                      .lookupdPollInterval(Duration.ofSeconds(15))
                      .eventLoopGroup(loop)
                      .build())
              .handler(this::onAnswer);
      if (lookupds.isEmpty()) {
        b.nsqd(nsqdAddress);
      } else {
        b.lookupd(lookupds.toArray(String[]::new)).everyNode(true);
      }
      returns = b.build().start();
    }
    return returns.ready();
  }

  /** False once calls started and no nsqd connection of the return topic is up. */
  boolean isConnected() {
    NsqConsumer r = returns;
    return r == null || r.stats().connections() > 0;
  }

  /**
   * Stops the return topic, then fails every call still waiting, and every later one, with {@link
   * ClientClosedException}.
   */
  void close() {
    closed = true;
    NsqConsumer r;
    synchronized (this) {
      r = returns;
    }
    if (r != null) {
      r.stop(Duration.ofSeconds(1)).join();
    }
    waiting.values().forEach(call -> call.end(null, new ClientClosedException()));
  }

  /** On the loop: cheap, decodes and hands the answer to its call. */
  private void onAnswer(NsqMessage nsq) {
    Event event;
    try {
      event = Event.parseFrom(nsq.body());
    } catch (InvalidProtocolBufferException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "dropping an answer on " + returnTopic + " that is not an Event");
      return;
    }
    Pending call = waiting.get(event.getId());
    if (call == null) {
      LOG.log(System.Logger.Level.DEBUG, "answer to {0} came after its call ended", event.getId());
      return;
    }
    if (Payloads.is(event.getPayload(), io.kubefuncs.proto.Error.class)) {
      String error;
      try {
        error = Payloads.unpack(event.getPayload(), io.kubefuncs.proto.Error.class).getError();
      } catch (InvalidProtocolBufferException e) {
        error = "(undecodable Error)";
      }
      call.end(null, new FunctionErrorException(call.topic, error));
      return;
    }
    call.end(new Delivery(event, nsq.attempts(), NO_REPLIES), null);
  }

  private static final Delivery.Replies NO_REPLIES =
      new Delivery.Replies() {
        @Override
        public CompletableFuture<Void> publish(String topic, Event response) {
          throw new IllegalStateException("an answer cannot be answered");
        }

        @Override
        public void touch() {}
      };

  /** A call waiting for its answer; as a Runnable, its timeout. */
  private final class Pending implements Runnable {
    final String id;
    final String topic;
    final Executor executor;
    final Duration timeout;
    final long start = System.nanoTime();

    /** What the caller got: completed only on {@link #executor}, and only by {@link #end}. */
    final CompletableFuture<Delivery> future = new CompletableFuture<>();

    volatile ScheduledFuture<?> timer;

    Pending(String id, String topic, Executor executor, Duration timeout) {
      this.id = id;
      this.topic = topic;
      this.executor = executor;
      this.timeout = timeout;
    }

    @Override
    public void run() {
      end(
          null,
          new TimeoutException(
              "no answer from " + topic + " within " + timeout.toMillis() + " ms"));
    }

    void end(Delivery answer, Throwable failure) {
      if (!waiting.remove(id, this)) {
        return; // ended already
      }
      ScheduledFuture<?> t = timer;
      if (t != null) {
        t.cancel(false);
      }
      Throwable cause = Completions.unwrap(failure);
      String outcome =
          cause == null ? "ok" : cause instanceof TimeoutException ? "timeout" : "error";
      metrics.callDuration.labelValues(topic, outcome).observe((System.nanoTime() - start) / 1e9);
      Completions.complete(executor, future, answer, cause);
    }
  }
}
