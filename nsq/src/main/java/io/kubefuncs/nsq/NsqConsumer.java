package io.kubefuncs.nsq;

import io.kubefuncs.nsq.internal.Backoff;
import io.kubefuncs.nsq.internal.HostPort;
import io.kubefuncs.nsq.internal.LookupdClient;
import io.kubefuncs.nsq.internal.NsqNames;
import io.kubefuncs.nsq.internal.NsqdNode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Consumes one topic/channel from every nsqd that has it: the nsqds given directly, and those that
 * nsqlookupd lists (polled on every lookupd, with jitter). Flow control follows go-nsq:
 * max-in-flight is spread over the connections as RDY counts (rotated when there are more
 * connections than max-in-flight), handler failures slow the consumer down with exponential
 * backoff, and lost connections are re-dialled with backoff for as long as their nsqd is wanted.
 *
 * <p>All state lives on one event loop; handlers run there too unless an executor is given, so a
 * handler without an executor must not block.
 */
public final class NsqConsumer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(NsqConsumer.class.getName());

  private final String topic;
  private final String channel;
  private final NsqConfig config;
  private final MessageHandler handler;
  private final Executor executor;
  private final EventLoop loop;
  private final List<HostPort> direct;
  private final List<String> lookupds;
  private final boolean everyNode;
  private final LookupdClient lookupdClient;
  private final Backoff reconnectBackoff;
  private final Backoff requeueBackoff;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final CompletableFuture<Void> directlySubscribed = new CompletableFuture<>();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final LongAdder received = new LongAdder();
  private final LongAdder finished = new LongAdder();
  private final LongAdder requeued = new LongAdder();
  private final Responses responses = new Responses();
  private volatile int connectionCount;
  private volatile boolean stopping;

  // Confined to the event loop.
  private final Map<HostPort, NsqConnection> conns = new HashMap<>();
  private final FlowControl<NsqConnection> flow;
  private final Set<HostPort> dialing = new LinkedHashSet<>();
  private final Map<HostPort, Redial> redials = new HashMap<>();
  private Set<HostPort> discovered = Set.of();

  /** nsqds of the first round not yet subscribed or failed; {@link #ready} waits for them. */
  private Set<HostPort> firstRound;

  /** nsqds given directly not subscribed to yet; {@link #directlySubscribed} waits for them. */
  private Set<HostPort> directPending;

  private ScheduledFuture<?> lookupTimer;
  private boolean lookupsAnswered;

  /** Lookupds whose last lookup failed, so that an outage is logged once, not every poll. */
  private final Set<String> failingLookupds = new HashSet<>();

  private ScheduledFuture<?> rdyTimer;
  private ScheduledFuture<?> backoffTimer;
  private boolean started;

  private NsqConsumer(Builder b) {
    topic = b.topic;
    channel = b.channel;
    config = b.config;
    handler = b.handler;
    executor = b.executor;
    loop = config.eventLoopGroup().next();
    direct = List.copyOf(b.nsqds);
    lookupds = List.copyOf(b.lookupds);
    everyNode = b.everyNode;
    lookupdClient = new LookupdClient(Duration.ofSeconds(5));
    reconnectBackoff = new Backoff(config.reconnectMinDelay, config.reconnectMaxDelay);
    requeueBackoff = new Backoff(config.requeueDelay, config.maxRequeueDelay);
    flow =
        new FlowControl<>(
            config.maxInFlight,
            new Backoff(config.backoffMultiplier, config.maxBackoffDuration),
            config.lowRdyIdleTimeout,
            System::nanoTime,
            ThreadLocalRandom.current(),
            (connection, count) ->
                connection.sendAndForget(Commands.rdy(connection.channelAlloc(), count)));
  }

  public static Builder builder(String topic, String channel) {
    return new Builder(topic, channel);
  }

  /** Starts connecting; {@link #ready()} tells when the consumer is subscribed. */
  public NsqConsumer start() {
    loop.execute(
        () -> {
          if (started) {
            return;
          }
          started = true;
          lookupsAnswered = lookupds.isEmpty();
          firstRound = new LinkedHashSet<>(direct);
          directPending = new HashSet<>(direct);
          if (directPending.isEmpty()) {
            directlySubscribed.complete(null);
          }
          direct.forEach(this::dial);
          if (!lookupds.isEmpty()) {
            lookup();
          }
          rdyTimer =
              loop.scheduleAtFixedRate(
                  this::rotateRdy,
                  config.rdyRedistributeInterval.toNanos(),
                  config.rdyRedistributeInterval.toNanos(),
                  TimeUnit.NANOSECONDS);
        });
    return this;
  }

  /**
   * Completes once every nsqd of the first round (those given directly, and those the first answer
   * of nsqlookupd listed) has been subscribed to or has failed once; an nsqd that failed keeps
   * being retried. With nsqlookupd, an empty first answer makes the consumer ready with nothing to
   * consume yet: it keeps looking.
   */
  public CompletableFuture<Void> ready() {
    return ready;
  }

  /**
   * Completes once every nsqd given directly has answered this consumer's SUB with OK, which means
   * the topic and channel exist there: messages published to that nsqd from then on are kept for
   * this channel. Unlike {@link #ready()}, a failure does not count.
   */
  public CompletableFuture<Void> directlySubscribed() {
    return directlySubscribed;
  }

  /**
   * Stops taking messages (CLS on every connection), waits for in-flight messages to be answered
   * for at most {@code timeout}, then closes the connections.
   */
  public CompletableFuture<Void> stop(Duration timeout) {
    if (!stopping) {
      stopping = true;
      loop.execute(() -> beginStop(timeout));
    }
    return stopped;
  }

  @Override
  public void close() {
    stop(config.publishTimeout).join();
  }

  public String topic() {
    return topic;
  }

  public String channel() {
    return channel;
  }

  /** Messages handed to the handler and not yet answered. */
  public int inFlight() {
    return inFlight.get();
  }

  public Stats stats() {
    return new Stats(received.sum(), finished.sum(), requeued.sum(), connectionCount);
  }

  /** Counters since start. */
  public record Stats(long received, long finished, long requeued, int connections) {}

  // ---- connections ----

  private void dial(HostPort address) {
    if (stopping || conns.containsKey(address) || !dialing.add(address)) {
      return;
    }
    NsqConnection.connect(address, config, loop, responses)
        .whenComplete(
            (connection, error) -> {
              if (error != null) {
                dialing.remove(address);
                LOG.log(
                    System.Logger.Level.WARNING,
                    "cannot connect to nsqd {0} for {1}/{2}: {3}",
                    address,
                    topic,
                    channel,
                    error.getMessage());
                settleFirstRound(address);
                scheduleRedial(address);
                return;
              }
              subscribe(connection);
            });
  }

  private void subscribe(NsqConnection connection) {
    connection.send(
        Commands.sub(connection.channelAlloc(), topic, channel),
        new ResponseCallback() {
          @Override
          public void onResponse(ByteBuf data) {
            dialing.remove(connection.address);
            if (stopping) {
              connection.close();
              return;
            }
            conns.put(connection.address, connection);
            connectionCount = conns.size();
            Redial r = redials.remove(connection.address);
            if (r != null && r.timer != null) {
              r.timer.cancel(false);
            }
            LOG.log(
                System.Logger.Level.INFO,
                "subscribed to {0}/{1} on nsqd {2}",
                topic,
                channel,
                connection.address);
            flow.add(connection, connection.identify().maxRdyCount());
            if (directPending.remove(connection.address) && directPending.isEmpty()) {
              directlySubscribed.complete(null);
            }
            settleFirstRound(connection.address);
          }

          @Override
          public void onError(NsqException error) {
            dialing.remove(connection.address);
            LOG.log(
                System.Logger.Level.WARNING,
                "SUB {0}/{1} on nsqd {2} failed: {3}",
                topic,
                channel,
                connection.address,
                error.getMessage());
            connection.close();
            settleFirstRound(connection.address);
            scheduleRedial(connection.address);
          }
        });
    connection.flush();
  }

  private void settleFirstRound(HostPort address) {
    if (firstRound != null
        && firstRound.remove(address)
        && firstRound.isEmpty()
        && lookupsAnswered) {
      ready.complete(null);
    }
  }

  /** Dials again after a growing delay, while the nsqd is still one this consumer wants. */
  private void scheduleRedial(HostPort address) {
    if (stopping || !isWanted(address)) {
      redials.remove(address);
      return;
    }
    Redial r = redials.computeIfAbsent(address, a -> new Redial());
    if (r.timer != null && !r.timer.isDone()) {
      return;
    }
    r.failures++;
    Duration delay = reconnectBackoff.delay(r.failures);
    r.timer = loop.schedule(() -> dial(address), delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  private boolean isWanted(HostPort address) {
    return direct.contains(address) || discovered.contains(address);
  }

  private void onClosed(NsqConnection connection, Throwable cause) {
    if (conns.get(connection.address) != connection) {
      return;
    }
    conns.remove(connection.address);
    connectionCount = conns.size();
    if (stopping) {
      maybeFinishStop();
      return;
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "lost nsqd {0}: {1}",
        connection.address,
        cause == null ? "closed" : cause.getMessage());
    flow.remove(connection);
    scheduleRedial(connection.address);
    if (discovered.contains(connection.address)) {
      lookupSoon();
    }
  }

  /**
   * As go-nsq does when it loses an nsqd that nsqlookupd listed: ask nsqlookupd again now rather
   * than at the next poll, since the nsqd may be back under another address (on Kubernetes, a new
   * pod's IP), which redialling the old one never reaches.
   */
  private void lookupSoon() {
    // A lookup in flight (its timer done) schedules the next one itself, at the short interval.
    if (lookupTimer != null
        && !lookupTimer.isDone()
        && lookupTimer.getDelay(TimeUnit.NANOSECONDS) > config.lookupdEmptyPollInterval.toNanos()
        && lookupTimer.cancel(false)) {
      lookupTimer =
          loop.schedule(
              this::lookup, config.lookupdEmptyPollInterval.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  // ---- discovery ----

  private void lookup() {
    if (stopping) {
      return;
    }
    List<CompletableFuture<Answer>> answers = new ArrayList<>();
    for (String lookupd : lookupds) {
      answers.add(
          (everyNode ? lookupdClient.nodes(lookupd) : lookupdClient.lookup(lookupd, topic))
              .handle((nodes, error) -> new Answer(lookupd, nodes, error)));
    }
    CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .whenCompleteAsync((v, e) -> onLookup(answers), loop);
  }

  private void onLookup(List<CompletableFuture<Answer>> answers) {
    Set<HostPort> union = new LinkedHashSet<>();
    boolean anyAnswered = false;
    for (CompletableFuture<Answer> future : answers) {
      Answer answer = future.join();
      if (answer.error != null) {
        noteFailure(answer);
        continue;
      }
      if (failingLookupds.remove(answer.lookupd)) {
        LOG.log(System.Logger.Level.INFO, "nsqlookupd {0} answers again", answer.lookupd);
      }
      anyAnswered = true;
      for (NsqdNode node : answer.nodes) {
        union.add(new HostPort(node.broadcastAddress(), node.tcpPort()));
      }
    }
    if (anyAnswered) {
      // Keep the last answer when every lookupd failed, so a lookupd outage disconnects nothing.
      discovered = union;
      redials
          .keySet()
          .removeIf(
              a -> {
                boolean unwanted = !isWanted(a);
                if (unwanted && redials.get(a).timer != null) {
                  redials.get(a).timer.cancel(false);
                }
                return unwanted;
              });
      if (!lookupsAnswered) {
        lookupsAnswered = true;
        for (HostPort address : union) {
          if (!conns.containsKey(address)) {
            firstRound.add(address);
          }
        }
        if (firstRound.isEmpty()) {
          ready.complete(null);
        }
      }
    }
    for (HostPort address : union) {
      if (!redials.containsKey(address)) {
        dial(address);
      }
    }
    // While nsqlookupd lists no nsqd (the topic exists nowhere yet: it comes into being with its
    // first publish), or has never answered, or lists one this consumer has lost, ask again soon:
    // a full poll interval is what the first message to a new topic, or to an nsqd back under a
    // new address, would otherwise wait.
    boolean lost = discovered.stream().anyMatch(redials::containsKey);
    Duration next =
        discovered.isEmpty() || lost ? config.lookupdEmptyPollInterval : config.lookupdPollInterval;
    long interval = next.toNanos();
    long jitter =
        (long) (interval * config.lookupdPollJitter * ThreadLocalRandom.current().nextDouble());
    if (!stopping) {
      lookupTimer = loop.schedule(this::lookup, interval + jitter, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Warns once per outage of a lookupd: while nothing is known, lookups are retried every second.
   */
  private void noteFailure(Answer answer) {
    Throwable cause =
        answer.error instanceof CompletionException && answer.error.getCause() != null
            ? answer.error.getCause()
            : answer.error;
    System.Logger.Level level =
        failingLookupds.add(answer.lookupd)
            ? System.Logger.Level.WARNING
            : System.Logger.Level.DEBUG;
    LOG.log(level, "lookup of topic {0} failed: {1}", topic, cause.getMessage());
  }

  /** How long until the next lookup; zero when none is scheduled. For tests. */
  CompletableFuture<Duration> nextLookupIn() {
    return CompletableFuture.supplyAsync(
        () ->
            lookupTimer == null || lookupTimer.isDone()
                ? Duration.ZERO
                : Duration.ofNanos(lookupTimer.getDelay(TimeUnit.NANOSECONDS)),
        loop);
  }

  /** One nsqlookupd's answer to one lookup: its nsqds, or why it gave none. */
  private record Answer(String lookupd, List<NsqdNode> nodes, Throwable error) {}

  // ---- flow control ----

  private void rotateRdy() {
    if (!stopping) {
      flow.rotate();
    }
  }

  /** A handler failed: pause everything for {@code multiplier * 2^level}, as go-nsq does. */
  private void onFailure() {
    if (!stopping) {
      schedulePause(flow.failed());
    }
  }

  /** A message succeeded: step the backoff down, and resume fully once it is gone. */
  private void onSuccess() {
    if (stopping || flow.backoffLevel() == 0) {
      return;
    }
    schedulePause(flow.succeeded());
    if (flow.backoffLevel() == 0) {
      LOG.log(System.Logger.Level.INFO, "{0}/{1}: backoff over, resuming", topic, channel);
    }
  }

  private void schedulePause(Duration pause) {
    if (pause.isZero()) {
      return;
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "{0}/{1}: backing off for {2} ms",
        topic,
        channel,
        pause.toMillis());
    if (backoffTimer != null) {
      backoffTimer.cancel(false);
    }
    backoffTimer = loop.schedule(flow::resume, pause.toNanos(), TimeUnit.NANOSECONDS);
  }

  // ---- messages ----

  private void onMessage(NsqConnection connection, NsqMessage message) {
    received.increment();
    inFlight.incrementAndGet();
    flow.received(connection);
    message.onResponse = responses;
    if (executor == null) {
      handle(message);
    } else {
      executor.execute(() -> handle(message));
    }
  }

  private void handle(NsqMessage message) {
    try {
      handler.handle(message);
      if (message.isAutoResponseEnabled()) {
        message.finish();
      }
    } catch (Throwable t) {
      // Even a handler that meant to answer by itself: left unanswered, the message would hold
      // a RDY slot and count as in flight until its msg_timeout, and a stop would wait for it.
      if (!message.hasResponded()) {
        LOG.log(System.Logger.Level.WARNING, "handler failed on " + message + "; requeueing", t);
        message.requeue(requeueBackoff.delay(message.attempts()));
      } else {
        LOG.log(System.Logger.Level.WARNING, "handler failed on " + message, t);
      }
    }
  }

  private void onAnswered(boolean success, boolean backoff) {
    // Counted down on the event loop, after the FIN/REQ queued there just before: a stop that
    // sees nothing in flight must not close the connection ahead of that answer.
    Runnable step =
        () -> {
          inFlight.decrementAndGet();
          if (success) {
            onSuccess();
          } else if (backoff) {
            onFailure();
          }
          if (stopping) {
            maybeFinishStop();
          }
        };
    if (loop.inEventLoop()) {
      step.run();
    } else {
      loop.execute(step);
    }
  }

  // ---- stop ----

  private ScheduledFuture<?> stopDeadline;
  private int closeWaits;

  private void beginStop(Duration timeout) {
    for (ScheduledFuture<?> t : new ScheduledFuture<?>[] {lookupTimer, rdyTimer, backoffTimer}) {
      if (t != null) {
        t.cancel(false);
      }
    }
    redials
        .values()
        .forEach(
            r -> {
              if (r.timer != null) {
                r.timer.cancel(false);
              }
            });
    redials.clear();
    // Messages nsqd sent before CLOSE_WAIT may still be unread; the stop waits for every CLS to
    // be answered, so that those are counted in flight and handled too.
    ResponseCallback closeWait =
        new ResponseCallback() {
          @Override
          public void onResponse(ByteBuf data) {
            closeWaits--;
            maybeFinishStop();
          }

          @Override
          public void onError(NsqException error) {
            closeWaits--;
            maybeFinishStop();
          }
        };
    for (NsqConnection connection : conns.values()) {
      closeWaits++;
      connection.send(Commands.cls(connection.channelAlloc()), closeWait);
      connection.flush();
    }
    stopDeadline =
        loop.schedule(
            () -> {
              if (inFlight.get() > 0) {
                LOG.log(
                    System.Logger.Level.WARNING,
                    "{0}/{1}: stopping with {2} messages unanswered; nsqd will redeliver them",
                    topic,
                    channel,
                    inFlight.get());
              }
              finishStop();
            },
            timeout.toNanos(),
            TimeUnit.NANOSECONDS);
    maybeFinishStop();
  }

  private void maybeFinishStop() {
    if (stopDeadline != null && closeWaits == 0 && inFlight.get() == 0) {
      finishStop();
    }
  }

  private void finishStop() {
    if (stopped.isDone()) {
      return;
    }
    if (stopDeadline != null) {
      stopDeadline.cancel(false);
    }
    new ArrayList<>(conns.values()).forEach(NsqConnection::close);
    NsqException stoppedError =
        new NsqException("consumer of " + topic + "/" + channel + " stopped");
    ready.completeExceptionally(stoppedError);
    directlySubscribed.completeExceptionally(stoppedError);
    stopped.complete(null);
  }

  private static final class Redial {
    int failures;
    ScheduledFuture<?> timer;
  }

  /** Receives what happens on connections and to messages, in one place. */
  private final class Responses implements NsqConnection.Listener, NsqMessage.ResponseListener {
    @Override
    public void onMessage(NsqConnection connection, NsqMessage message) {
      NsqConsumer.this.onMessage(connection, message);
    }

    @Override
    public void onClosed(NsqConnection connection, Throwable cause) {
      NsqConsumer.this.onClosed(connection, cause);
    }

    @Override
    public void onFinished(NsqMessage message) {
      finished.increment();
      onAnswered(true, false);
    }

    @Override
    public void onRequeued(NsqMessage message, boolean backoff) {
      requeued.increment();
      onAnswered(false, backoff);
    }
  }

  public static final class Builder {
    private final String topic;
    private final String channel;
    private final List<HostPort> nsqds = new ArrayList<>();
    private final List<String> lookupds = new ArrayList<>();
    private NsqConfig config = NsqConfig.defaults();
    private MessageHandler handler;
    private Executor executor;
    private boolean everyNode;

    private Builder(String topic, String channel) {
      this.topic = NsqNames.checkTopic(topic);
      this.channel = NsqNames.checkChannel(channel);
    }

    /** nsqd TCP addresses ({@code host:4150}) to consume from directly. */
    public Builder nsqd(String... tcpAddresses) {
      for (String a : tcpAddresses) {
        nsqds.add(HostPort.parse(a, "nsqd address"));
      }
      return this;
    }

    /** nsqlookupd HTTP addresses ({@code host:4161}) to discover the nsqds that have the topic. */
    public Builder lookupd(String... httpAddresses) {
      for (String a : httpAddresses) {
        HostPort.parse(a, "nsqlookupd address");
        lookupds.add(a);
      }
      return this;
    }

    /**
     * Subscribes on every nsqd that nsqlookupd knows ({@code /nodes}), not only those that have the
     * topic yet: for return topics, whose messages may be published on any node.
     */
    public Builder everyNode(boolean everyNode) {
      this.everyNode = everyNode;
      return this;
    }

    public Builder config(NsqConfig config) {
      this.config = Objects.requireNonNull(config, "config");
      return this;
    }

    public Builder handler(MessageHandler handler) {
      this.handler = Objects.requireNonNull(handler, "handler");
      return this;
    }

    /**
     * Where handlers run. Without one they run on the I/O thread, which is fastest for handlers
     * that never block; give a (virtual-thread) executor for anything that does.
     */
    public Builder executor(Executor executor) {
      this.executor = executor;
      return this;
    }

    public NsqConsumer build() {
      if (handler == null) {
        throw new IllegalStateException("a consumer needs a handler");
      }
      if (nsqds.isEmpty() && lookupds.isEmpty()) {
        throw new IllegalStateException("a consumer needs at least one nsqd or nsqlookupd address");
      }
      return new NsqConsumer(this);
    }
  }
}
