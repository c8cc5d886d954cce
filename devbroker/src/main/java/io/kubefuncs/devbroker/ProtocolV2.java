package io.kubefuncs.devbroker;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * nsqd's TCP protocol V2 on one connection: reads the magic, then commands, and runs each as nsqd's
 * protocol_v2.go does, with its checks in its order, its error codes and texts, and its choice of
 * which errors close the connection. Commands are parsed in place in the read buffer; the hot ones
 * (PUB, MPUB, RDY, FIN) allocate nothing but the message itself.
 *
 * <p>A command whose body has not fully arrived waits for more bytes. If the client shuts its side
 * down mid-command, the error nsqd would send for the short read is sent before closing.
 */
final class ProtocolV2 extends ByteToMessageDecoder {
  private static final byte[] MAGIC = {' ', ' ', 'V', '2'};

  /** nsqd reads lines with a bufio.Reader of this size; a longer line ends the connection. */
  private static final int MAX_LINE = Options.DEFAULT_BUFFER_SIZE;

  private static final int MAX_TOKENS = 4;
  private static final byte[] CLOSE_WAIT = "CLOSE_WAIT".getBytes(StandardCharsets.US_ASCII);

  private static final byte[] FIN = bytes("FIN");
  private static final byte[] RDY = bytes("RDY");
  private static final byte[] REQ = bytes("REQ");
  private static final byte[] PUB = bytes("PUB");
  private static final byte[] NOP = bytes("NOP");
  private static final byte[] SUB = bytes("SUB");
  private static final byte[] CLS = bytes("CLS");
  private static final byte[] MPUB = bytes("MPUB");
  private static final byte[] DPUB = bytes("DPUB");
  private static final byte[] AUTH = bytes("AUTH");
  private static final byte[] TOUCH = bytes("TOUCH");
  private static final byte[] IDENTIFY = bytes("IDENTIFY");

  private final Nsqd nsqd;
  private final Options options;
  private ClientV2 client;
  private boolean magicRead;
  private boolean done;

  // The command line being run: where its first tokens are in the read buffer, and how many
  // tokens it has in all (nsqd splits on every single space, so empty tokens count).
  private final int[] tokenFrom = new int[MAX_TOKENS];
  private final int[] tokenTo = new int[MAX_TOKENS];
  private int tokenCount;

  // How far an MPUB that is still arriving has been checked, relative to its first byte, so that
  // a large MPUB is scanned once however many reads it takes.
  private boolean mpubScanning;
  private int mpubScanned;
  private int mpubScanOffset;

