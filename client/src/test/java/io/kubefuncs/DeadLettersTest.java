package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.kubefuncs.proto.DeadLetter;
import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A dead letter fits its limit exactly at every body size, across the lengths where the body's
 * length prefix grows a byte (127/128, 16383/16384, 2097151/2097152), and keeps all it can.
 */
class DeadLettersTest {
  @Test
  void everyLetterFitsItsLimitAndKeepsAsMuchOfTheBodyAsFits() throws Exception {
    int[] limits = {300, 500, 16_600, 1 << 20, 3 << 20};
    for (int limit : limits) {
      for (int size : sizesAround(limit)) {
        byte[] body = new byte[size];
        Arrays.fill(body, (byte) 7);
        DeadLetter letter = DeadLetters.of("t", "c", "0123456789abcdef", 3, body, "why", limit);
        String at = "body of " + size + " bytes within " + limit;
        assertThat(letter.getSerializedSize()).as(at).isLessThanOrEqualTo(limit);
        assertThat(letter.getBodyLength()).as(at).isEqualTo(size);
        assertThat(letter.getBodySha256().toByteArray())
            .as(at)
            .isEqualTo(MessageDigest.getInstance("SHA-256").digest(body));
        if (letter.getBody().size() < size) {
          // Cut: one more byte would not have fitted.
          DeadLetter longer =
              letter.toBuilder()
                  .setBody(ByteString.copyFrom(body, 0, letter.getBody().size() + 1))
                  .build();
          assertThat(longer.getSerializedSize()).as(at).isGreaterThan(limit);
        }
      }
    }
  }

  @Test
  void aLongReasonIsCutSoThatTheBodyKeepsItsRoom() {
    String reason = "x".repeat(100_000);
    DeadLetter letter =
        DeadLetters.of("t", "c", "0123456789abcdef", 1, new byte[10_000], reason, 1 << 20);
    assertThat(letter.getReason()).hasSize(DeadLetters.MAX_REASON_CHARS + 3).endsWith("...");
    assertThat(letter.getBody().size()).isEqualTo(10_000);
  }

  private static int[] sizesAround(int limit) {
    return new int[] {
      0,
      1,
      127,
      128,
      129,
      16_383,
      16_384,
      16_385,
      limit - 200,
      limit - 100,
      limit - 1,
      limit,
      limit + 1,
      2_097_151,
      2_097_152,
      4 << 20
    };
  }
}
