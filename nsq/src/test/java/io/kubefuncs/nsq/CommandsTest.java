package io.kubefuncs.nsq;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Byte layouts from the NSQ TCP protocol spec. */
class CommandsTest {
  private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
  private final byte[] id = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  @Test
  void pubIsVerbTopicNewlineSizeBody() {
    assertThat(bytes(Commands.pub(alloc, "t", new byte[] {1, 2})))
        .isEqualTo(concat("PUB t\n", new byte[] {0, 0, 0, 2, 1, 2}));
  }

  @Test
  void mpubCarriesBodySizeCountAndEachMessageSized() {
    ByteBuf cmd = Commands.mpub(alloc, "t", List.of(new byte[] {7}, new byte[] {8, 9}), 3);
    assertThat(bytes(cmd))
        .isEqualTo(
            concat(
                "MPUB t\n", new byte[] {0, 0, 0, 15, 0, 0, 0, 2, 0, 0, 0, 1, 7, 0, 0, 0, 2, 8, 9}));
  }

  @Test
  void lineCommands() {
    assertThat(text(Commands.dpub(alloc, "t", 1500, new byte[0])))
        .isEqualTo("DPUB t 1500\n\0\0\0\0");
    assertThat(text(Commands.sub(alloc, "t", "c#ephemeral"))).isEqualTo("SUB t c#ephemeral\n");
    assertThat(text(Commands.rdy(alloc, 2500))).isEqualTo("RDY 2500\n");
    assertThat(text(Commands.fin(alloc, id))).isEqualTo("FIN 0123456789abcdef\n");
    assertThat(text(Commands.req(alloc, id, 30000))).isEqualTo("REQ 0123456789abcdef 30000\n");
    assertThat(text(Commands.touch(alloc, id))).isEqualTo("TOUCH 0123456789abcdef\n");
    assertThat(text(Commands.nop(alloc))).isEqualTo("NOP\n");
    assertThat(text(Commands.cls(alloc))).isEqualTo("CLS\n");
    assertThat(text(Commands.magic(alloc))).isEqualTo("  V2");
  }

  @Test
  void identifyAndAuthCarrySizedBodies() {
    assertThat(bytes(Commands.identify(alloc, "{}".getBytes(StandardCharsets.UTF_8))))
        .isEqualTo(concat("IDENTIFY\n", new byte[] {0, 0, 0, 2, '{', '}'}));
    assertThat(bytes(Commands.auth(alloc, "s3")))
        .isEqualTo(concat("AUTH\n", new byte[] {0, 0, 0, 2, 's', '3'}));
  }

  private static byte[] bytes(ByteBuf buf) {
    try {
      return ByteBufUtil.getBytes(buf);
    } finally {
      buf.release();
    }
  }

  private static String text(ByteBuf buf) {
    return new String(bytes(buf), StandardCharsets.ISO_8859_1);
  }

  private static byte[] concat(String head, byte[] tail) {
    return ByteBufUtil.getBytes(
        Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), tail));
  }
}
