package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.Client;
import io.kubefuncs.GatewayResponse;
import io.kubefuncs.testkit.NsqCluster;
import io.kubefuncs.testkit.NsqExtension;
import io.kubefuncs.testkit.NsqdProcess;
import io.kubefuncs.testkit.NsqdStats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The return-topic rule through the gateway, on two nsqds and one nsqlookupd: the gateway publishes
 * to nsqd A, the function answers through nsqd B, and the answer arrives at once, because the
 * gateway subscribed its return topic on every nsqd before the call went out rather than waiting
 * for a lookupd poll to discover B.
 */
class ReturnTopicClusterTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.cluster(1, 2);

  @Test
  void anAnswerPublishedThroughAnotherNsqdIsServedInWellUnderASecond() throws Exception {
    NsqCluster cluster = nsq.nsqCluster();
    NsqdProcess a = cluster.nsqds().get(0);
    NsqdProcess b = cluster.nsqds().get(1);
    List<String> lookupd = cluster.lookupdHttpAddresses();
    cluster.createTopic("quote");
    cluster.awaitTopicRegistered("quote", 2, Duration.ofSeconds(10));

    try (Client function =
            Client.builder()
                .nsqd(b.tcpAddress())
                .lookupd(lookupd.toArray(String[]::new))
                .clientId("quote-fn")
                .registry(new PrometheusRegistry())
                .build();
        TestGateway gateway =
            TestGateway.builder(a.tcpAddress())
                .lookupds(lookupd)
                .id("gw-a")
                .routes("routes:\n  /quote/: quote\n")
                .start()
                .awaitHealthy()) {
      function
          .on(
              "quote",
              "default",
              msg -> msg.respond(GatewayResponse.ok("42 EUR for " + msg.http().path())))
          .ready()
          .join();

      long start = System.nanoTime();
      var r = gateway.get("/quote/sku-1");
      long millis = (System.nanoTime() - start) / 1_000_000;

      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("42 EUR for /quote/sku-1");
      // Healthy means connected to A and to at least one nsqd for the return topic, not yet all:
      // the first call itself waits for the return topic's first round over every nsqd.
      assertThat(millis).as("first request answered in %d ms", millis).isLessThan(1_000);
      assertThat(NsqdStats.messageCount(a.httpUrl(), "quote"))
          .as("request published to A")
          .isEqualTo(1);
      assertThat(NsqdStats.messageCount(b.httpUrl(), "quote")).isZero();
      // On the return topic of the event loop that served the request: one per loop.
      assertThat(answers(b.httpUrl())).as("answer published to B").isEqualTo(1);
      assertThat(answers(a.httpUrl())).isZero();

      // And so on for the requests after it.
      for (int i = 0; i < 5; i++) {
        start = System.nanoTime();
        assertThat(gateway.get("/quote/sku-" + i).statusCode()).isEqualTo(200);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1_000);
      }
    }
  }

  /** Messages on that nsqd's return topics of gateway gw-a. */
  private static long answers(String nsqdHttpUrl) {
    return NsqdStats.messageCountsOfTopicsStartingWith(nsqdHttpUrl, "rpc-gw-a-").values().stream()
        .mapToLong(Long::longValue)
        .sum();
  }
}
