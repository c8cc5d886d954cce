package io.kubefuncs.devbroker;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One protocol V2 connection's state, as nsqd's clientV2 keeps it: what the client IDENTIFYed, its
 * subscription, RDY and counters, its in-flight messages in deadline order, and its output buffer.
 * Frames are written straight into a pooled buffer of {@code output_buffer_size} bytes and flushed
 * once per pass of the event loop, which batches writes the way nsqd's buffered writer does without
 * ever holding a frame back for a timer.
 */
final class ClientV2 {
  static final int FRAME_TYPE_RESPONSE = 0;
  static final int FRAME_TYPE_ERROR = 1;
  static final int FRAME_TYPE_MESSAGE = 2;

  // nsqd's client states; V2 uses these three.
  static final int STATE_INIT = 0;
  static final int STATE_SUBSCRIBED = 3;
  static final int STATE_CLOSING = 4;

  private static final byte[] OK = "OK".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HEARTBEAT = "_heartbeat_".getBytes(StandardCharsets.US_ASCII);

  final long id;
  final Nsqd nsqd;
  final ChannelHandlerContext ctx;
  final String remoteAddress;

  /** Unix seconds. */
  final long connectTime;

  String clientId;
  String hostname;
  String userAgent = "";
  long heartbeatIntervalNanos;
  int outputBufferSize = Options.DEFAULT_BUFFER_SIZE;
  long outputBufferTimeoutNanos;
  long msgTimeoutNanos;
  int sampleRate;

  int state = STATE_INIT;
  NsqChannel channel;
  long readyCount;
  int inFlightCount;
  long messageCount;
  long finishCount;
  long requeueCount;

  /** Oldest first; each message's deadline is no earlier than its predecessor's. */
  private Message inFlightHead;

  private Message inFlightTail;

  private final Map<String, long[]> pubCounts = new HashMap<>();
  private Topic lastPubTopic;
  private long[] lastPubCount;

  private ByteBuf out;

  /** Queued for the end-of-pass flush. */
  boolean flushPending;

  private boolean closed;
  private long lastReadNanos;
  private ScheduledFuture<?> heartbeat;

  ClientV2(long id, Nsqd nsqd, ChannelHandlerContext ctx) {
    this.id = id;
    this.nsqd = nsqd;
    this.ctx = ctx;
    InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
    String host = remote == null ? "" : remote.getAddress().getHostAddress();
    this.remoteAddress = remote == null ? "" : DevBroker.hostPort(host, remote.getPort());
    this.clientId = host;
    this.hostname = host;
    this.connectTime = System.currentTimeMillis() / 1000;
    Options options = nsqd.options;
    this.heartbeatIntervalNanos = Options.DEFAULT_HEARTBEAT_INTERVAL_NANOS;
    this.outputBufferTimeoutNanos = Options.DEFAULT_OUTPUT_BUFFER_TIMEOUT_NANOS;
    this.msgTimeoutNanos = options.msgTimeoutNanos();
    this.lastReadNanos = System.nanoTime();
  }

