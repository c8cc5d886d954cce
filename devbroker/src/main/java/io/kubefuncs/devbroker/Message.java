package io.kubefuncs.devbroker;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * One message in one channel (or waiting in its topic). The body, id and timestamp are shared by
 * the copies a topic makes for its channels; attempts and the in-flight bookkeeping are each
 * channel's own. Only the broker's event loop touches it.
 */
final class Message {
  /** Frame size, type, timestamp, attempts and id: the bytes of a message frame before the body. */
  static final int FRAME_OVERHEAD = 4 + 4 + 8 + 2 + 16;

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  final long id;

  /** Publication time, nanoseconds since the epoch, as nsqd sends it. */
  final long timestamp;

  final byte[] body;

  /** DPUB's delay: the message waits this long in each channel it reaches before it is ready. */
  final long deferNanos;

  int attempts;

  /** The client holding it while in flight, null otherwise. */
  ClientV2 owner;

  /**
   * While in flight: when it times out; while deferred: when it becomes ready ({@link
   * System#nanoTime}).
   */
  long deadline;

  /** While in flight: when it was sent, which bounds how far TOUCH may push the deadline. */
  long deliveredAt;

  /** Neighbours in the owner's in-flight list, which is kept in deadline order. */
  Message prev;

  Message next;

  Message(long id, long timestamp, byte[] body, long deferNanos) {
    this.id = id;
    this.timestamp = timestamp;
    this.body = body;
    this.deferNanos = deferNanos;
  }

  /** A fresh copy for another channel: same id, body and timestamp; no attempts yet. */
  Message copy() {
    return new Message(id, timestamp, body, deferNanos);
  }

  int frameSize() {
    return FRAME_OVERHEAD + body.length;
  }

  /** Writes the whole message frame (frame type 2) as nsqd does. */
  void writeFrame(ByteBuf out) {
    out.writeInt(frameSize() - 4);
    out.writeInt(ClientV2.FRAME_TYPE_MESSAGE);
    out.writeLong(timestamp);
    out.writeShort(attempts);
    writeId(out, id);
    out.writeBytes(body);
  }

  /** nsqd's message id on the wire: the 8-byte id as 16 lowercase hex digits. */
  static void writeId(ByteBuf out, long id) {
    for (int shift = 60; shift >= 0; shift -= 4) {
      out.writeByte(HEX[(int) (id >>> shift) & 0xf]);
    }
  }

  /**
   * Reads an id as clients send it back. Returns -1, which no message ever has, for anything that
   * is not 16 lowercase hex digits: nsqd compares ids byte for byte, so such an id is simply not in
   * flight.
   */
  static long parseId(ByteBuf in, int from) {
    long id = 0;
    for (int i = from, end = from + 16; i < end; i++) {
      int c = in.getByte(i);
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else {
        return -1;
      }
      id = (id << 4) | digit;
    }
    return id < 0 ? -1 : id;
  }
}