  ProtocolV2(Nsqd nsqd) {
    this.nsqd = nsqd;
    this.options = nsqd.options;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    client = nsqd.connected(ctx);
    nsqd.log(System.Logger.Level.DEBUG, "TCP: new client({0})", client);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    client.startHeartbeats();
    super.channelActive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    client.readSomething();
    super.channelRead(ctx, msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    super.channelInactive(ctx);
    nsqd.disconnected(client);
    nsqd.log(System.Logger.Level.DEBUG, "PROTOCOL(V2): [{0}] exiting ioloop", client);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    super.userEventTriggered(ctx, event);
    if (event instanceof ChannelInputShutdownEvent) {
      // The client is done sending: like nsqd at EOF, finish what can be finished and close.
      done = true;
      client.close();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    // A client that does not read its answers stops being read, rather than growing our buffers.
    ctx.channel().config().setAutoRead(ctx.channel().isWritable());
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) {
      nsqd.log(System.Logger.Level.DEBUG, "client({0}) - {1}", client, cause.getMessage());
    } else {
      nsqd.log(
          System.Logger.Level.WARNING,
          "client({0}) closed after an internal error: {1}",
          client,
          cause.toString());
    }
    done = true;
    client.close();
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    process(in, false);
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    process(in, true);
  }

  /** Runs every complete command in {@code in}; {@code eof} when no more bytes will come. */
  private void process(ByteBuf in, boolean eof) {
    if (done || client.isClosed()) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (!magicRead) {
      if (in.readableBytes() < MAGIC.length) {
        return;
      }
      for (int i = 0; i < MAGIC.length; i++) {
        if (in.getByte(in.readerIndex() + i) != MAGIC[i]) {
          nsqd.log(System.Logger.Level.DEBUG, "client({0}) bad protocol magic", client);
          client.sendError("E_BAD_PROTOCOL");
          stop(in);
          return;
        }
      }
      in.skipBytes(MAGIC.length);
      magicRead = true;
    }
    while (in.isReadable() && !done && !client.isClosed()) {
      int start = in.readerIndex();
      int lineEnd = in.indexOf(start, Math.min(in.writerIndex(), start + MAX_LINE), (byte) '\n');
      if (lineEnd < 0) {
        if (in.readableBytes() >= MAX_LINE) {
          nsqd.log(
              System.Logger.Level.DEBUG,
              "client({0}) - failed to read command - line too long",
              client);
          stop(in);
        }
        return;
      }
      try {
        if (!execute(in, start, lineEnd, eof)) {
          return;
        }
      } catch (ProtocolError e) {
        nsqd.log(System.Logger.Level.DEBUG, "[{0}] - {1}", client, e.frameText());
        client.sendError(e.frameText());
        if (e.fatal) {
          stop(in);
          return;
        }
        // Only line-only commands fail without closing, and they consumed their line first.
      }
    }
  }

  private void stop(ByteBuf in) {
    done = true;
    in.skipBytes(in.readableBytes());
    client.close();
  }

  /** Runs the command whose line ends at {@code lineEnd}; false if it needs more bytes. */
  private boolean execute(ByteBuf in, int start, int lineEnd, boolean eof) {
    int end = lineEnd > start && in.getByte(lineEnd - 1) == '\r' ? lineEnd - 1 : lineEnd;
    tokenize(in, start, end);
    int bodyStart = lineEnd + 1;
    if (is(in, IDENTIFY)) {
      return identify(in, bodyStart, eof);
    }
    if (is(in, PUB)) {
      return pub(in, bodyStart, eof);
    }
    if (is(in, MPUB)) {
      return mpub(in, start, bodyStart, eof);
    }
    if (is(in, DPUB)) {
      return dpub(in, bodyStart, eof);
    }
    if (is(in, AUTH)) {
      return auth(in, bodyStart, eof);
    }
    in.readerIndex(bodyStart);
    if (is(in, FIN)) {
      fin(in);
    } else if (is(in, RDY)) {
      rdy(in);
    } else if (is(in, REQ)) {
      req(in);
    } else if (is(in, NOP)) {
      // nothing to do, nothing to answer
    } else if (is(in, TOUCH)) {
      touch(in);
    } else if (is(in, SUB)) {
      sub(in);
    } else if (is(in, CLS)) {
      cls();
    } else {
      throw ProtocolError.fatal("E_INVALID", "invalid command " + token(in, 0));
    }
    return true;
  }

  // ---- commands with a body ----

  private boolean identify(ByteBuf in, int bodyStart, boolean eof) {
    if (client.state != ClientV2.STATE_INIT) {
      throw ProtocolError.fatal("E_INVALID", "cannot IDENTIFY in current state");
    }
    if (!available(in, bodyStart, 4)) {
      return needMore(eof, "E_BAD_BODY", "IDENTIFY failed to read body size");
    }
    int size = in.getInt(bodyStart);
    if (size > options.maxBodySize()) {
      throw ProtocolError.fatal(
          "E_BAD_BODY", "IDENTIFY body too big " + size + " > " + options.maxBodySize());
    }
    if (size <= 0) {
      throw ProtocolError.fatal("E_BAD_BODY", "IDENTIFY invalid body size " + size);
    }
    if (!available(in, bodyStart + 4, size)) {
      return needMore(eof, "E_BAD_BODY", "IDENTIFY failed to read body");
    }
    byte[] body = new byte[size];
    in.getBytes(bodyStart + 4, body);
    in.readerIndex(bodyStart + 4 + size);
    IdentifyData data;
    try {
      data = IdentifyData.parse(body);
    } catch (GoJson.InvalidBody e) {
      throw ProtocolError.fatal("E_BAD_BODY", "IDENTIFY failed to decode JSON body");
    }
    client.identify(data);
    nsqd.log(System.Logger.Level.DEBUG, "[{0}] IDENTIFY: {1}", client, data);
    if (!data.featureNegotiation()) {
      client.sendOk();
      return true;
    }
    // TLS, snappy and deflate are declined, as by an nsqd that has them turned off.
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("max_rdy_count", Options.MAX_RDY_COUNT);
    response.put("version", Options.VERSION);
    response.put("max_msg_timeout", Options.MAX_MSG_TIMEOUT_NANOS / 1_000_000);
    response.put("msg_timeout", client.msgTimeoutNanos / 1_000_000);
    response.put("tls_v1", false);
    response.put("deflate", false);
    response.put("deflate_level", Options.MAX_DEFLATE_LEVEL);
    response.put("max_deflate_level", Options.MAX_DEFLATE_LEVEL);
    response.put("snappy", false);
    response.put("sample_rate", client.sampleRate);
    response.put("auth_required", false);
    response.put("output_buffer_size", client.outputBufferSize);
    response.put("output_buffer_timeout", client.outputBufferTimeoutNanos / 1_000_000);
    client.sendResponse(Json.bytes(response));
    return true;
  }

  private boolean auth(ByteBuf in, int bodyStart, boolean eof) {
    if (client.state != ClientV2.STATE_INIT) {
      throw ProtocolError.fatal("E_INVALID", "cannot AUTH in current state");
    }
    if (tokenCount != 1) {
      throw ProtocolError.fatal("E_INVALID", "AUTH invalid number of parameters");
    }
    if (!available(in, bodyStart, 4)) {
      return needMore(eof, "E_BAD_BODY", "AUTH failed to read body size");
    }
    int size = in.getInt(bodyStart);
    if (size > options.maxBodySize()) {
      throw ProtocolError.fatal(
          "E_BAD_BODY", "AUTH body too big " + size + " > " + options.maxBodySize());
    }
    if (size <= 0) {
      throw ProtocolError.fatal("E_BAD_BODY", "AUTH invalid body size " + size);
    }
    if (!available(in, bodyStart + 4, size)) {
      return needMore(eof, "E_BAD_BODY", "AUTH failed to read body");
    }
    in.readerIndex(bodyStart + 4 + size);
    // There is no auth server: nsqd without --auth-http-address answers this.
    throw ProtocolError.fatal("E_AUTH_DISABLED", "AUTH disabled");
  }

  private boolean pub(ByteBuf in, int bodyStart, boolean eof) {
    if (tokenCount < 2) {
      throw ProtocolError.fatal("E_INVALID", "PUB insufficient number of parameters");
    }
    checkTopicName(in, "PUB topic name ");
    byte[] body = readMessageBody(in, bodyStart, eof, "PUB");
    if (body == null) {
      return false;
    }
    Topic topic = topicOf(in);
    if (!topic.hasRoomFor(1)) {
      throw ProtocolError.fatal("E_PUB_FAILED", "PUB failed " + full(topic));
    }
    topic.put(nsqd.newMessage(body, 0));
    client.published(topic, 1);
    client.sendOk();
    return true;
  }

  private boolean dpub(ByteBuf in, int bodyStart, boolean eof) {
    if (tokenCount < 3) {
      throw ProtocolError.fatal("E_INVALID", "DPUB insufficient number of parameters");
    }
    checkTopicName(in, "DPUB topic name ");
    if (!isBase10(in, 2)) {
      throw ProtocolError.fatal("E_INVALID", "DPUB could not parse timeout " + token(in, 2));
    }
    long millis = base10(in, 2);
    long delay = millis * 1_000_000; // wraps as Go's time.Duration product does
    if (delay < 0 || delay > Options.MAX_REQ_TIMEOUT_NANOS) {
      throw ProtocolError.fatal(
          "E_INVALID",
          "DPUB timeout "
              + Long.toUnsignedString(millis)
              + " out of range 0-"
              + Options.MAX_REQ_TIMEOUT_NANOS / 1_000_000);
    }
    byte[] body = readMessageBody(in, bodyStart, eof, "DPUB");
    if (body == null) {
      return false;
    }
    Topic topic = topicOf(in);
    if (!topic.hasRoomFor(1)) {
      throw ProtocolError.fatal("E_DPUB_FAILED", "DPUB failed " + full(topic));
    }
    topic.put(nsqd.newMessage(body, delay));
    client.published(topic, 1);
    client.sendOk();
    return true;
  }

  /** PUB's and DPUB's size and body; null while it has not all arrived. */
  private byte[] readMessageBody(ByteBuf in, int bodyStart, boolean eof, String command) {
    if (!available(in, bodyStart, 4)) {
      needMore(eof, "E_BAD_MESSAGE", command + " failed to read message body size");
      return null;
    }
    int size = in.getInt(bodyStart);
    if (size <= 0) {
      throw ProtocolError.fatal("E_BAD_MESSAGE", command + " invalid message body size " + size);
    }
    if (size > options.maxMsgSize()) {
      throw ProtocolError.fatal(
          "E_BAD_MESSAGE", command + " message too big " + size + " > " + options.maxMsgSize());
    }
    if (!available(in, bodyStart + 4, size)) {
      needMore(eof, "E_BAD_MESSAGE", command + " failed to read message body");
      return null;
    }
    byte[] body = new byte[size];
    in.getBytes(bodyStart + 4, body);
    in.readerIndex(bodyStart + 4 + size);
    return body;
  }

  /**
   * MPUB, read the way nsqd reads it: the body size is only checked against the limits, then the
   * count and the messages are read one after the other from the stream.
   */
  private boolean mpub(ByteBuf in, int start, int bodyStart, boolean eof) {
    if (tokenCount < 2) {
      throw ProtocolError.fatal("E_INVALID", "MPUB insufficient number of parameters");
    }
    // nsqd's own text repeats the code here.
    checkTopicName(in, "E_BAD_TOPIC MPUB topic name ");
    Topic topic = topicOf(in); // nsqd creates the topic before it reads the body, too
    if (!available(in, bodyStart, 4)) {
      return needMore(eof, "E_BAD_BODY", "MPUB failed to read body size");
    }
    int bodySize = in.getInt(bodyStart);
    if (bodySize <= 0) {
      throw ProtocolError.fatal("E_BAD_BODY", "MPUB invalid body size " + bodySize);
    }
    if (bodySize > options.maxBodySize()) {
      throw ProtocolError.fatal(
          "E_BAD_BODY", "MPUB body too big " + bodySize + " > " + options.maxBodySize());
    }
    int countAt = bodyStart + 4;
    if (!available(in, countAt, 4)) {
      return needMore(eof, "E_BAD_BODY", "MPUB failed to read message count");
    }
    int count = in.getInt(countAt);
    if (count <= 0 || count > (options.maxBodySize() - 4) / 5) {
      throw ProtocolError.fatal("E_BAD_BODY", "MPUB invalid message count " + count);
    }
    int index = mpubScanning ? mpubScanned : 0;
    int at = mpubScanning ? start + mpubScanOffset : countAt + 4;
    mpubScanning = false;
    for (; index < count; index++) {
      if (!available(in, at, 4)) {
        rememberScan(start, index, at);
        return needMore(
            eof, "E_BAD_MESSAGE", "MPUB failed to read message(" + index + ") body size");
      }
      int size = in.getInt(at);
      if (size <= 0) {
        throw ProtocolError.fatal(
            "E_BAD_MESSAGE", "MPUB invalid message(" + index + ") body size " + size);
      }
      if (size > options.maxMsgSize()) {
        throw ProtocolError.fatal(
            "E_BAD_MESSAGE", "MPUB message too big " + size + " > " + options.maxMsgSize());
      }
      if (!available(in, at + 4, size)) {
        rememberScan(start, index, at);
        return needMore(eof, "E_BAD_MESSAGE", "MPUB failed to read message body");
      }
      at += 4 + size;
    }
    if (!topic.hasRoomFor(count)) {
      throw ProtocolError.fatal("E_MPUB_FAILED", "MPUB failed " + full(topic));
    }
    at = countAt + 4;
    for (int i = 0; i < count; i++) {
      int size = in.getInt(at);
      byte[] body = new byte[size];
      in.getBytes(at + 4, body);
      topic.put(nsqd.newMessage(body, 0));
      at += 4 + size;
    }
    in.readerIndex(at);
    client.published(topic, count);
    client.sendOk();
    return true;
  }

  private void rememberScan(int start, int index, int at) {
    mpubScanning = true;
    mpubScanned = index;
    mpubScanOffset = at - start;
  }

  private String full(Topic topic) {
    return "topic "
        + topic.name
        + " is full: the dev broker holds at most "
        + options.memQueueSize()
        + " messages per topic and channel (mem-queue-size) and has no disk queue";
  }

  // ---- line-only commands ----

  private void sub(ByteBuf in) {
    if (client.state != ClientV2.STATE_INIT) {
      throw ProtocolError.fatal("E_INVALID", "cannot SUB in current state");
    }
    if (client.heartbeatIntervalNanos <= 0) {
      throw ProtocolError.fatal("E_INVALID", "cannot SUB with heartbeats disabled");
    }
    if (tokenCount < 3) {
      throw ProtocolError.fatal("E_INVALID", "SUB insufficient number of parameters");
    }
    String topicName = token(in, 1);
    if (!Names.isValid(topicName)) {
      throw ProtocolError.fatal(
          "E_BAD_TOPIC", "SUB topic name " + GoText.quote(topicName) + " is not valid");
    }
    String channelName = token(in, 2);
    if (!Names.isValid(channelName)) {
      throw ProtocolError.fatal(
          "E_BAD_CHANNEL", "SUB channel name " + GoText.quote(channelName) + " is not valid");
    }
    NsqChannel channel = nsqd.topic(topicName).channel(channelName);
    channel.addClient(client);
    client.state = ClientV2.STATE_SUBSCRIBED;
    client.channel = channel;
    client.sendOk();
  }

  private void rdy(ByteBuf in) {
    if (client.state == ClientV2.STATE_CLOSING) {
      return; // nsqd ignores RDY after CLS
    }
    if (client.state != ClientV2.STATE_SUBSCRIBED) {
      throw ProtocolError.fatal("E_INVALID", "cannot RDY in current state");
    }
    long count = 1;
    if (tokenCount > 1) {
      if (!isBase10(in, 1)) {
        throw ProtocolError.fatal("E_INVALID", "RDY could not parse count " + token(in, 1));
      }
      count = base10(in, 1);
    }
    if (count < 0 || count > Options.MAX_RDY_COUNT) {
      // Fatal, as in nsqd: otherwise client and server would disagree about RDY.
      throw ProtocolError.fatal(
          "E_INVALID", "RDY count " + count + " out of range 0-" + Options.MAX_RDY_COUNT);
    }
    client.channel.setReady(client, count);
  }

  private void fin(ByteBuf in) {
    checkAnswerState("FIN");
    if (tokenCount < 2) {
      throw ProtocolError.fatal("E_INVALID", "FIN insufficient number of params");
    }
    long id = messageId(in);
    String failure = client.channel.finish(client, id);
    if (failure != null) {
      throw ProtocolError.nonFatal("E_FIN_FAILED", "FIN " + token(in, 1) + " failed " + failure);
    }
  }

  private void req(ByteBuf in) {
    checkAnswerState("REQ");
    if (tokenCount < 3) {
      throw ProtocolError.fatal("E_INVALID", "REQ insufficient number of params");
    }
    long id = messageId(in);
    if (!isBase10(in, 2)) {
      throw ProtocolError.fatal("E_INVALID", "REQ could not parse timeout " + token(in, 2));
    }
    long delay = base10(in, 2) * 1_000_000; // wraps as Go's time.Duration product does
    // nsqd clamps REQ's timeout into range rather than refusing it.
    delay = Math.max(0, Math.min(delay, Options.MAX_REQ_TIMEOUT_NANOS));
    String failure = client.channel.requeue(client, id, delay);
    if (failure != null) {
      throw ProtocolError.nonFatal("E_REQ_FAILED", "REQ " + token(in, 1) + " failed " + failure);
    }
  }

  private void touch(ByteBuf in) {
    checkAnswerState("TOUCH");
    if (tokenCount < 2) {
      throw ProtocolError.fatal("E_INVALID", "TOUCH insufficient number of params");
    }
    long id = messageId(in);
    String failure = client.channel.touch(client, id);
    if (failure != null) {
      throw ProtocolError.nonFatal(
          "E_TOUCH_FAILED", "TOUCH " + token(in, 1) + " failed " + failure);
    }
  }

  private void cls() {
    if (client.state != ClientV2.STATE_SUBSCRIBED) {
      throw ProtocolError.fatal("E_INVALID", "cannot CLS in current state");
    }
    // As nsqd: no more messages; the client closes once its in-flight messages are answered.
    client.channel.setReady(client, 0);
    client.state = ClientV2.STATE_CLOSING;
    client.sendResponse(CLOSE_WAIT);
  }

  private void checkAnswerState(String command) {
    if (client.state != ClientV2.STATE_SUBSCRIBED && client.state != ClientV2.STATE_CLOSING) {
      throw ProtocolError.fatal("E_INVALID", "cannot " + command + " in current state");
    }
  }

  // ---- parsing ----

  /** Splits the line on every space, as Go's bytes.Split does. */
  private void tokenize(ByteBuf in, int start, int end) {
    tokenCount = 0;
    int from = start;
    for (int i = start; i <= end; i++) {
      if (i == end || in.getByte(i) == ' ') {
        if (tokenCount < MAX_TOKENS) {
          tokenFrom[tokenCount] = from;
          tokenTo[tokenCount] = i;
        }
        tokenCount++;
        from = i + 1;
      }
    }
  }

  private boolean is(ByteBuf in, byte[] command) {
    int from = tokenFrom[0];
    if (tokenTo[0] - from != command.length) {
      return false;
    }
    for (int i = 0; i < command.length; i++) {
      if (in.getByte(from + i) != command[i]) {
        return false;
      }
    }
    return true;
  }

  /** A token as a string of one char per byte, so that it goes back to the client unchanged. */
  private String token(ByteBuf in, int index) {
    return in.toString(
        tokenFrom[index], tokenTo[index] - tokenFrom[index], StandardCharsets.ISO_8859_1);
  }

  private void checkTopicName(ByteBuf in, String errorPrefix) {
    if (!Names.isValid(in, tokenFrom[1], tokenTo[1])) {
      throw ProtocolError.fatal(
          "E_BAD_TOPIC", errorPrefix + GoText.quote(token(in, 1)) + " is not valid");
    }
  }

  /** The topic named by token 1, reusing the client's last one when it is the same. */
  private Topic topicOf(ByteBuf in) {
    Topic last = client.lastPubTopic();
    if (last != null && !last.deleted && sameText(in, 1, last.name)) {
      return last;
    }
    return nsqd.topic(token(in, 1));
  }

  private boolean sameText(ByteBuf in, int index, String text) {
    int from = tokenFrom[index];
    if (tokenTo[index] - from != text.length()) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      if (in.getByte(from + i) != text.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private long messageId(ByteBuf in) {
    if (tokenTo[1] - tokenFrom[1] != 16) {
      throw ProtocolError.fatal("E_INVALID", "invalid message ID");
    }
    return Message.parseId(in, tokenFrom[1]);
  }

  /** Whether a token is all digits (an empty one counts, as for nsqd's ByteToBase10). */
  private boolean isBase10(ByteBuf in, int index) {
    for (int i = tokenFrom[index]; i < tokenTo[index]; i++) {
      byte c = in.getByte(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** nsqd's ByteToBase10: a uint64 that silently wraps, returned with the same 64 bits. */
  private long base10(ByteBuf in, int index) {
    long n = 0;
    for (int i = tokenFrom[index]; i < tokenTo[index]; i++) {
      n = n * 10 + (in.getByte(i) - '0');
    }
    return n;
  }

  private static boolean available(ByteBuf in, int from, int length) {
    return (long) in.writerIndex() - from >= length;
  }

  /** False (wait for more bytes), or, when no more will come, nsqd's error for the short read. */
  private static boolean needMore(boolean eof, String code, String failure) {
    if (eof) {
      throw ProtocolError.fatal(code, failure);
    }
    return false;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
