package io.kubefuncs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class NsqLookupdProcessTest {
  private final Http http = new Http();

  @Test
  void startsKillsAndRestartsOnTheSamePorts() throws IOException {
    try (NsqLookupdProcess lookupd = NsqLookupdProcess.start()) {
      assertThat(lookupd.tcpAddress()).isEqualTo("127.0.0.1:" + lookupd.tcpPort());
      assertThat(lookupd.httpAddress()).isEqualTo("127.0.0.1:" + lookupd.httpPort());
      assertThat(http.answersOk(lookupd.httpUrl() + "/ping")).isTrue();
      assertThat(http.get(lookupd.httpUrl() + "/info").body()).contains("\"version\":\"1.3.0\"");

      String before = lookupd.httpAddress();
      lookupd.kill();
      assertThat(lookupd.isRunning()).isFalse();
      lookupd.restart();
      assertThat(lookupd.httpAddress()).isEqualTo(before);
      assertThat(http.answersOk(lookupd.httpUrl() + "/ping")).isTrue();
    }
  }
}
