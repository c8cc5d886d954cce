package io.kubefuncs;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnsafeByteOperations;
import io.kubefuncs.proto.DeadLetter;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Dead letters nsqd accepts whatever the message: a letter larger than nsqd's max message size
 * would be refused, and the message would be redelivered instead of given up on, forever.
 */
final class DeadLetters {
  /** Reasons quoting their input (a parser's message) are cut: the body carries the input. */
  static final int MAX_REASON_CHARS = 1024;

  private DeadLetters() {}

  /**
   * The letter for a message, at most {@code maxBytes} encoded: everything but the body whole, the
   * reason cut to {@link #MAX_REASON_CHARS}, and as much of the body as then fits.
   */
  static DeadLetter of(
      String topic,
      String channel,
      String messageId,
      int attempts,
      byte[] body,
      String reason,
      int maxBytes) {
    DeadLetter.Builder letter =
        DeadLetter.newBuilder()
            .setReason(
                reason.length() > MAX_REASON_CHARS
                    ? reason.substring(0, MAX_REASON_CHARS) + "..."
                    : reason)
            .setTopic(topic)
            .setChannel(channel)
            .setAttempts(attempts)
            .setMessageId(messageId)
            .setBodyLength(body.length)
            .setBodySha256(UnsafeByteOperations.unsafeWrap(sha256(body)));
    // The body field costs a tag byte and a length varint besides its bytes.
    int room = maxBytes - letter.build().getSerializedSize() - 1;
    int kept =
        Math.min(body.length, room - CodedOutputStream.computeUInt32SizeNoTag(Math.max(room, 0)));
    if (kept > 0) {
      // The message's body array is never written to: no need to copy up to a MiB of it.
      letter.setBody(UnsafeByteOperations.unsafeWrap(body, 0, kept));
    }
    return letter.build();
  }

  private static byte[] sha256(byte[] body) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(body);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
