package io.kubefuncs.devbroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DevBrokerTest {

  @Test
  void listensOnFourPortsAndAnswersOnEach() throws IOException {
    try (DevBroker broker = TestBrokers.start()) {
      Set<Integer> ports =
          Set.of(
              broker.tcpAddress().getPort(),
              broker.httpAddress().getPort(),
              broker.lookupdTcpAddress().getPort(),
              broker.lookupdHttpAddress().getPort());
      assertThat(ports).hasSize(4).doesNotContain(0);
      assertThat(HttpCalls.get(TestBrokers.url(broker.httpAddress(), "/ping")).body())
          .isEqualTo("OK");
      assertThat(HttpCalls.get(TestBrokers.url(broker.lookupdHttpAddress(), "/ping")).body())
          .isEqualTo("OK");
      try (WireClient client = WireClient.connect(broker.tcpAddress())) {
        assertThat(client.identify("{}")).isEqualTo("OK");
      }
      assertThat(lookupdPing(broker.lookupdTcpAddress())).isEqualTo("OK");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"nsqd TCP", "nsqd HTTP", "nsqlookupd TCP", "nsqlookupd HTTP"})
  void aPortInUseFailsTheStartNamingTheListener(String listener) throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        ServerSocket spare = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int busy = taken.getLocalPort();
      int free = spare.getLocalPort();
      spare.close();
      BiFunction<String, Integer, Integer> port =
          (name, dflt) -> name.equals(listener) ? busy : dflt;
      DevBroker.Builder builder =
          DevBroker.builder()
              .tcpPort(port.apply("nsqd TCP", free))
              .httpPort(port.apply("nsqd HTTP", 0))
              .lookupdTcpPort(port.apply("nsqlookupd TCP", 0))
              .lookupdHttpPort(port.apply("nsqlookupd HTTP", 0));

      assertThatThrownBy(builder::start)
          .isInstanceOf(BindException.class)
          .hasMessage(listener + " 127.0.0.1:" + busy + " is in use");
      if (!listener.equals("nsqd TCP")) {
        // what was bound before the failure is released
        try (ServerSocket again = new ServerSocket(free, 50, InetAddress.getLoopbackAddress())) {
          assertThat(again.isBound()).isTrue();
        }
      }
    }
  }

  @Test
  void closeEndsConnectionsReleasesPortsAndThreadAndIsIdempotent() throws IOException {
    Set<Thread> before = brokerThreads();
    DevBroker broker = TestBrokers.start();
    Set<Thread> ours = brokerThreads();
    ours.removeAll(before);
    assertThat(ours).isNotEmpty();
    InetSocketAddress tcp = broker.tcpAddress();
    InetSocketAddress http = broker.httpAddress();
    try (WireClient client = WireClient.connect(tcp)) {
      client.identify("{}");

      broker.close();

      assertThat(client.closedByBrokerWithin(Duration.ofSeconds(5))).isTrue();
    }
    broker.close();
    // The loop has terminated when close() returns; its thread is on its way out.
    await().atMost(Duration.ofSeconds(5)).until(() -> ours.stream().noneMatch(Thread::isAlive));
    try (DevBroker again =
        DevBroker.builder()
            .tcpPort(tcp.getPort())
            .httpPort(http.getPort())
            .lookupdTcpPort(0)
            .lookupdHttpPort(0)
            .start()) {
      assertThat(again.tcpAddress()).isEqualTo(tcp);
    }
  }

  @Test
  void rejectsSettingsOutsideNsqdsBounds() {
    assertThatThrownBy(() -> DevBroker.builder().msgTimeout(Duration.ofMillis(999)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DevBroker.builder().tcpPort(65536))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DevBroker.builder().maxMsgSize(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DevBroker.builder().memQueueSize(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static Set<Thread> brokerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("devbroker"))
        .collect(Collectors.toSet());
  }

  /** nsqlookupd's protocol V1: magic, PING, a size-prefixed answer. */
  private static String lookupdPing(InetSocketAddress address) throws IOException {
    try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write("  V1PING\n".getBytes(StandardCharsets.US_ASCII));
      DataInputStream in = new DataInputStream(socket.getInputStream());
      byte[] answer = new byte[in.readInt()];
      in.readFully(answer);
      return new String(answer, StandardCharsets.US_ASCII);
    }
  }
}
