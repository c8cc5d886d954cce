package io.kubefuncs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NsqClusterTest {
  private final Http http = new Http();

  @Test
  void topicCreatedOnEveryNsqdIsRegisteredWithTheLookupd() throws IOException {
    try (NsqCluster cluster = NsqCluster.start(1, 2)) {
      assertThat(cluster.lookupds()).hasSize(1);
      assertThat(cluster.nsqds()).hasSize(2);
      assertThat(cluster.lookupdHttpAddresses())
          .containsExactly(cluster.lookupds().get(0).httpAddress());

      cluster.createTopic("registered");
      cluster.awaitTopicRegistered("registered", 2, Duration.ofSeconds(10));

      String lookup =
          http.get(cluster.lookupds().get(0).httpUrl() + "/lookup?topic=registered").body();
      for (NsqdProcess nsqd : cluster.nsqds()) {
        assertThat(lookup).contains("\"tcp_port\":" + nsqd.tcpPort());
      }
      assertThatThrownBy(
              () -> cluster.awaitTopicRegistered("registered", 3, Duration.ofMillis(300)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("has 2 producer(s)")
          .hasMessageContaining("expected at least 3");
    }
  }

  @Test
  void everyNsqdRegistersWithEveryLookupdAndGetsItsOptions() throws IOException {
    try (NsqCluster cluster =
        NsqCluster.builder()
            .lookupds(2)
            .nsqds(1)
            .nsqdOptions(b -> b.msgTimeout(Duration.ofSeconds(3)))
            .start()) {
      cluster.createTopic("both");
      cluster.awaitTopicRegistered("both", 1, Duration.ofSeconds(10));
      assertThat(http.get(cluster.nsqds().get(0).httpUrl() + "/config/msg_timeout").body())
          .isEqualTo("3000000000");
    }
  }

  @Test
  void countsProducersInALookupAnswer() {
    assertThat(NsqCluster.countProducers("{\"message\":\"TOPIC_NOT_FOUND\"}")).isZero();
    assertThat(
            NsqCluster.countProducers(
                "{\"channels\":[],\"producers\":[{\"broadcast_address\":\"127.0.0.1\",\"tcp_port\":1},"
                    + "{\"broadcast_address\": \"127.0.0.1\",\"tcp_port\":2}]}"))
        .isEqualTo(2);
  }
}
