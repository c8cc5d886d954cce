package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica's health port is picked before the replica starts and listened on a second later: it
 * must not be one that the kernel hands to this process's own port-0 binds meanwhile.
 */
class ChildPortsTest {
  private static final Path KERNEL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

  @TempDir Path dir;

  @Test
  void givesPortsBelowTheKernelsEphemeralRange() throws IOException {
    Path range = Files.writeString(dir.resolve("range"), "32768\t60999\n");
    ChildPorts ports = ChildPorts.belowEphemeral(range);
    for (int i = 0; i < 20; i++) {
      assertThat(ports.next()).isBetween(16384, 32767);
    }
  }

  @Test
  void neverOneThatAPortZeroBindGetsOnThisMachine() throws IOException {
    int low;
    try (BufferedReader reader = Files.newBufferedReader(KERNEL_RANGE)) {
      low = Integer.parseInt(reader.readLine().split("\\s+")[0]);
    }
    ChildPorts ports = ChildPorts.belowEphemeral(KERNEL_RANGE);
    for (int i = 0; i < 20; i++) {
      int given = ports.next();
      try (ServerSocket any = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        assertThat(given).isLessThan(low).isNotEqualTo(any.getLocalPort());
      }
    }
  }

  @Test
  void givesEachPortOnceUntilTheRangeRunsOut() {
    ChildPorts ports = new ChildPorts(20000, 20100);
    Set<Integer> given = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      assertThat(given.add(ports.next())).as("given twice").isTrue();
    }
    assertThat(given).allMatch(p -> p >= 20000 && p < 20100);
  }

  @Test
  void skipsAPortSomethingListensOn() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      ChildPorts onlyThatOne = new ChildPorts(port, port + 1);
      int given = onlyThatOne.next();
      assertThat(given).isNotEqualTo(port);
      new ServerSocket(given, 1, InetAddress.getLoopbackAddress()).close();
    }
  }

  @Test
  void anyFreePortWhenTheKernelsRangeCannotBeRead() throws IOException {
    Path garbage = Files.writeString(dir.resolve("garbage"), "lots\n");
    for (Path range : new Path[] {dir.resolve("missing"), garbage}) {
      int given = ChildPorts.belowEphemeral(range).next();
      assertThat(given).isPositive();
      new ServerSocket(given, 1, InetAddress.getLoopbackAddress()).close();
    }
  }

  @Test
  void refusesARangeThatIsNone() {
    assertThatThrownBy(() -> new ChildPorts(30000, 20000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no port range 30000..20000");
  }
}
