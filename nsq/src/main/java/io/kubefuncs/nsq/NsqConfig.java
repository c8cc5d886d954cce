package io.kubefuncs.nsq;

import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings shared by {@link NsqProducer} and {@link NsqConsumer}. Defaults follow go-nsq where
 * go-nsq has one, so a Java function and a Go function behave alike on the same cluster.
 */
public final class NsqConfig {
  /** nsqd's default {@code --max-msg-size}. */
  public static final int DEFAULT_MAX_MESSAGE_SIZE = 1024 * 1024;

  /** Default of {@link Builder#lookupdEmptyPollInterval}, when the poll interval is not shorter. */
  public static final Duration DEFAULT_LOOKUPD_EMPTY_POLL_INTERVAL = Duration.ofSeconds(1);

  private static final NsqConfig DEFAULTS = builder().build();

  final String clientId;
  final String hostname;
  final String userAgent;
  final Duration heartbeatInterval;
  final Duration msgTimeout;
  final int outputBufferSize;
  final Duration outputBufferTimeout;
  final String authSecret;

  /** {@code null}: plain TCP. */
  final NsqTls tls;

  final Duration dialTimeout;
  final int maxMessageSize;
  final Duration publishTimeout;
  final int maxBatchMessages;
  final int maxBatchBytes;
  final Duration reconnectMinDelay;
  final Duration reconnectMaxDelay;
  final int maxInFlight;
  final Duration lookupdPollInterval;
  final double lookupdPollJitter;

  /** As set; {@code null} for the default. */
  private final Duration lookupdEmptyPollIntervalSetting;

  final Duration lookupdEmptyPollInterval;
  final Duration backoffMultiplier;
  final Duration maxBackoffDuration;
  final Duration requeueDelay;
  final Duration maxRequeueDelay;
  final Duration rdyRedistributeInterval;
  final Duration lowRdyIdleTimeout;
  final EventLoopGroup eventLoopGroup;

  private NsqConfig(Builder b) {
    clientId = b.clientId;
    hostname = b.hostname;
    userAgent = b.userAgent;
    heartbeatInterval = b.heartbeatInterval;
    msgTimeout = b.msgTimeout;
    outputBufferSize = b.outputBufferSize;
    outputBufferTimeout = b.outputBufferTimeout;
    authSecret = b.authSecret;
    tls = b.tls;
    dialTimeout = b.dialTimeout;
    maxMessageSize = b.maxMessageSize;
    publishTimeout = b.publishTimeout;
    maxBatchMessages = b.maxBatchMessages;
    maxBatchBytes = b.maxBatchBytes;
    reconnectMinDelay = b.reconnectMinDelay;
    reconnectMaxDelay = b.reconnectMaxDelay;
    maxInFlight = b.maxInFlight;
    lookupdPollInterval = b.lookupdPollInterval;
    lookupdPollJitter = b.lookupdPollJitter;
    lookupdEmptyPollIntervalSetting = b.lookupdEmptyPollInterval;
    lookupdEmptyPollInterval =
        b.lookupdEmptyPollInterval != null
            ? b.lookupdEmptyPollInterval
            : min(DEFAULT_LOOKUPD_EMPTY_POLL_INTERVAL, lookupdPollInterval);
    backoffMultiplier = b.backoffMultiplier;
    maxBackoffDuration = b.maxBackoffDuration;
    requeueDelay = b.requeueDelay;
    maxRequeueDelay = b.maxRequeueDelay;
    rdyRedistributeInterval = b.rdyRedistributeInterval;
    lowRdyIdleTimeout = b.lowRdyIdleTimeout;
    eventLoopGroup = b.eventLoopGroup;
  }

