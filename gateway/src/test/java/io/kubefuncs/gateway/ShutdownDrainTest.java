package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.Client;
import io.kubefuncs.GatewayResponse;
import io.kubefuncs.testkit.NsqExtension;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Closing the gateway (what SIGTERM does) lets requests in flight finish, as the gateway chart's
 * README and terminationGracePeriodSeconds promise, while new connections are refused.
 */
class ShutdownDrainTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  @Test
  void aRequestInFlightWhenTheGatewayClosesIsStillAnswered() throws Exception {
    String nsqd = nsq.nsqdProcess().tcpAddress();
    CountDownLatch received = new CountDownLatch(1);
    CountDownLatch answer = new CountDownLatch(1);
    try (Client function =
        Client.builder().nsqd(nsqd).clientId("fn").registry(new PrometheusRegistry()).build()) {
      function
          .on(
              "work",
              "default",
              msg -> {
                received.countDown();
                answer.await(10, TimeUnit.SECONDS);
                msg.respond(GatewayResponse.ok("finished"));
              })
          .ready()
          .join();
      TestGateway gateway =
          TestGateway.builder(nsqd).routes("routes:\n  /work/: work\n").start().awaitHealthy();
      CompletableFuture<Void> closing = null;
      try {
        int port = gateway.port();
        var inFlight =
            TestGateway.HTTP.sendAsync(
                gateway.request("/work/").GET().build(), BodyHandlers.ofString());
        assertThat(received.await(10, TimeUnit.SECONDS))
            .as("the function has the request")
            .isTrue();

        closing = CompletableFuture.runAsync(gateway::close);
        await("the gateway stopped accepting connections")
            .atMost(Duration.ofSeconds(10))
            .until(() -> refuses(port));
        answer.countDown();

        var r = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("finished");
      } finally {
        answer.countDown();
        if (closing == null) {
          gateway.close();
        } else {
          closing.get(15, TimeUnit.SECONDS);
        }
      }
    }
  }

  private static boolean refuses(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return false;
    } catch (IOException refused) {
      return true;
    }
  }
}
