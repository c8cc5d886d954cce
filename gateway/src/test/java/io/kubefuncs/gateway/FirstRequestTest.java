package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.Client;
import io.kubefuncs.HttpResponse;
import io.kubefuncs.Subscription;
import io.kubefuncs.testkit.NsqCluster;
import io.kubefuncs.testkit.NsqExtension;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A fresh install: the function is deployed before anything was published to its topic. It
 * subscribes on its own nsqd at once, which creates the topic there, so the gateway's first
 * request, published to the same node's nsqd, is answered within 5 s, not after the function's
 * next 60 s lookupd poll.
 */
class FirstRequestTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.cluster(1, 1);

  @Test
  void theFirstRequestToATopicThatDoesNotExistYetIsAnsweredWithinFiveSeconds() throws Exception {
    NsqCluster cluster = nsq.nsqCluster();
    String nsqd = cluster.nsqds().get(0).tcpAddress();
    List<String> lookupd = cluster.lookupdHttpAddresses();
    try (Client function = Client.builder().nsqd(nsqd).lookupd(lookupd.toArray(String[]::new))
            .clientId("fresh-fn").registry(new PrometheusRegistry()).build();
        TestGateway gateway = TestGateway.builder(nsqd).lookupds(lookupd).id("gw-fresh")
            .routes("routes:\n  /fresh/: {topic: fresh, timeout: 20s}\n").start().awaitHealthy()) {
      Subscription subscription = function.on("fresh", "default", msg -> msg.respond(HttpResponse.ok("hello " + msg.http().path())));
      subscription.ready().join();
      assertThat(subscription.connections()).as("nsqds the function consumes from before the first request").isOne();

      long start = System.nanoTime();
      var r = gateway.get("/fresh/first");
      long millis = (System.nanoTime() - start) / 1_000_000;

      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("hello /fresh/first");
      assertThat(millis).as("first request answered in %d ms", millis).isLessThan(5_000);
    }
  }
}
