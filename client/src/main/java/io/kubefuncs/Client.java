package io.kubefuncs;

import io.kubefuncs.nsq.NsqConfig;
import io.kubefuncs.nsq.NsqConsumer;
import io.kubefuncs.nsq.NsqProducer;
import io.kubefuncs.nsq.NsqTls;
import io.kubefuncs.nsq.internal.NsqNames;
import io.kubefuncs.proto.Event;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;

/**
 * Talks to Kubefuncs functions over NSQ: {@link #emit} fire-and-forget events, {@link #call} a
 * function and get its answer, and {@link #on} subscribe handlers. Thread-safe; one per process is
 * enough.
 *
 * <p>Events are published to one nsqd (in a cluster, the node's own). Answers to calls come back on
 * this client's ephemeral return topic {@code rpc-<client-id>#ephemeral}, which the client
 * subscribes to on every nsqd nsqlookupd knows before the first call goes out, since the called
 * function may answer through any node.
 *
 * <p><b>Threads.</b> Every future this client and its subscriptions return completes on an
 * executor: the one passed to the method, else the client's ({@link Builder#executor}), by default
 * a new virtual thread per completion. None completes on the NSQ I/O threads, so a dependent stage
 * may block. A future returned already failed (after {@link #close()}) runs dependent stages on the
 * thread that adds them, as any completed {@link CompletableFuture} does.
 */
public final class Client implements AutoCloseable {
  /**
   * How often a subscription asks nsqlookupd which nsqds have its topic, plus up to 30% jitter. A
   * function subscribes on its own nsqd at once; this is how long an nsqd that gets the topic later
   * (a gateway on another node creating it) may wait for the function: seconds, not go-nsq's
   * minute, at one small request per replica per interval.
   */
  static final Duration SUBSCRIPTION_LOOKUP_INTERVAL = Duration.ofSeconds(5);

  /**
   * What a client uses unless given an {@link NsqConfig}. Function traffic is request/response: a
   * buffered nsqd connection with messages in flight holds the next one back for the buffer timeout
   * (250 ms by default), so ask for none.
   */
  static final NsqConfig NSQ_DEFAULTS =
      NsqConfig.builder()
          .outputBufferSize(-1)
          .lookupdPollInterval(SUBSCRIPTION_LOOKUP_INTERVAL)
          .build();

  private final String nsqdAddress;
  private final List<String> lookupds;
  private final NsqConfig nsqConfig;
  private final Metrics metrics;

  /** Null when tracing is off, and then no span is started anywhere. */
  private final EventTracer tracer;

  private final Executor executor;

  /**
   * One per loop of the group given to {@link Builder#eventLoopGroup}, else one on a loop of the
   * NSQ client's shared group. The first also serves every caller that is not one of those loops,
   * the subscriptions' answers, and the handlers' TOUCH timers: no timer thread.
   */
  private final Lane[] lanes;

  private final ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Subscription> subscriptions = new ArrayList<>();

  /** Set by close() once the subscriptions have drained: from then on calls and emits fail. */
  private volatile boolean closed;

  private Client(Builder b) {
    nsqdAddress = b.nsqdAddress;
    lookupds = List.copyOf(b.lookupds);
    nsqConfig = b.nsqConfig;
    metrics = Metrics.of(b.registry);
    tracer = b.openTelemetry == null ? null : new EventTracer(b.openTelemetry);
    executor = b.executor;
    List<EventLoop> loops = new ArrayList<>();
    if (b.ownLoops) {
      nsqConfig.eventLoopGroup().forEach(e -> loops.add((EventLoop) e));
    } else {
      loops.add(nsqConfig.eventLoopGroup().next());
    }
    lanes = new Lane[loops.size()];
    for (int i = 0; i < lanes.length; i++) {
      lanes[i] =
          Lane.open(
              loops.get(i),
              "rpc-" + returnId(b.clientId) + NsqNames.EPHEMERAL_SUFFIX,
              nsqdAddress,
              lookupds,
              nsqConfig,
              metrics);
    }
  }