  /**
   * Applies IDENTIFY as nsqd's clientV2.Identify does, setting by setting in nsqd's order: 0 keeps
   * the default, -1 turns heartbeats or output buffering off, anything else must be in nsqd's
   * bounds or the client is refused with nsqd's text.
   */
  void identify(IdentifyData data) {
    clientId = data.clientId();
    hostname = data.hostname();
    userAgent = data.userAgent();
    Options options = nsqd.options;
    long heartbeat = data.heartbeatInterval();
    if (heartbeat == -1) {
      heartbeatIntervalNanos = 0;
    } else if (heartbeat != 0) {
      if (heartbeat < 1000
          || heartbeat > TimeUnit.NANOSECONDS.toMillis(Options.MAX_HEARTBEAT_INTERVAL_NANOS)) {
        throw invalidIdentify("heartbeat interval (" + heartbeat + ") is invalid");
      }
      heartbeatIntervalNanos = TimeUnit.MILLISECONDS.toNanos(heartbeat);
    }
    long timeout = data.outputBufferTimeout();
    if (timeout == -1) {
      outputBufferTimeoutNanos = 0;
    } else if (timeout != 0) {
      if (timeout < TimeUnit.NANOSECONDS.toMillis(Options.MIN_OUTPUT_BUFFER_TIMEOUT_NANOS)
          || timeout > TimeUnit.NANOSECONDS.toMillis(Options.MAX_OUTPUT_BUFFER_TIMEOUT_NANOS)) {
        throw invalidIdentify("output buffer timeout (" + timeout + ") is invalid");
      }
      outputBufferTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeout);
    }
    long size = data.outputBufferSize();
    if (size == -1) {
      outputBufferSize = 1;
      outputBufferTimeoutNanos = 0;
    } else if (size != 0) {
      if (size < 64 || size > Options.MAX_OUTPUT_BUFFER_SIZE) {
        throw invalidIdentify("output buffer size (" + size + ") is invalid");
      }
      outputBufferSize = (int) size;
    }
    if (data.sampleRate() < 0 || data.sampleRate() > 99) {
      throw invalidIdentify("sample rate (" + data.sampleRate() + ") is invalid");
    }
    sampleRate = (int) data.sampleRate();
    long msgTimeout = data.msgTimeout();
    if (msgTimeout != 0) {
      if (msgTimeout < 1000
          || msgTimeout > TimeUnit.NANOSECONDS.toMillis(Options.MAX_MSG_TIMEOUT_NANOS)) {
        throw invalidIdentify("msg timeout (" + msgTimeout + ") is invalid");
      }
      msgTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(msgTimeout);
    }
    startHeartbeats();
  }

  private static ProtocolError invalidIdentify(String reason) {
    return ProtocolError.fatal("E_BAD_BODY", "IDENTIFY " + reason);
  }

  boolean canTakeMessage() {
    return state == STATE_SUBSCRIBED && inFlightCount < readyCount && !closed;
  }

  boolean isProducer() {
    return !pubCounts.isEmpty();
  }

  /** Topic name to messages published, for /stats. */
  Map<String, long[]> pubCounts() {
    return pubCounts;
  }

  void published(Topic topic, int messages) {
    if (topic != lastPubTopic) {
      lastPubTopic = topic;
      lastPubCount = pubCounts.computeIfAbsent(topic.name, name -> new long[1]);
    }
    lastPubCount[0] += messages;
  }

  /** The topic last published to, so that a stream of PUBs to one topic skips the name lookup. */
  Topic lastPubTopic() {
    return lastPubTopic;
  }

  // ---- in-flight list ----

  void addInFlight(Message message) {
    inFlightCount++;
    messageCount++;
    append(message);
  }

  /** Takes a message out of this client's list; the caller decides where it goes next. */
  void removeInFlight(Message message) {
    unlink(message);
    message.owner = null;
    inFlightCount--;
  }

  /** After TOUCH moved a deadline: back into deadline order, almost always at the tail. */
  void reorderInFlight(Message message) {
    unlink(message);
    Message after = inFlightTail;
    while (after != null && after.deadline > message.deadline) {
      after = after.prev;
    }
    if (after == null) {
      message.next = inFlightHead;
      if (inFlightHead != null) {
        inFlightHead.prev = message;
      } else {
        inFlightTail = message;
      }
      inFlightHead = message;
    } else {
      message.prev = after;
      message.next = after.next;
      if (after.next != null) {
        after.next.prev = message;
      } else {
        inFlightTail = message;
      }
      after.next = message;
    }
  }

  Message oldestInFlight() {
    return inFlightHead;
  }

  /** Forgets every in-flight message at once, as nsqd does when a channel is emptied. */
  void clearInFlight() {
    for (Message m = inFlightHead; m != null; ) {
      Message next = m.next;
      m.prev = m.next = null;
      m.owner = null;
      m = next;
    }
    inFlightHead = inFlightTail = null;
    inFlightCount = 0;
  }

  private void append(Message message) {
    message.prev = inFlightTail;
    message.next = null;
    if (inFlightTail != null) {
      inFlightTail.next = message;
    } else {
      inFlightHead = message;
    }
    inFlightTail = message;
  }

  private void unlink(Message message) {
    if (message.prev != null) {
      message.prev.next = message.next;
    } else {
      inFlightHead = message.next;
    }
    if (message.next != null) {
      message.next.prev = message.prev;
    } else {
      inFlightTail = message.prev;
    }
    message.prev = message.next = null;
  }

  // ---- output ----

  void sendOk() {
    sendResponse(OK);
  }

  void sendResponse(byte[] data) {
    sendFrame(FRAME_TYPE_RESPONSE, data);
  }

  void sendError(String text) {
    sendFrame(FRAME_TYPE_ERROR, text.getBytes(StandardCharsets.ISO_8859_1));
  }

  void sendMessage(Message message) {
    if (!closed) {
      message.writeFrame(reserve(message.frameSize()));
    }
  }

  private void sendFrame(int type, byte[] data) {
    if (closed) {
      return;
    }
    ByteBuf buf = reserve(8 + data.length);
    buf.writeInt(4 + data.length);
    buf.writeInt(type);
    buf.writeBytes(data);
  }

  /** Room for {@code bytes} more in the output buffer; a full buffer goes to the socket first. */
  private ByteBuf reserve(int bytes) {
    ByteBuf buf = out;
    if (buf != null && buf.writableBytes() >= bytes) {
      return buf;
    }
    if (buf != null) {
      ctx.write(buf, ctx.voidPromise());
    }
    // An unbuffered client (output_buffer_size -1, size 1 here) still gets whole chunks: what
    // nsqd's unbuffered writer buys, no frame waiting, every frame already gets.
    int chunk = outputBufferSize > 1 ? outputBufferSize : Options.DEFAULT_BUFFER_SIZE;
    buf = out = ctx.alloc().ioBuffer(Math.max(bytes, chunk));
    if (!flushPending) {
      flushPending = true;
      nsqd.flushAtEndOfPass(this);
    }
    return buf;
  }

  /** Hands everything buffered to the socket. */
  void flush() {
    flushPending = false;
    ByteBuf buf = out;
    out = null;
    if (buf == null) {
      return;
    }
    if (!buf.isReadable()) {
      buf.release();
      return;
    }
    ctx.writeAndFlush(buf, ctx.voidPromise());
  }

  /** Flushes what is buffered (an error frame, typically) and closes the connection. */
  void close() {
    if (closed) {
      return;
    }
    flush();
    closed = true;
    ctx.close();
  }

  boolean isClosed() {
    return closed;
  }

  /** Called once the connection is gone: releases what it still holds. */
  void released() {
    closed = true;
    if (heartbeat != null) {
      heartbeat.cancel(false);
    }
    if (out != null) {
      out.release();
      out = null;
    }
  }

  // ---- liveness ----

  void readSomething() {
    lastReadNanos = System.nanoTime();
  }

  /**
   * (Re)starts the heartbeat ticker: a {@code _heartbeat_} every interval, and the connection
   * closed once the client has sent nothing for two intervals, as nsqd's read deadline does.
   */
  void startHeartbeats() {
    if (heartbeat != null) {
      heartbeat.cancel(false);
      heartbeat = null;
    }
    long interval = heartbeatIntervalNanos;
    if (interval <= 0 || closed) {
      return;
    }
    heartbeat =
        ctx.executor()
            .scheduleAtFixedRate(this::heartbeat, interval, interval, TimeUnit.NANOSECONDS);
  }

  private void heartbeat() {
    if (System.nanoTime() - lastReadNanos >= 2 * heartbeatIntervalNanos) {
      nsqd.log(System.Logger.Level.DEBUG, "client {0} missed two heartbeats: closing", this);
      close();
      return;
    }
    sendResponse(HEARTBEAT);
  }

  @Override
  public String toString() {
    return remoteAddress;
  }
}
