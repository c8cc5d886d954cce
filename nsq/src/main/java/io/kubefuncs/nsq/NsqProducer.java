package io.kubefuncs.nsq;

import io.kubefuncs.nsq.internal.Backoff;
import io.kubefuncs.nsq.internal.HostPort;
import io.kubefuncs.nsq.internal.NsqNames;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Publishes to one nsqd. Thread-safe and asynchronous: every publish returns a future that
 * completes when nsqd has answered OK, and fails with an {@link NsqErrorException} when nsqd
 * refuses the message, or an {@link NsqConnectionException} when nsqd stayed unreachable for the
 * publish timeout.
 *
 * <p>Commands are pipelined on one connection. When publishes arrive faster than the connection
 * drains them, consecutive ones for the same topic travel as one MPUB, which is how the producer
 * keeps up under load without adding latency when idle. A lost connection is re-dialled with
 * backoff and unanswered publishes are sent again: delivery is at-least-once, so a publish whose OK
 * was lost with the connection may reach consumers twice.
 */
public final class NsqProducer implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(NsqProducer.class.getName());

  /** nsqd's refusal of a body larger than its limit: {@code PUB message too big 5000 > 4096}. */
  private static final Pattern TOO_BIG = Pattern.compile("message too big \\d+ > (\\d+)");

  private final HostPort address;
  private final NsqConfig config;
  private final EventLoop loop;
  private final Backoff reconnectBackoff;
  private final ConcurrentLinkedQueue<Publish> incoming = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile boolean closing;
  private volatile boolean connected;

  /** The configured limit, lowered to nsqd's own once nsqd tells it. */
  private volatile int maxMessageSize;

  // Confined to the event loop.
  private final ArrayDeque<Publish> backlog = new ArrayDeque<>();
  private final ArrayDeque<Publish> unanswered = new ArrayDeque<>();
  private final Runnable drainTask = this::drain;
  private final Listener listener = new Listener();
  private NsqConnection connection;
  private CompletableFuture<NsqConnection> dialing;
  private int failedDials;

  /**
   * Set by {@link #connect()}: from then on a lost or failed connection is redialled with backoff
   * even with nothing to publish, so that a server in front of the producer (the gateway) is
   * connected again as soon as nsqd is back, not when a request has already been refused.
   */
  private boolean stayConnected;

  private ScheduledFuture<?> redial;
  private Throwable lastDialError;

  private NsqProducer(HostPort address, NsqConfig config) {
    this.address = address;
    this.config = config.forPublishing();
    this.loop = config.eventLoopGroup().next();
    this.reconnectBackoff = new Backoff(config.reconnectMinDelay, config.reconnectMaxDelay);
    this.maxMessageSize = config.maxMessageSize;
  }

  /**
   * A producer for the nsqd at {@code tcpAddress} ({@code host:4150}); it connects on first use.
   */
  public static NsqProducer create(String tcpAddress) {
    return create(tcpAddress, NsqConfig.defaults());
  }

  public static NsqProducer create(String tcpAddress, NsqConfig config) {
    return new NsqProducer(
        HostPort.parse(tcpAddress, "nsqd address"), Objects.requireNonNull(config, "config"));
  }

  /**
   * Connects now rather than on the first publish; the future fails if nsqd cannot be reached. From
   * then on the producer keeps its connection: whenever it is lost, or this dial fails, it redials
   * in the background with the reconnect backoff, until {@link #close()}.
   */
  public CompletableFuture<Void> connect() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.execute(
        () -> {
          stayConnected = true;
          if (connection != null && connection.isActive()) {
            done.complete(null);
            return;
          }
          if (redial != null) {
            redial.cancel(false);
            redial = null;
          }
          dial()
              .whenComplete(
                  (c, e) -> {
                    if (e != null) {
                      done.completeExceptionally(e);
                    } else {
                      done.complete(null);
                    }
                  });
        });
    return done;
  }

  public CompletableFuture<Void> publish(String topic, byte[] body) {
    return enqueue(new Publish(checkTopic(topic), checkBody(body), null, -1, deadline()));
  }

  /** Publishes {@code bodies} atomically, in order, as one MPUB. */
  public CompletableFuture<Void> multiPublish(String topic, List<byte[]> bodies) {
    if (bodies.isEmpty()) {
      throw new IllegalArgumentException("multiPublish needs at least one message");
    }
    List<byte[]> copy = List.copyOf(bodies);
    copy.forEach(this::checkBody);
    return enqueue(new Publish(checkTopic(topic), null, copy, -1, deadline()));
  }

  /**
   * Publishes a message that nsqd holds back for {@code delay} (at most nsqd's max-req-timeout).
   */
  public CompletableFuture<Void> deferredPublish(String topic, Duration delay, byte[] body) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative, got " + delay);
    }
    return enqueue(
        new Publish(checkTopic(topic), checkBody(body), null, delay.toMillis(), deadline()));
  }

  /** True while a connection to nsqd is up; publishes made now go out at once. */
  public boolean isConnected() {
    return connected;
  }

  /**
   * The largest body this producer can publish: the configured {@link NsqConfig#maxMessageSize()},
   * or nsqd's {@code --max-msg-size} once nsqd has told a smaller one (in its IDENTIFY response
   * where it reports it, or by refusing a message as too big, which nsqd v1.3.0 does).
   */
  public int maxMessageSize() {
    return maxMessageSize;
  }

  /** What nsqd granted this producer's connection in answer to IDENTIFY; connects first. */
  CompletableFuture<IdentifyResponse> identify() {
    return connect().thenApplyAsync(v -> connection.identify(), loop);
  }

  /** The nsqd this producer publishes to, as {@code host:port}. */
  public String address() {
    return address.toString();
  }

  /**
   * Waits up to the publish timeout for queued publishes to be answered, then closes the
   * connection; publishes still unanswered then fail.
   */
  @Override
  public void close() {
    closing = true;
    loop.execute(this::finishCloseIfIdle);
    try {
      closed.get(config.publishTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      loop.execute(() -> shutdown("producer for nsqd " + address + " closed before nsqd answered"));
      closed.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String checkTopic(String topic) {
    return NsqNames.checkTopic(topic);
  }

  private byte[] checkBody(byte[] body) {
    Objects.requireNonNull(body, "body");
    int max = maxMessageSize;
    if (body.length > max) {
      throw new IllegalArgumentException(
          "message of "
              + body.length
              + " bytes exceeds maxMessageSize "
              + max
              + " (nsqd's --max-msg-size must allow it too)");
    }
    return body;
  }

  private long deadline() {
    return System.nanoTime() + config.publishTimeout.toNanos();
  }

  private CompletableFuture<Void> enqueue(Publish p) {
    if (closing) {
      p.future.completeExceptionally(
          new IllegalStateException("producer for nsqd " + address + " is closed"));
      return p.future;
    }
    incoming.add(p);
    if (drainScheduled.compareAndSet(false, true)) {
      loop.execute(drainTask);
    }
    return p.future;
  }

  private void drain() {
    drainScheduled.set(false);
    Publish p;
    while ((p = incoming.poll()) != null) {
      backlog.add(p);
    }
    if (connection != null && connection.isActive()) {
      writeBacklog();
    } else {
      dial();
    }
  }

  private void writeBacklog() {
    boolean wrote = false;
    while (!backlog.isEmpty() && connection.isWritable()) {
      Publish head = backlog.poll();
      if (head.future.isDone()) {
        continue;
      }
      List<Publish> batch = new ArrayList<>(1);
      batch.add(head);
      ByteBuf command;
      if (head.bodies != null) {
        command =
            Commands.mpub(
                connection.channelAlloc(), head.topic, head.bodies, totalSize(head.bodies));
      } else if (head.deferMillis >= 0) {
        command = Commands.dpub(connection.channelAlloc(), head.topic, head.deferMillis, head.body);
      } else {
        int bytes = head.body.length;
        Publish next;
        while (head.isFoldable()
            && batch.size() < config.maxBatchMessages
            && (next = backlog.peek()) != null
            && next.isFoldable()
            && next.topic.equals(head.topic)
            && bytes + next.body.length <= config.maxBatchBytes) {
          batch.add(backlog.poll());
          bytes += next.body.length;
        }
        command =
            batch.size() == 1
                ? Commands.pub(connection.channelAlloc(), head.topic, head.body)
                : Commands.mpub(connection.channelAlloc(), head.topic, bodies(batch), bytes);
      }
      unanswered.addAll(batch);
      connection.send(command, new Answer(batch.size(), batch.size() > 1));
      wrote = true;
    }
    if (wrote) {
      connection.flush();
    }
  }

  private static int totalSize(List<byte[]> bodies) {
    int bytes = 0;
    for (byte[] b : bodies) {
      bytes += b.length;
    }
    return bytes;
  }

  private static List<byte[]> bodies(List<Publish> batch) {
    List<byte[]> bodies = new ArrayList<>(batch.size());
    for (Publish p : batch) {
      bodies.add(p.body);
    }
    return bodies;
  }

  /** Dials nsqd unless a dial is under way or scheduled; returns that dial. */
  private CompletableFuture<NsqConnection> dial() {
    if (dialing != null) {
      return dialing;
    }
    if (redial != null) {
      return CompletableFuture.failedFuture(
          new NsqConnectionException("nsqd " + address + " is being redialled"));
    }
    dialing = NsqConnection.connect(address, config, loop, listener);
    return dialing.whenComplete(
        (conn, error) -> {
          dialing = null;
          if (error == null) {
            connection = conn;
            connected = true;
            learnLimit(conn.identify().maxMsgSize());
            if (closing) {
              finishCloseIfIdle();
            }
            writeBacklog();
            return;
          }
          failedDials++;
          lastDialError = error;
          LOG.log(
              System.Logger.Level.DEBUG, "dial nsqd {0} failed: {1}", address, error.getMessage());
          expireOverdue();
          scheduleRedial();
        });
  }

  private void learnLimit(long nsqdLimit) {
    if (nsqdLimit > 0 && nsqdLimit < maxMessageSize) {
      maxMessageSize = (int) nsqdLimit;
    }
  }

  private void scheduleRedial() {
    if (redial != null || (backlog.isEmpty() && (closing || !stayConnected))) {
      return;
    }
    long delay = reconnectBackoff.delay(failedDials).toNanos();
    if (!backlog.isEmpty()) {
      delay = Math.min(delay, Math.max(0, backlog.peek().deadlineNanos - System.nanoTime()));
    }
    redial =
        loop.schedule(
            () -> {
              redial = null;
              drain();
            },
            delay,
            TimeUnit.NANOSECONDS);
  }

  /** Fails publishes that waited for a connection longer than the publish timeout. */
  private void expireOverdue() {
    long now = System.nanoTime();
    while (!backlog.isEmpty() && backlog.peek().deadlineNanos - now <= 0) {
      Publish p = backlog.poll();
      String why = lastDialError == null ? "" : ": " + lastDialError.getMessage();
      p.future.completeExceptionally(
          new NsqConnectionException(
              "could not publish to nsqd "
                  + address
                  + " within "
                  + config.publishTimeout.toMillis()
                  + " ms"
                  + why,
              lastDialError));
    }
  }

  private void finishCloseIfIdle() {
    if (incoming.isEmpty() && backlog.isEmpty() && unanswered.isEmpty()) {
      shutdown("producer for nsqd " + address + " is closed");
    } else if (connection == null || !connection.isActive()) {
      drain();
    }
  }

  private void shutdown(String why) {
    NsqConnectionException reason = new NsqConnectionException(why);
    for (ArrayDeque<Publish> q : List.of(backlog, unanswered)) {
      Publish p;
      while ((p = q.poll()) != null) {
        p.future.completeExceptionally(reason);
      }
    }
    Publish p;
    while ((p = incoming.poll()) != null) {
      p.future.completeExceptionally(reason);
    }
    if (redial != null) {
      redial.cancel(false);
      redial = null;
    }
    if (connection != null) {
      connection.close();
    }
    closed.complete(null);
  }

  /** Completes the publishes of one command, which are the oldest unanswered ones. */
  private final class Answer implements ResponseCallback {
    private final int count;
    private final boolean folded;

    /** {@code folded}: an MPUB this producer made of separate publishes. */
    Answer(int count, boolean folded) {
      this.count = count;
      this.folded = folded;
    }

    @Override
    public void onResponse(ByteBuf data) {
      // Only an answered publish proves the connection good; a dial alone does not, or a peer
      // that accepts and then drops every connection would be redialled in a tight loop.
      failedDials = 0;
      for (int i = 0; i < count; i++) {
        unanswered.poll().future.complete(null);
      }
      if (closing) {
        finishCloseIfIdle();
      }
    }

    @Override
    public void onError(NsqException error) {
      if (!(error instanceof NsqErrorException refusal)) {
        return; // A lost connection leaves the publishes in `unanswered`; onClosed sends them
        // again.
      }
      Matcher tooBig = TOO_BIG.matcher(refusal.getMessage());
      if (tooBig.find()) {
        learnLimit(Long.parseLong(tooBig.group(1)));
      }
      if (folded) {
        // One bad message must not fail the others it was folded with: each goes again on its
        // own once the connection, closed by nsqd's fatal error, is back.
        int i = 0;
        for (Publish p : unanswered) {
          if (i++ == count) {
            break;
          }
          p.alone = true;
        }
        return;
      }
      for (int i = 0; i < count; i++) {
        unanswered.poll().future.completeExceptionally(error);
      }
    }
  }

  private final class Listener implements NsqConnection.Listener {
    @Override
    public void onMessage(NsqConnection conn, NsqMessage message) {
      LOG.log(
          System.Logger.Level.WARNING,
          "nsqd {0} sent a message to a producer connection; requeueing it",
          address);
      message.requeueWithoutBackoff(Duration.ZERO);
    }

    @Override
    public void onClosed(NsqConnection conn, Throwable cause) {
      if (conn != connection) {
        return;
      }
      connection = null;
      connected = false;
      lastDialError = cause;
      Publish p;
      while ((p = unanswered.pollLast()) != null) {
        backlog.addFirst(p);
      }
      // nsqd closes the connection after refusing a command (a topic its auth server does not
      // grant, say): it is up, so dial again at once, or publishes to other topics, and a
      // gateway's every route, would wait out a backoff.
      boolean refusal = cause != null && cause.getCause() instanceof NsqErrorException;
      if (!backlog.isEmpty()) {
        LOG.log(
            System.Logger.Level.WARNING,
            "lost nsqd {0} with {1} publishes unanswered; reconnecting: {2}",
            address,
            backlog.size(),
            cause == null ? "closed" : cause.getMessage());
        if (!refusal) {
          failedDials++;
        }
        expireOverdue();
        scheduleRedial();
      } else if (closing) {
        shutdown("producer for nsqd " + address + " is closed");
      } else if (stayConnected) {
        LOG.log(
            System.Logger.Level.WARNING,
            "lost nsqd {0}; reconnecting: {1}",
            address,
            cause == null ? "closed" : cause.getMessage());
        if (!refusal) {
          failedDials++;
        }
        scheduleRedial();
      }
    }

    @Override
    public void onWritable(NsqConnection conn) {
      if (conn == connection) {
        writeBacklog();
      }
    }
  }

  /** One publish request: a PUB, an MPUB of the caller's list, or a DPUB. */
  private static final class Publish {
    final String topic;
    final byte[] body;
    final List<byte[]> bodies;
    final long deferMillis;
    final long deadlineNanos;
    final CompletableFuture<Void> future = new PublishFuture();
    boolean alone;

    Publish(String topic, byte[] body, List<byte[]> bodies, long deferMillis, long deadlineNanos) {
      this.topic = topic;
      this.body = body;
      this.bodies = bodies;
      this.deferMillis = deferMillis;
      this.deadlineNanos = deadlineNanos;
    }

    /** Plain PUBs may be folded into an MPUB with their neighbours. */
    boolean isFoldable() {
      return bodies == null && deferMillis < 0 && !alone;
    }
  }
}
