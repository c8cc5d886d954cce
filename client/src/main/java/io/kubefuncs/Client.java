package io.kubefuncs;

import io.kubefuncs.nsq.NsqConfig;
import io.kubefuncs.nsq.NsqTls;
import io.kubefuncs.nsq.NsqConsumer;
import io.kubefuncs.nsq.NsqMessage;
import io.kubefuncs.nsq.NsqNames;
import io.kubefuncs.nsq.NsqProducer;
import io.kubefuncs.proto.Event;
import io.netty.util.HashedWheelTimer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.netty.util.Timeout;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Talks to Kubefuncs functions over NSQ: {@link #emit} fire-and-forget events, {@link #call}
 * a function and get its answer, and {@link #on} subscribe handlers. Thread-safe; one per process
 * is enough.
 *
 * <p>Events are published to one nsqd (in a cluster, the node's own). Answers to calls come
 * back on this client's ephemeral return topic {@code rpc-<client-id>#ephemeral}, which the
 * client subscribes to on every nsqd nsqlookupd knows before the first call goes out, since the
 * called function may answer through any node.
 */
public final class Client implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Client.class.getName());
  static final String RETURN_CHANNEL = "default#ephemeral";
  /**
   * How often a subscription asks nsqlookupd which nsqds have its topic, plus up to 30% jitter.
   * A function subscribes on its own nsqd at once; this is how long an nsqd that gets the topic
   * later (a gateway on another node creating it) may wait for the function: seconds, not
   * go-nsq's minute, at one small request per replica per interval.
   */
  static final Duration SUBSCRIPTION_LOOKUP_INTERVAL = Duration.ofSeconds(5);
  /**
   * What a client uses unless given an {@link NsqConfig}. Function traffic is request/response:
   * a buffered nsqd connection with messages in flight holds the next one back for the buffer
   * timeout (250 ms by default), so ask for none.
   */
  static final NsqConfig NSQ_DEFAULTS =
      NsqConfig.builder().outputBufferSize(-1).lookupdPollInterval(SUBSCRIPTION_LOOKUP_INTERVAL).build();

  private final String nsqdAddress;
  private final List<String> lookupds;
  private final NsqConfig nsqConfig;
  private final String returnTopic;
  private final NsqProducer producer;
  private final Metrics metrics;
  /** Null when tracing is off, and then no span is started anywhere. */
  private final EventTracer tracer;
  private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
  private final ScheduledExecutorService timers =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kubefuncs-timers");
        t.setDaemon(true);
        return t;
      });
  /** Call timeouts: one per call, nearly all cancelled by the answer, so O(1) to add and to cancel. */
  private final HashedWheelTimer callTimeouts =
      new HashedWheelTimer(new DefaultThreadFactory("kubefuncs-call-timeouts", true), 10, TimeUnit.MILLISECONDS);
  private final Map<String, PendingCall> calls = new ConcurrentHashMap<>();
  private final List<Subscription> subscriptions = new ArrayList<>();
  /** Set once, under the lock; read without it on every call. */
  private volatile NsqConsumer returns;
  /** Set by close() once the subscriptions have drained: from then on calls and emits fail. */
  private volatile boolean closed;

  private Client(Builder b) {
    nsqdAddress = b.nsqdAddress;
    lookupds = List.copyOf(b.lookupds);
    nsqConfig = b.nsqConfig;
    returnTopic = "rpc-" + returnId(b.clientId) + NsqNames.EPHEMERAL_SUFFIX;
    producer = NsqProducer.create(nsqdAddress, nsqConfig);
    metrics = Metrics.of(b.registry);
    tracer = b.openTelemetry == null ? null : new EventTracer(b.openTelemetry);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Publishes {@code payload} to {@code topic}; nobody answers. Completes with the event's id
   * when nsqd has it.
   */
  public CompletableFuture<String> emit(String topic, com.google.protobuf.Message payload) {
    if (closed) {
      return CompletableFuture.failedFuture(new ClientClosedException());
    }
    Event.Builder b = Events.newEventBuilder(NsqNames.checkTopic(topic), "", payload);
    Span span = tracer == null ? null : tracer.publish(b);
    Event event = b.build();
    CompletableFuture<Void> published = publishRaw(topic, event.toByteArray());
    if (span != null) {
      published = published.whenComplete((v, e) -> EventTracer.end(span, e));
    }
    return published.thenApply(v -> event.getId());
  }

  /**
   * Sends {@code payload} to the function on {@code topic} and completes with its answer; fails
   * with {@link FunctionErrorException} when the function answered with an error, with a
   * {@link TimeoutException} when no answer came within {@code timeout}, and with a
   * {@link ClientClosedException} when this client is closed before the answer comes.
   */
  public CompletableFuture<Message> call(String topic, com.google.protobuf.Message payload, Duration timeout) {
    Event.Builder b = Events.newEventBuilder(NsqNames.checkTopic(topic), returnTopic, payload);
    PendingCall call = new PendingCall(b.getId(), topic);
    calls.put(call.id, call);
    // Checked after the call is listed: close() fails every call it lists once closed is set, and
    // a call listed after that sees closed here. Either way none is left waiting.
    if (closed) {
      call.fail(new ClientClosedException());
      return call.future.copy();
    }
    try {
      call.timeout = callTimeouts.newTimeout(
          t -> call.fail(new TimeoutException("no answer from " + topic + " within " + timeout.toMillis() + " ms")),
          timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (IllegalStateException stopped) { // close() ran to its end since the check above
      call.fail(new ClientClosedException());
      return call.future.copy();
    }
    Span span = tracer == null ? null : tracer.publish(b);
    Event request = b.build();
    NsqConsumer r = returns;
    byte[] body = request.toByteArray();
    CompletableFuture<Void> published = r != null && r.ready().isDone() && !r.ready().isCompletedExceptionally()
        ? publishRaw(topic, body)
        : returnTopicReady().thenCompose(v -> publishRaw(topic, body));
    published.whenComplete((v, e) -> {
      if (span != null) {
        EventTracer.end(span, e);
      }
      if (e != null) {
        call.fail(e);
      }
    });
    // A copy, so that a caller completing or cancelling what it got cannot skip the call's bookkeeping.
    return call.future.copy();
  }

  /**
   * Subscribes {@code handler} to {@code topic}/{@code channel}. Handlers run on virtual threads,
   * at most {@code maxInFlight} at once.
   */
  public Subscription on(String topic, String channel, int maxInFlight, SubscriptionOptions options, Handler handler) {
    NsqConsumer.Builder consumer =
        NsqConsumer.builder(topic, channel)
            .config(nsqConfig.toBuilder().maxInFlight(maxInFlight).build())
            .executor(handlers);
    // Its own nsqd too, not only the ones nsqlookupd lists: subscribing there creates the topic
    // and channel at once, so a fresh install's first event, published to that nsqd, is consumed
    // without waiting for a lookup, and /healthz can tell that this function's nsqd is reachable.
    consumer.nsqd(nsqdAddress);
    if (!lookupds.isEmpty()) {
      consumer.lookupd(lookupds.toArray(String[]::new));
    }
    Subscription s = new Subscription(this, topic, channel, handler, options, timers, consumer);
    synchronized (subscriptions) {
      subscriptions.add(s);
    }
    return s;
  }

  /** As {@link #on(String, String, int, SubscriptionOptions, Handler)} with default options. */
  public Subscription on(String topic, String channel, Handler handler) {
    return on(topic, channel, 64, SubscriptionOptions.defaults(topic), handler);
  }

  /**
   * Connects to nsqd and subscribes the return topic now rather than on first use. From then on
   * the producer keeps its connection, re-dialling in the background whenever it is lost, so
   * {@link #isConnected()} turns true again on its own once nsqd is back.
   */
  public CompletableFuture<Void> connect() {
    // The return topic first: isConnected() then waits for it too, where it would otherwise be
    // true from the producer's connection on, while calls could not be answered yet.
    CompletableFuture<Void> returnTopic = returnTopicReady();
    return producer.connect().thenCompose(v -> returnTopic);
  }

  /** True while events can be published and, once calls started, answers received. */
  public boolean isConnected() {
    NsqConsumer r = returns;
    return producer.isConnected() && (r == null || r.stats().connections() > 0);
  }

  /** This client's return topic. */
  public String returnTopic() {
    return returnTopic;
  }

  /**
   * Stops every subscription (draining each: their handlers' own calls still get answers), then
   * the return topic and the producer. Calls still waiting for an answer fail with
   * {@link ClientClosedException}, and so does every call and emit after.
   */
  @Override
  public void close() {
    List<Subscription> all;
    synchronized (subscriptions) {
      all = List.copyOf(subscriptions);
    }
    all.forEach(Subscription::close);
    closed = true;
    synchronized (this) {
      if (returns != null) {
        returns.stop(Duration.ofSeconds(1)).join();
      }
    }
    calls.values().forEach(call -> call.fail(new ClientClosedException()));
    producer.close();
    handlers.shutdown();
    timers.shutdownNow();
    callTimeouts.stop();
  }

  Metrics metrics() {
    return metrics;
  }

  /** Null when tracing is off. */
  EventTracer tracer() {
    return tracer;
  }

  /** The largest body nsqd accepts from this client, as far as it knows. */
  int maxMessageSize() {
    return producer.maxMessageSize();
  }

  /** Never throws: a topic or body the producer refuses fails the future, like nsqd's refusals. */
  CompletableFuture<Void> publishRaw(String topic, byte[] body) {
    CompletableFuture<Void> published;
    try {
      published = producer.publish(topic, body);
    } catch (IllegalArgumentException e) {
      published = CompletableFuture.failedFuture(e);
    }
    return published.whenComplete((v, e) -> {
      if (e != null) {
        metrics.publishFailures.inc();
      }
    });
  }

  /** Subscribes the return topic on first use; every call waits for that. */
  private synchronized CompletableFuture<Void> returnTopicReady() {
    if (returns == null) {
      // Unbuffered whatever the client's config says: one made for bulk consumers would otherwise
      // hold every answer for nsqd's output buffer timer while fewer than 256 are in flight.
      NsqConsumer.Builder b =
          NsqConsumer.builder(returnTopic, RETURN_CHANNEL)
              .config(nsqConfig.toBuilder().maxInFlight(Math.max(nsqConfig.maxInFlight(), 256))
                  .outputBufferSize(-1).lookupdPollInterval(Duration.ofSeconds(15)).build())
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

  /** On the I/O thread: cheap, decodes and completes the waiting call. */
  private void onAnswer(NsqMessage nsq) {
    Event event;
    try {
      event = Event.parseFrom(nsq.body());
    } catch (InvalidProtocolBufferException e) {
      LOG.log(System.Logger.Level.WARNING, "dropping an answer on " + returnTopic + " that is not an Event");
      return;
    }
    PendingCall call = calls.get(event.getId());
    if (call == null) {
      LOG.log(System.Logger.Level.DEBUG, "answer to {0} came after its call ended", event.getId());
      return;
    }
    if (event.getPayload().is(io.kubefuncs.proto.Error.class)) {
      String error;
      try {
        error = event.getPayload().unpack(io.kubefuncs.proto.Error.class).getError();
      } catch (InvalidProtocolBufferException e) {
        error = "(undecodable Error)";
      }
      call.fail(new FunctionErrorException(call.topic, error));
      return;
    }
    call.complete(new Message(event, nsq.attempts(), NO_REPLIES));
  }

  /** The failure itself, not the CompletionException a dependent future wraps it in. */
  static Throwable unwrap(Throwable e) {
    return e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  /** Client ids become part of a topic name: keep what NSQ allows, and keep it short. */
  static String returnId(String clientId) {
    String id = clientId == null ? "" : clientId.replaceAll("[^.a-zA-Z0-9_-]", "-");
    String unique = UUID.randomUUID().toString().substring(0, 8);
    id = id.isEmpty() ? unique : id + "-" + unique;
    int max = NsqNames.MAX_LENGTH - "rpc-".length() - NsqNames.EPHEMERAL_SUFFIX.length();
    return id.length() > max ? id.substring(id.length() - max) : id;
  }

  private static final Message.Replies NO_REPLIES =
      new Message.Replies() {
        @Override
        public CompletableFuture<Void> publish(String topic, Event response) {
          throw new IllegalStateException("an answer cannot be answered");
        }

        @Override
        public void touch() {}
      };

  /** A call waiting for its answer; whichever of answer, error or timeout comes first ends it. */
  private final class PendingCall {
    final String id;
    final String topic;
    final long start = System.nanoTime();
    final CompletableFuture<Message> future = new CompletableFuture<>();
    volatile Timeout timeout;

    PendingCall(String id, String topic) {
      this.id = id;
      this.topic = topic;
    }

    void complete(Message answer) {
      if (future.complete(answer)) {
        ended("ok");
      }
    }

    void fail(Throwable e) {
      Throwable cause = unwrap(e);
      if (future.completeExceptionally(cause)) {
        ended(cause instanceof TimeoutException ? "timeout" : "error");
      }
    }

    private void ended(String outcome) {
      calls.remove(id);
      Timeout t = timeout;
      if (t != null) {
        t.cancel();
      }
      metrics.callDuration.labelValues(topic, outcome).observe((System.nanoTime() - start) / 1e9);
    }
  }

  public static final class Builder {
    private String nsqdAddress = "127.0.0.1:4150";
    private final List<String> lookupds = new ArrayList<>();
    private String clientId = "";
    private NsqConfig nsqConfig = NSQ_DEFAULTS;
    private PrometheusRegistry registry = PrometheusRegistry.defaultRegistry;
    private OpenTelemetry openTelemetry;

    private Builder() {}

    /** The nsqd to publish to, {@code host:port}; in a cluster, the node's own. */
    public Builder nsqd(String tcpAddress) {
      this.nsqdAddress = Objects.requireNonNull(tcpAddress);
      return this;
    }

    /** nsqlookupd HTTP addresses; without any, everything goes through the one nsqd. */
    public Builder lookupd(String... httpAddresses) {
      lookupds.addAll(List.of(httpAddresses));
      return this;
    }

    /** Names this client in its return topic and in nsqd's client list; the pod name is a good choice. */
    public Builder clientId(String clientId) {
      this.clientId = clientId;
      return this;
    }

    /**
     * The NSQ client's settings; by default no output buffering and nsqlookupd asked every 5 s
     * (with jitter) by subscriptions, every 15 s for the return topic.
     */
    public Builder nsqConfig(NsqConfig config) {
      this.nsqConfig = Objects.requireNonNull(config);
      return this;
    }

    /**
     * TLS to nsqd ({@code null}: plain TCP) and the AUTH secret ({@code null}: none), on top of
     * the NSQ settings given so far.
     */
    public Builder nsqSecurity(NsqTls tls, String authSecret) {
      this.nsqConfig = nsqConfig.toBuilder().tls(tls).authSecret(authSecret).build();
      return this;
    }

    /** Where the SDK's metrics go; the default registry unless said otherwise. */
    public Builder registry(PrometheusRegistry registry) {
      this.registry = Objects.requireNonNull(registry);
      return this;
    }

    /**
     * Traces every emit, call and handler run through {@code openTelemetry}, and carries the trace
     * context in the events' metadata. Without it (the default), nothing is traced; events pass on
     * no context of their own.
     */
    public Builder openTelemetry(OpenTelemetry openTelemetry) {
      this.openTelemetry = Objects.requireNonNull(openTelemetry);
      return this;
    }

    public Client build() {
      return new Client(this);
    }
  }
}
