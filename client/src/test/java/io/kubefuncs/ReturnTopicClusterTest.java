package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.StringValue;
import io.kubefuncs.proto.HTTPResponse;
import io.kubefuncs.testkit.NsqCluster;
import io.kubefuncs.testkit.NsqExtension;
import io.kubefuncs.testkit.NsqdProcess;
import io.kubefuncs.testkit.NsqdStats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The return-topic rule of DESIGN.md section 4 on two nsqds and one nsqlookupd: the function
 * answers through a different nsqd than the one the caller publishes to, and the answer must not
 * wait for a lookupd poll (the caller polls its return topic's nodes every 15 s, the function its
 * topic every 60 s), so the caller has to be subscribed on every nsqd before the call goes out.
 */
class ReturnTopicClusterTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.cluster(1, 2);

  @Test
  void answerPublishedOnAnotherNsqdArrivesWithoutWaitingForALookupdPoll() throws Exception {
    NsqCluster cluster = nsq.nsqCluster();
    NsqdProcess a = cluster.nsqds().get(0);
    NsqdProcess b = cluster.nsqds().get(1);
    String lookupd = cluster.lookupdHttpAddresses().get(0);
    cluster.createTopic("quotes");
    cluster.awaitTopicRegistered("quotes", 2, Duration.ofSeconds(10));

    try (Client function =
            Client.builder()
                .nsqd(b.tcpAddress())
                .lookupd(lookupd)
                .clientId("fn")
                .registry(new PrometheusRegistry())
                .build();
        Client caller =
            Client.builder()
                .nsqd(a.tcpAddress())
                .lookupd(lookupd)
                .clientId("gw")
                .registry(new PrometheusRegistry())
                .build()) {
      Subscription quotes =
          function.on("quotes", "default", msg -> msg.respond(GatewayResponse.ok("42 EUR")));
      quotes.ready().join();

      long start = System.nanoTime();
      Delivery answer =
          caller
              .call("quotes", StringValue.of("sku-1"), Duration.ofSeconds(10))
              .get(10, TimeUnit.SECONDS);
      long millis = (System.nanoTime() - start) / 1_000_000;

      assertThat(answer.payload(HTTPResponse.class).getBody().toStringUtf8()).isEqualTo("42 EUR");
      assertThat(millis)
          .as("the first call, return topic subscription included, took %d ms", millis)
          .isLessThan(1_000);
      // The request went through nsqd A and the answer through nsqd B, as intended.
      assertThat(NsqdStats.topic(a.httpUrl(), "quotes").path("message_count").asLong())
          .isEqualTo(1);
      assertThat(NsqdStats.topic(b.httpUrl(), "quotes").path("message_count").asLong()).isZero();
      assertThat(NsqdStats.topic(b.httpUrl(), caller.returnTopic()).path("message_count").asLong())
          .isEqualTo(1);
      assertThat(NsqdStats.topic(a.httpUrl(), caller.returnTopic()).path("message_count").asLong())
          .isZero();
    }
  }
}