  public static NsqConfig defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * This config as a producer's connection uses it: with nsqd's own output buffer, whatever {@link
   * Builder#outputBufferSize} says. nsqd flushes its answer to every command at once, so a buffer
   * holds nothing back from a producer; unbuffered, nsqd writes each frame in three system calls
   * (size, type, data), so every OK costs it three writes and the producer three TCP segments.
   */
  NsqConfig forPublishing() {
    if (outputBufferSize == 0 && outputBufferTimeout == null) {
      return this;
    }
    Builder b = toBuilder();
    b.outputBufferSize = 0;
    b.outputBufferTimeout = null;
    return b.build();
  }

  public int maxInFlight() {
    return maxInFlight;
  }

  public Duration heartbeatInterval() {
    return heartbeatInterval;
  }

  public int maxMessageSize() {
    return maxMessageSize;
  }

  /**
   * The group the connections run on: the one given to the builder, else the process-wide {@code
   * nsq-io} threads.
   */
  public EventLoopGroup eventLoopGroup() {
    return eventLoopGroup != null ? eventLoopGroup : EventLoops.shared();
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  public static final class Builder {
    private String clientId;
    private String hostname;
    private String userAgent = "kubefuncs-java/" + version();
    private Duration heartbeatInterval = Duration.ofSeconds(30);
    private Duration msgTimeout;
    private int outputBufferSize;
    private Duration outputBufferTimeout;
    private String authSecret;
    private NsqTls tls;
    private Duration dialTimeout = Duration.ofSeconds(1);
    private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
    private Duration publishTimeout = Duration.ofSeconds(10);
    private int maxBatchMessages = 128;
    private int maxBatchBytes = 512 * 1024;
    private Duration reconnectMinDelay = Duration.ofMillis(100);
    // Kubefuncs dials the nsqd of its own node: a redial every 2 s at most costs nothing, and while
    // it waits the gateway answers 503 and functions cannot answer. 5 s left a gateway 6 s behind
    // an nsqd that was back.
    private Duration reconnectMaxDelay = Duration.ofSeconds(2);
    private int maxInFlight = 1;
    private Duration lookupdPollInterval = Duration.ofSeconds(60);
    private double lookupdPollJitter = 0.3;
    private Duration lookupdEmptyPollInterval;
    private Duration backoffMultiplier = Duration.ofSeconds(1);
    private Duration maxBackoffDuration = Duration.ofMinutes(2);
    private Duration requeueDelay = Duration.ofSeconds(1);
    private Duration maxRequeueDelay = Duration.ofMinutes(15);
    private Duration rdyRedistributeInterval = Duration.ofSeconds(5);
    private Duration lowRdyIdleTimeout = Duration.ofSeconds(10);
    private EventLoopGroup eventLoopGroup;

    private Builder() {
      String host = localHostname();
      hostname = host;
      int dot = host.indexOf('.');
      clientId = dot > 0 ? host.substring(0, dot) : host;
    }

    private Builder(NsqConfig c) {
      clientId = c.clientId;
      hostname = c.hostname;
      userAgent = c.userAgent;
      heartbeatInterval = c.heartbeatInterval;
      msgTimeout = c.msgTimeout;
      outputBufferSize = c.outputBufferSize;
      outputBufferTimeout = c.outputBufferTimeout;
      authSecret = c.authSecret;
      tls = c.tls;
      dialTimeout = c.dialTimeout;
      maxMessageSize = c.maxMessageSize;
      publishTimeout = c.publishTimeout;
      maxBatchMessages = c.maxBatchMessages;
      maxBatchBytes = c.maxBatchBytes;
      reconnectMinDelay = c.reconnectMinDelay;
      reconnectMaxDelay = c.reconnectMaxDelay;
      maxInFlight = c.maxInFlight;
      lookupdPollInterval = c.lookupdPollInterval;
      lookupdPollJitter = c.lookupdPollJitter;
      lookupdEmptyPollInterval = c.lookupdEmptyPollIntervalSetting;
      backoffMultiplier = c.backoffMultiplier;
      maxBackoffDuration = c.maxBackoffDuration;
      requeueDelay = c.requeueDelay;
      maxRequeueDelay = c.maxRequeueDelay;
      rdyRedistributeInterval = c.rdyRedistributeInterval;
      lowRdyIdleTimeout = c.lowRdyIdleTimeout;
      eventLoopGroup = c.eventLoopGroup;
    }

    /** Shown by nsqadmin and {@code /stats}; defaults to the short hostname. */
    public Builder clientId(String clientId) {
      this.clientId = Objects.requireNonNull(clientId, "clientId");
      return this;
    }

    public Builder hostname(String hostname) {
      this.hostname = Objects.requireNonNull(hostname, "hostname");
      return this;
    }

    public Builder userAgent(String userAgent) {
      this.userAgent = Objects.requireNonNull(userAgent, "userAgent");
      return this;
    }

    /**
     * How often nsqd sends a heartbeat on an idle connection (1 s to 60 s). A connection that hears
     * nothing for two intervals is considered dead and reconnected.
     */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval =
          between("heartbeatInterval", interval, Duration.ofSeconds(1), Duration.ofSeconds(60));
      return this;
    }

    /** Per-connection message timeout asked of nsqd; unset keeps nsqd's {@code --msg-timeout}. */
    public Builder msgTimeout(Duration timeout) {
      this.msgTimeout =
          between("msgTimeout", timeout, Duration.ofSeconds(1), Duration.ofMinutes(15));
      return this;
    }

    /**
     * nsqd's output buffer for a consumer's connections, in bytes (64 B to 5 MiB); 0 keeps nsqd's
     * default (16 KiB). -1 turns buffering off: nsqd writes each message at once, which costs it
     * three system calls per message (it writes a frame's size, type and data separately) but never
     * holds a message back waiting for the buffer timeout, as a buffered connection with messages
     * in flight does (up to 250 ms by default). Producers keep nsqd's buffer whatever this says:
     * nsqd flushes every answer to a command at once.
     */
    public Builder outputBufferSize(int bytes) {
      if (bytes != 0 && bytes != -1 && (bytes < 64 || bytes > 5 * 1024 * 1024)) {
        throw new IllegalArgumentException(
            "outputBufferSize must be -1, 0 or 64 B to 5 MiB, got " + bytes);
      }
      this.outputBufferSize = bytes;
      return this;
    }

    /**
     * How long nsqd may hold messages in its output buffer before flushing: 25 ms to 1 s, the range
     * nsqd accepts by default ({@code --min/max-output-buffer-timeout}).
     */
    public Builder outputBufferTimeout(Duration timeout) {
      this.outputBufferTimeout =
          between("outputBufferTimeout", timeout, Duration.ofMillis(25), Duration.ofSeconds(1));
      return this;
    }

    /**
     * Secret sent with AUTH when nsqd requires authentication ({@code --auth-http-address}).
     * Without one, connections to such an nsqd fail; one that nsqd does not ask for is logged once
     * and otherwise unused.
     */
    public Builder authSecret(String secret) {
      this.authSecret = secret;
      return this;
    }

    /**
     * TLS to every nsqd: IDENTIFY asks for it, and a connection to an nsqd that does not agree
     * fails. {@code null} (the default) keeps plain TCP. nsqlookupd is asked over plain HTTP either
     * way: it has no TLS.
     */
    public Builder tls(NsqTls tls) {
      this.tls = tls;
      return this;
    }

    public Builder dialTimeout(Duration timeout) {
      this.dialTimeout = positive("dialTimeout", timeout);
      return this;
    }

    /**
     * The largest message body this client publishes; keep it equal to nsqd's {@code
     * --max-msg-size}. Larger publishes fail before anything is sent. Messages nsqd delivers are
     * read whatever their size: nsqd only delivers what its own limit let in.
     */
    public Builder maxMessageSize(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxMessageSize must be positive, got " + bytes);
      }
      this.maxMessageSize = bytes;
      return this;
    }

    /**
     * How long a publish may wait for nsqd (including reconnecting to it) before its future fails.
     */
    public Builder publishTimeout(Duration timeout) {
      this.publishTimeout = positive("publishTimeout", timeout);
      return this;
    }

    /** Most messages the producer folds into one MPUB when publishes queue up. */
    public Builder maxBatchMessages(int messages) {
      if (messages < 1) {
        throw new IllegalArgumentException("maxBatchMessages must be positive, got " + messages);
      }
      this.maxBatchMessages = messages;
      return this;
    }

    /** Most body bytes in one MPUB; keep it under nsqd's {@code --max-body-size} (5 MiB). */
    public Builder maxBatchBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxBatchBytes must be positive, got " + bytes);
      }
      this.maxBatchBytes = bytes;
      return this;
    }

    /**
     * Reconnect delays: they start at {@code min}, double after each failure, and stop at {@code
     * max}.
     */
    public Builder reconnectDelay(Duration min, Duration max) {
      this.reconnectMinDelay = positive("reconnect min delay", min);
      this.reconnectMaxDelay = positive("reconnect max delay", max);
      if (max.compareTo(min) < 0) {
        throw new IllegalArgumentException(
            "reconnect max delay " + max + " is below min delay " + min);
      }
      return this;
    }

    /** Messages a consumer holds at once, over all its nsqd connections. */
    public Builder maxInFlight(int maxInFlight) {
      if (maxInFlight < 1) {
        throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
      }
      this.maxInFlight = maxInFlight;
      return this;
    }

    /** How often a consumer asks nsqlookupd which nsqds have its topic (plus jitter); 60 s. */
    public Builder lookupdPollInterval(Duration interval) {
      this.lookupdPollInterval = positive("lookupdPollInterval", interval);
      return this;
    }

    /**
     * How often a consumer asks nsqlookupd (plus jitter) while it knows no nsqd to consume from:
     * nsqlookupd lists none for the topic yet, or has not answered yet. A topic comes into being
     * when it is first published to, so this bounds how long the first message waits for a consumer
     * started before it. It costs one request per nsqlookupd per interval, only while the topic
     * exists nowhere. At most {@link #lookupdPollInterval}; defaults to 1 s, or to the poll
     * interval when that is shorter.
     */
    public Builder lookupdEmptyPollInterval(Duration interval) {
      this.lookupdEmptyPollInterval = positive("lookupdEmptyPollInterval", interval);
      return this;
    }

    /**
     * Fraction of the poll interval added at random, so a fleet of consumers does not poll in step.
     */
    public Builder lookupdPollJitter(double jitter) {
      if (jitter < 0 || jitter > 1) {
        throw new IllegalArgumentException("lookupdPollJitter must be within 0..1, got " + jitter);
      }
      this.lookupdPollJitter = jitter;
      return this;
    }

    /**
     * Consumer backoff after a handler failure: it pauses for {@code multiplier * 2^failures}, at
     * most {@code max}. A {@code max} of zero turns backoff off.
     */
    public Builder backoff(Duration multiplier, Duration max) {
      this.backoffMultiplier = positive("backoff multiplier", multiplier);
      if (max == null || max.isNegative()) {
        throw new IllegalArgumentException("max backoff must be zero or positive, got " + max);
      }
      this.maxBackoffDuration = max;
      return this;
    }

    /** Delay of an automatic requeue: {@code delay * 2^(attempts-1)}, at most {@code max}. */
    public Builder requeueDelay(Duration delay, Duration max) {
      this.requeueDelay = nonNegative("requeue delay", delay);
      this.maxRequeueDelay = nonNegative("max requeue delay", max);
      return this;
    }

    /**
     * How often RDY is rebalanced when there are more connections than {@code maxInFlight}, and how
     * long a connection may sit idle before its RDY moves elsewhere.
     */
    public Builder rdyRedistribution(Duration interval, Duration idleTimeout) {
      this.rdyRedistributeInterval = positive("rdy redistribute interval", interval);
      this.lowRdyIdleTimeout = positive("low rdy idle timeout", idleTimeout);
      return this;
    }

    /** Runs the I/O on this group instead of the process-wide shared one; the caller owns it. */
    public Builder eventLoopGroup(EventLoopGroup group) {
      this.eventLoopGroup = group;
      return this;
    }

    public NsqConfig build() {
      if (lookupdEmptyPollInterval != null
          && lookupdEmptyPollInterval.compareTo(lookupdPollInterval) > 0) {
        throw new IllegalArgumentException(
            "lookupdEmptyPollInterval "
                + lookupdEmptyPollInterval
                + " must not be longer than lookupdPollInterval "
                + lookupdPollInterval);
      }
      return new NsqConfig(this);
    }

    private static Duration positive(String name, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + d);
      }
      return d;
    }

    private static Duration nonNegative(String name, Duration d) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative, got " + d);
      }
      return d;
    }

    private static Duration between(String name, Duration d, Duration min, Duration max) {
      if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            name + " must be within " + min + " and " + max + ", got " + d);
      }
      return d;
    }

    private static String localHostname() {
      String env = System.getenv("HOSTNAME");
      if (env != null && !env.isBlank()) {
        return env;
      }
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        return "unknown";
      }
    }

    private static String version() {
      String v = NsqConfig.class.getPackage().getImplementationVersion();
      return v != null ? v : "dev";
    }
  }
}
