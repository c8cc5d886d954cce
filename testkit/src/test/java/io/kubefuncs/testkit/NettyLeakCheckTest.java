package io.kubefuncs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NettyLeakCheckTest {
  @Test
  void aBufferNobodyReleasedIsReportedWithItsLastAccess() {
    NettyLeakCheck.leaksSinceLastCheck();
    leakOne();
    // The collector decides when the buffer is found unreachable: a few rounds at most.
    List<String> leaks = new ArrayList<>();
    for (int round = 0; round < 20 && leaks.isEmpty(); round++) {
      leaks.addAll(NettyLeakCheck.leaksSinceLastCheck());
    }
    assertThat(leaks).singleElement().asString().startsWith("LEAK: ByteBuf").contains("leakOne");
  }

  @Test
  void aReleasedBufferIsNoLeak() {
    ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer(16);
    buf.writeInt(42);
    buf.release();
    assertThat(NettyLeakCheck.leaksSinceLastCheck()).isEmpty();
  }

  private static void leakOne() {
    ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer(16);
    buf.writeInt(42);
  }
}