  /** The lane of {@code executor} if it is one of the client's loops, else the first. */
  private Lane lane(Executor executor) {
    for (Lane l : lanes) {
      if (l.loop() == executor) {
        return l;
      }
    }
    return lanes[0];
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Publishes {@code payload} to {@code topic}; nobody answers. Completes, on the client's
   * executor, with the event's id when nsqd has it.
   */
  public CompletableFuture<String> emit(String topic, com.google.protobuf.Message payload) {
    return emit(topic, payload, executor);
  }

  /** As {@link #emit(String, com.google.protobuf.Message)}, completing on {@code executor}. */
  public CompletableFuture<String> emit(
      String topic, com.google.protobuf.Message payload, Executor executor) {
    Objects.requireNonNull(executor);
    if (closed) {
      return CompletableFuture.failedFuture(new ClientClosedException());
    }
    Event.Builder b = Events.newEventBuilder(NsqNames.checkTopic(topic), "", payload);
    Span span = tracer == null ? null : tracer.publish(b);
    Event event = b.build();
    CompletableFuture<Void> published =
        lane(executor).publisher().publish(topic, event.toByteArray());
    if (span != null) {
      published = published.whenComplete((v, e) -> EventTracer.end(span, e));
    }
    return Completions.on(executor, published.thenApply(v -> event.getId()));
  }

  /**
   * Sends {@code payload} to the function on {@code topic} and completes, on the client's executor,
   * with its answer; fails with {@link FunctionErrorException} when the function answered with an
   * error, with a {@link TimeoutException} when no answer came within {@code timeout}, and with a
   * {@link ClientClosedException} when this client is closed before the answer comes, or was
   * already.
   */
  public CompletableFuture<Delivery> call(
      String topic, com.google.protobuf.Message payload, Duration timeout) {
    return call(topic, payload, timeout, executor);
  }

  /**
   * As {@link #call(String, com.google.protobuf.Message, Duration)}, completing on {@code
   * executor}: an event loop of the caller's own, say, to answer there without a hop.
   */
  public CompletableFuture<Delivery> call(
      String topic, com.google.protobuf.Message payload, Duration timeout, Executor executor) {
    Objects.requireNonNull(executor);
    if (closed) {
      return CompletableFuture.failedFuture(new ClientClosedException());
    }
    Calls calls = lane(executor).calls();
    Event.Builder b =
        Events.newEventBuilder(NsqNames.checkTopic(topic), calls.returnTopic(), payload);
    Span span = tracer == null ? null : tracer.publish(b);
    return calls.call(
        topic, b.build(), timeout, executor, span == null ? null : e -> EventTracer.end(span, e));
  }

  /**
   * Subscribes {@code handler} to {@code topic}/{@code channel}. Handlers run on virtual threads,
   * at most {@code maxInFlight} at once.
   */
  public Subscription on(
      String topic, String channel, int maxInFlight, SubscriptionOptions options, Handler handler) {
    NsqConsumer.Builder consumer =
        NsqConsumer.builder(topic, channel)
            // Backoff off: the subscription retries each failed event on its own, and one bad
            // event must not pause the others (SubscriptionOptions owns retries).
            .config(
                nsqConfig.toBuilder()
                    .maxInFlight(maxInFlight)
                    .backoff(Duration.ofSeconds(1), Duration.ZERO)
                    .build())
            .executor(handlers);
    // Its own nsqd too, not only the ones nsqlookupd lists: subscribing there creates the topic
    // and channel at once, so a fresh install's first event, published to that nsqd, is consumed
    // without waiting for a lookup, and /healthz can tell that this function's nsqd is reachable.
    consumer.nsqd(nsqdAddress);
    if (!lookupds.isEmpty()) {
      consumer.lookupd(lookupds.toArray(String[]::new));
    }
    Subscription s =
        new Subscription(
            topic,
            channel,
            handler,
            options,
            consumer,
            new Subscription.Services(
                lanes[0].publisher(), metrics, tracer, lanes[0].loop(), executor));
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
   * Connects to nsqd and subscribes the return topic now rather than on first use. From then on the
   * client keeps both connected, re-dialling with backoff in the background whenever nsqd is lost,
   * so {@link #isConnected()} turns true again on its own once nsqd is back: a server only needs to
   * ask it. Completes on the client's executor.
   */
  public CompletableFuture<Void> connect() {
    CompletableFuture<?>[] each = new CompletableFuture<?>[lanes.length];
    for (int i = 0; i < lanes.length; i++) {
      each[i] = lanes[i].connect();
    }
    return Completions.on(executor, CompletableFuture.allOf(each));
  }

  /**
   * Dials the connection events and answers are published on now, not at the first publish, and
   * keeps it from then on ({@link NsqProducer#connect()}). Whether nsqd is reachable is the
   * subscriptions' to tell.
   */
  CompletableFuture<Void> connectPublisher() {
    return lanes[0].producer().connect();
  }

  /** True while events can be published and, once calls started, answers received. */
  public boolean isConnected() {
    for (Lane l : lanes) {
      if (!l.isConnected()) {
        return false;
      }
    }
    return true;
  }

  /**
   * The return topic of calls made from any thread but the client's own event loops; a client given
   * its event loops ({@link Builder#eventLoopGroup}) has one more per loop, all named {@code
   * rpc-<client-id>-<random>#ephemeral}.
   */
  public String returnTopic() {
    return lanes[0].calls().returnTopic();
  }

  /**
   * Stops every subscription (draining each: their handlers' own calls still get answers), then the
   * return topic and the producer. Calls still waiting for an answer fail with {@link
   * ClientClosedException}, and so does every call and emit after.
   */
  @Override
  public void close() {
    List<Subscription> all;
    synchronized (subscriptions) {
      all = List.copyOf(subscriptions);
    }
    all.forEach(Subscription::close);
    closed = true;
    for (Lane l : lanes) {
      l.close();
    }
    handlers.shutdown();
  }

  /** Client ids become part of a topic name: keep what NSQ allows, and keep it short. */
  static String returnId(String clientId) {
    String id = clientId == null ? "" : clientId.replaceAll("[^.a-zA-Z0-9_-]", "-");
    // Unique beside the host's name, not secret: UUID.randomUUID() would set up a SecureRandom
    // through reflection, which spins method-handle classes at every start.
    String unique = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    id = id.isEmpty() ? unique : id + "-" + unique;
    int max = NsqNames.MAX_LENGTH - "rpc-".length() - NsqNames.EPHEMERAL_SUFFIX.length();
    return id.length() > max ? id.substring(id.length() - max) : id;
  }

  public static final class Builder {
    private String nsqdAddress = "127.0.0.1:4150";
    private final List<String> lookupds = new ArrayList<>();
    private String clientId = "";
    private NsqConfig nsqConfig = NSQ_DEFAULTS;
    private PrometheusRegistry registry = PrometheusRegistry.defaultRegistry;
    private OpenTelemetry openTelemetry;
    private Executor executor = Completions.VIRTUAL_THREADS;
    private boolean ownLoops;

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

    /**
     * Names this client in its return topic and in nsqd's client list; the pod name is a good
     * choice.
     */
    public Builder clientId(String clientId) {
      this.clientId = clientId;
      return this;
    }

    /**
     * The NSQ client's settings; by default no output buffering and nsqlookupd asked every 5 s
     * (with jitter) by subscriptions, every 15 s for the return topic. One layer owns retries: a
     * subscription's come from its {@link SubscriptionOptions} (attempts, retry delays, dead
     * letters), so this configuration's {@code requeueDelay} and {@code backoff} do not apply to
     * subscriptions; they are {@link io.kubefuncs.nsq.NsqConsumer}'s, used directly.
     */
    public Builder nsqConfig(NsqConfig config) {
      this.nsqConfig = Objects.requireNonNull(config);
      this.ownLoops = false; // one lane per loop only for a group given to eventLoopGroup() after
      return this;
    }

    /**
     * TLS to nsqd ({@code null}: plain TCP) and the AUTH secret ({@code null}: none), on top of the
     * NSQ settings given so far.
     */
    public Builder nsqSecurity(NsqTls tls, String authSecret) {
      this.nsqConfig = nsqConfig.toBuilder().tls(tls).authSecret(authSecret).build();
      return this;
    }

    /**
     * The Netty event loops the client's nsqd connections, call timeouts and return topic run on,
     * on top of the NSQ settings given so far; by default the NSQ client's shared group (one thread
     * per core). A server with event loops of its own, as the gateway, passes them, so that one set
     * of threads serves both. The client then publishes and takes answers on each of these loops
     * over connections of that loop (one producer connection and one return topic per loop): a call
     * or emit given one of them as its executor never leaves that thread. Close the client before
     * shutting the group down.
     */
    public Builder eventLoopGroup(EventLoopGroup group) {
      this.nsqConfig = nsqConfig.toBuilder().eventLoopGroup(Objects.requireNonNull(group)).build();
      this.ownLoops = true;
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

    /**
     * Where the futures of {@link #emit}, {@link #call}, {@link #connect} and of the subscriptions
     * complete, and so where their dependent stages run unless given an executor of their own. By
     * default a new virtual thread per completion. Anything but an executor that runs tasks on the
     * calling thread keeps user code off the NSQ I/O threads.
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor);
      return this;
    }

    public Client build() {
      return new Client(this);
    }
  }
}
