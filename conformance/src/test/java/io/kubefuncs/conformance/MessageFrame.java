package io.kubefuncs.conformance;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The data of a message frame: {@code [timestamp int64 ns][attempts uint16][id 16 bytes][body]}.
 * The id is kept as text because that is how it travels back in FIN, REQ and TOUCH.
 */
record MessageFrame(long timestampNanos, int attempts, String id, byte[] body) {
  private static final int HEADER_SIZE = 8 + 2 + 16;

  static MessageFrame decode(byte[] data) {
    if (data.length < HEADER_SIZE) {
      throw new AssertionError(
          "a message frame holds at least "
              + HEADER_SIZE
              + " bytes (timestamp, attempts, id), this one "
              + data.length);
    }
    ByteBuffer buffer = ByteBuffer.wrap(data);
    long timestamp = buffer.getLong();
    int attempts = Short.toUnsignedInt(buffer.getShort());
    String id = new String(data, 10, 16, StandardCharsets.US_ASCII);
    return new MessageFrame(
        timestamp, attempts, id, Arrays.copyOfRange(data, HEADER_SIZE, data.length));
  }

  String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "[id="
        + id
        + ", attempts="
        + attempts
        + ", timestamp="
        + timestampNanos
        + ", body=\""
        + bodyText()
        + "\"]";
  }
}
