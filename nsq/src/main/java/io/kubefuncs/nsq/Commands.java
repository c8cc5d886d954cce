package io.kubefuncs.nsq;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes protocol V2 commands straight into pooled buffers: one allocation per command, no
 * intermediate strings for the hot ones (PUB, MPUB, FIN, RDY).
 */
final class Commands {
  static final byte[] MAGIC_V2 = {' ', ' ', 'V', '2'};

  private static final byte NL = '\n';
  private static final byte SP = ' ';

  private Commands() {}

  static ByteBuf magic(ByteBufAllocator alloc) {
    return alloc.buffer(4).writeBytes(MAGIC_V2);
  }

  static ByteBuf identify(ByteBufAllocator alloc, byte[] json) {
    return withBody(alloc, "IDENTIFY", json);
  }

  static ByteBuf auth(ByteBufAllocator alloc, String secret) {
    return withBody(alloc, "AUTH", secret.getBytes(StandardCharsets.UTF_8));
  }

  static ByteBuf sub(ByteBufAllocator alloc, String topic, String channel) {
    ByteBuf buf = alloc.buffer(6 + topic.length() + channel.length());
    buf.writeCharSequence("SUB ", StandardCharsets.US_ASCII);
    buf.writeCharSequence(topic, StandardCharsets.US_ASCII);
    buf.writeByte(SP);
    buf.writeCharSequence(channel, StandardCharsets.US_ASCII);
    return buf.writeByte(NL);
  }

  static ByteBuf pub(ByteBufAllocator alloc, String topic, byte[] body) {
    ByteBuf buf = alloc.buffer(9 + topic.length() + body.length);
    buf.writeCharSequence("PUB ", StandardCharsets.US_ASCII);
    buf.writeCharSequence(topic, StandardCharsets.US_ASCII);
    buf.writeByte(NL);
    buf.writeInt(body.length);
    return buf.writeBytes(body);
  }

  static ByteBuf dpub(ByteBufAllocator alloc, String topic, long deferMillis, byte[] body) {
    ByteBuf buf = alloc.buffer(30 + topic.length() + body.length);
    buf.writeCharSequence("DPUB ", StandardCharsets.US_ASCII);
    buf.writeCharSequence(topic, StandardCharsets.US_ASCII);
    buf.writeByte(SP);
    writeDecimal(buf, deferMillis);
    buf.writeByte(NL);
    buf.writeInt(body.length);
    return buf.writeBytes(body);
  }

  /** MPUB of {@code bodies}, whose sizes add up to {@code totalBodyBytes}. */
  static ByteBuf mpub(
      ByteBufAllocator alloc, String topic, List<byte[]> bodies, int totalBodyBytes) {
    int payload = 4 + 4 * bodies.size() + totalBodyBytes;
    ByteBuf buf = alloc.buffer(10 + topic.length() + payload);
    buf.writeCharSequence("MPUB ", StandardCharsets.US_ASCII);
    buf.writeCharSequence(topic, StandardCharsets.US_ASCII);
    buf.writeByte(NL);
    buf.writeInt(payload);
    buf.writeInt(bodies.size());
    for (byte[] body : bodies) {
      buf.writeInt(body.length);
      buf.writeBytes(body);
    }
    return buf;
  }

  static ByteBuf rdy(ByteBufAllocator alloc, int count) {
    ByteBuf buf = alloc.buffer(16);
    buf.writeCharSequence("RDY ", StandardCharsets.US_ASCII);
    writeDecimal(buf, count);
    return buf.writeByte(NL);
  }

  static ByteBuf fin(ByteBufAllocator alloc, byte[] id) {
    return withId(alloc, "FIN ", id, 1).writeByte(NL);
  }

  static ByteBuf touch(ByteBufAllocator alloc, byte[] id) {
    return withId(alloc, "TOUCH ", id, 1).writeByte(NL);
  }

  static ByteBuf req(ByteBufAllocator alloc, byte[] id, long delayMillis) {
    ByteBuf buf = withId(alloc, "REQ ", id, 21);
    buf.writeByte(SP);
    writeDecimal(buf, delayMillis);
    return buf.writeByte(NL);
  }

  static ByteBuf nop(ByteBufAllocator alloc) {
    return simple(alloc, "NOP\n");
  }

  static ByteBuf cls(ByteBufAllocator alloc) {
    return simple(alloc, "CLS\n");
  }

  private static ByteBuf simple(ByteBufAllocator alloc, String line) {
    ByteBuf buf = alloc.buffer(line.length());
    buf.writeCharSequence(line, StandardCharsets.US_ASCII);
    return buf;
  }

  /** {@code verb} and the message id, with room for {@code rest} more bytes. */
  private static ByteBuf withId(ByteBufAllocator alloc, String verb, byte[] id, int rest) {
    ByteBuf buf = alloc.buffer(verb.length() + Frames.MESSAGE_ID_SIZE + rest);
    buf.writeCharSequence(verb, StandardCharsets.US_ASCII);
    return buf.writeBytes(id);
  }

  private static ByteBuf withBody(ByteBufAllocator alloc, String verb, byte[] body) {
    ByteBuf buf = alloc.buffer(verb.length() + 5 + body.length);
    buf.writeCharSequence(verb, StandardCharsets.US_ASCII);
    buf.writeByte(NL);
    buf.writeInt(body.length);
    return buf.writeBytes(body);
  }

  private static void writeDecimal(ByteBuf buf, long value) {
    buf.writeCharSequence(Long.toString(value), StandardCharsets.US_ASCII);
  }
}
