package io.kubefuncs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NsqdProcessTest {
  private final Http http = new Http();

  private String get(String url) throws IOException {
    Http.Response response = http.get(url);
    assertThat(response.status()).as("GET %s -> %s", url, response.body()).isEqualTo(200);
    return response.body();
  }

  /**
   * With --tls-required=true nsqd answers plain HTTP, /ping too, with 403 TLS_REQUIRED: it is up
   * all the same. Its HTTPS port, which a certificate turns on, is on loopback, not 0.0.0.0:4152.
   */
  @Test
  void nsqdThatRequiresTlsStartsAndServesHttpsOnLoopback() throws IOException {
    try (NsqdProcess nsqd =
        NsqdProcess.builder().tls(TestCertificates.generate()).tlsRequired("true").start()) {
      Http.Response ping = http.get(nsqd.httpUrl() + "/ping");
      assertThat(ping.status()).isEqualTo(403);
      assertThat(ping.isTlsRequired()).as(ping.body()).isTrue();
      assertThat(Files.readString(nsqd.logFile()))
          .containsPattern("HTTPS: listening on 127\\.0\\.0\\.1:[1-9]");
    }
  }

  @Test
  void startsOnLoopbackAndAnswersPing() throws IOException {
    try (NsqdProcess nsqd = NsqdProcess.start()) {
      assertThat(nsqd.isRunning()).isTrue();
      assertThat(nsqd.host()).isEqualTo("127.0.0.1");
      assertThat(nsqd.tcpAddress()).isEqualTo("127.0.0.1:" + nsqd.tcpPort());
      assertThat(nsqd.httpAddress()).isEqualTo("127.0.0.1:" + nsqd.httpPort());
      assertThat(nsqd.httpUrl()).isEqualTo("http://127.0.0.1:" + nsqd.httpPort());
      assertThat(nsqd.tcpPort()).isNotEqualTo(nsqd.httpPort());
      assertThat(get(nsqd.httpUrl() + "/ping")).isEqualTo("OK");
      assertThat(get(nsqd.httpUrl() + "/info"))
          .contains("\"version\":\"1.3.0\"")
          .contains("\"tcp_port\":" + nsqd.tcpPort());
    }
  }

  @Test
  void publishedMessageShowsInStats() throws IOException {
    try (NsqdProcess nsqd = NsqdProcess.start()) {
      Http.Response published =
          http.post(nsqd.httpUrl() + "/pub?topic=t", "hello".getBytes(StandardCharsets.UTF_8));
      assertThat(published.body()).isEqualTo("OK");
      nsqd.publish("t", "again".getBytes(StandardCharsets.UTF_8));
      assertThat(get(nsqd.httpUrl() + "/stats?format=json"))
          .contains("\"topic_name\":\"t\"")
          .contains("\"message_count\":2");
    }
  }

  @Test
  void killAndRestartKeepPortsAndDataDirectory() throws IOException {
    try (NsqdProcess nsqd = NsqdProcess.start()) {
      String tcp = nsqd.tcpAddress();
      String url = nsqd.httpUrl();
      long firstPid = nsqd.pid();
      nsqd.createTopic("kept");
      nsqd.publish("kept", new byte[] {1});

      // A clean stop persists the queue; the restarted nsqd reads it back from the same data path.
      nsqd.stop();
      assertThat(nsqd.isRunning()).isFalse();
      assertThat(http.answersOk(url + "/ping")).isFalse();
      nsqd.restart();
      assertThat(nsqd.tcpAddress()).isEqualTo(tcp);
      assertThat(get(url + "/stats?format=json&topic=kept")).contains("\"depth\":1");

      nsqd.kill();
      assertThat(nsqd.isRunning()).isFalse();
      assertThat(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive))
          .isNotEqualTo(java.util.Optional.of(true));
      nsqd.restart();
      assertThat(nsqd.isRunning()).isTrue();
      assertThat(nsqd.tcpAddress()).isEqualTo(tcp);
      assertThat(nsqd.httpUrl()).isEqualTo(url);
      assertThat(get(url + "/ping")).isEqualTo("OK");
      // The pooled HTTP connection to the killed nsqd must not break the next POST.
      nsqd.publish("kept", new byte[] {2});

      // Restarting a running nsqd stops it first.
      long pid = nsqd.pid();
      nsqd.restart();
      assertThat(nsqd.pid()).isNotEqualTo(pid);
      assertThat(get(url + "/ping")).isEqualTo("OK");
    }
  }

  @Test
  void closeStopsTheProcessAndDeletesItsDirectory() {
    NsqdProcess nsqd = NsqdProcess.start();
    ProcessHandle handle = ProcessHandle.of(nsqd.pid()).orElseThrow();
    Path data = nsqd.dataDirectory();
    assertThat(data).isDirectory();
    nsqd.close();
    assertThat(handle.isAlive()).isFalse();
    assertThat(data.getParent()).doesNotExist();
    nsqd.close(); // idempotent
    assertThatThrownBy(nsqd::restart)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void optionsReachNsqd() throws IOException {
    try (NsqdProcess nsqd =
        NsqdProcess.builder()
            .msgTimeout(Duration.ofMillis(1500))
            .maxMsgSize(4096)
            .maxRdyCount(7)
            .option("--mem-queue-size=0")
            .start()) {
      String config =
          get(nsqd.httpUrl() + "/config/msg_timeout")
              + get(nsqd.httpUrl() + "/config/max_msg_size")
              + get(nsqd.httpUrl() + "/config/max_rdy_count")
              + get(nsqd.httpUrl() + "/config/mem_queue_size");
      assertThat(config).isEqualTo("1500000000" + "4096" + "7" + "0");
    }
  }

  @Test
  void managedFlagsAreRefused() {
    assertThatThrownBy(() -> NsqdProcess.builder().option("--tcp-address=127.0.0.1:4150"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tcp-address");
    assertThatThrownBy(() -> NsqdProcess.builder().option("msg-timeout=1s"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void startupFailureShowsTheLastOutputOfNsqd() {
    assertThatThrownBy(() -> NsqdProcess.builder().option("--no-such-flag").start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("nsqd exited with code 2 during startup")
        .hasMessageContaining("flag provided but not defined: -no-such-flag");
  }

  @Test
  void portTakenBeforeNsqdBindsItIsChosenAgain() throws IOException {
    try (ServerSocket squatter = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      List<int[]> offered = new ArrayList<>();
      ManagedProcess.PortAllocator firstBusy =
          count -> {
            int[] ports =
                offered.isEmpty()
                    ? new int[] {squatter.getLocalPort(), ManagedProcess.FREE_PORTS.allocate(1)[0]}
                    : ManagedProcess.FREE_PORTS.allocate(count);
            offered.add(ports);
            return ports;
          };
      try (NsqdProcess nsqd = NsqdProcess.builder().ports(firstBusy).start()) {
        assertThat(offered).hasSize(2);
        assertThat(nsqd.tcpPort())
            .isEqualTo(offered.get(1)[0])
            .isNotEqualTo(squatter.getLocalPort());
        assertThat(http.answersOk(nsqd.httpUrl() + "/ping")).isTrue();
        assertThat(Files.readString(nsqd.logFile())).contains("address already in use");
      }
    }
  }

  @Test
  void goDurations() {
    assertThat(NsqdProcess.goDuration(Duration.ofSeconds(60))).isEqualTo("60s");
    assertThat(NsqdProcess.goDuration(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(NsqdProcess.goDuration(Duration.ofNanos(1500))).isEqualTo("1500ns");
  }
}
