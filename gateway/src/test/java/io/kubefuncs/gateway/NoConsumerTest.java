package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.Client;
import io.kubefuncs.GatewayResponse;
import io.kubefuncs.testkit.NsqCluster;
import io.kubefuncs.testkit.NsqExtension;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A request for a topic no function consumes is still accepted, since NSQ keeps the event for the
 * first consumer, but the answer says so and a metric counts it; once a function subscribes
 * (nsqlookupd learns its channel), answers no longer carry the warning.
 */
class NoConsumerTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.cluster(1, 1);

  @Test
  void requestsForATopicWithoutChannelCarryTheHeaderUntilAFunctionSubscribes() throws Exception {
    NsqCluster cluster = nsq.nsqCluster();
    String nsqd = cluster.nsqds().get(0).tcpAddress();
    try (TestGateway gateway =
            TestGateway.builder(nsqd)
                .lookupds(cluster.lookupdHttpAddresses())
                .id("gw-nc")
                .reloadInterval(Duration.ofMillis(100))
                .routes(
                    "routes:\n  /later/: {topic: later, async: true}\n  /now/: {topic: later, timeout: 300ms}\n")
                .start()
                .awaitHealthy();
        Client function =
            Client.builder()
                .nsqd(nsqd)
                .lookupd(cluster.lookupdHttpAddresses().toArray(String[]::new))
                .clientId("later-fn")
                .registry(new PrometheusRegistry())
                .build()) {
      // The first poll of nsqlookupd has not necessarily happened when the gateway is healthy.
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  gateway
                      .post("/later/job-0", "x")
                      .headers()
                      .firstValue(GatewayHandler.NO_CONSUMER_HEADER)
                      .isPresent());

      var accepted = gateway.post("/later/job-1", "queued for the first consumer");
      assertThat(accepted.statusCode()).isEqualTo(202);
      assertThat(accepted.headers().firstValue(GatewayHandler.NO_CONSUMER_HEADER))
          .hasValue("later");
      var timedOut = gateway.get("/now/job-2");
      assertThat(timedOut.statusCode()).isEqualTo(504);
      assertThat(timedOut.headers().firstValue(GatewayHandler.NO_CONSUMER_HEADER))
          .hasValue("later");
      assertThat(timedOut.body())
          .contains("no answer from topic later within 300 ms; no function consumes it");
      assertThat(
              gateway
                  .metrics()
                  .value("kubefuncs_gateway_no_consumer_total", Map.of("route", "/now/")))
          .isEqualTo(1);

      function
          .on(
              "later",
              "default",
              msg -> msg.respond(GatewayResponse.ok("done " + msg.http().path())))
          .ready()
          .join();

      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> {
                var r = gateway.get("/now/job-3");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue(GatewayHandler.NO_CONSUMER_HEADER)).isEmpty();
              });
    }
  }
}
