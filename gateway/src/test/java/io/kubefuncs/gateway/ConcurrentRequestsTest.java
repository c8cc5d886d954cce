package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.Client;
import io.kubefuncs.GatewayResponse;
import io.kubefuncs.SubscriptionOptions;
import io.kubefuncs.testkit.MetricsText;
import io.kubefuncs.testkit.NsqExtension;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Many requests in flight at once, answered out of order by a function handling up to 256 at a time
 * (what a Kubefuncs function does): every client gets its own answer, none crossed.
 */
class ConcurrentRequestsTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  static final int REQUESTS = 1_000;
  static final int CONNECTIONS = 64;

  @Test
  void aThousandConcurrentRequestsAreEachAnsweredWithTheirOwnBody() throws Exception {
    String nsqd = nsq.nsqdProcess().tcpAddress();
    Set<String> handled = ConcurrentHashMap.newKeySet();
    Set<String> connections = ConcurrentHashMap.newKeySet();
    try (Client function =
            Client.builder()
                .nsqd(nsqd)
                .clientId("echo")
                .registry(new PrometheusRegistry())
                .build();
        TestGateway gateway =
            TestGateway.builder(nsqd).routes("routes:\n  /echo/: echo\n").start().awaitHealthy()) {
      function
          .on(
              "echo",
              "default",
              256,
              SubscriptionOptions.defaults("echo"),
              msg -> {
                String body = msg.http().bodyAsString();
                handled.add(body);
                connections.add(msg.http().remoteAddress());
                // A little work of varying length, so answers come back in another order than
                // requests went out.
                LockSupport.parkNanos(
                    TimeUnit.MICROSECONDS.toNanos(ThreadLocalRandom.current().nextInt(5_000)));
                msg.respond(
                    GatewayResponse.ok(body)
                        .withHeader("X-Echo-Of", msg.http().header("X-Request-Id")));
              })
          .ready()
          .join();

      // At most CONNECTIONS requests in flight, so the JDK client never opens more connections than
      // that.
      Semaphore inFlight = new Semaphore(CONNECTIONS);
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      List<CompletableFuture<String>> mismatches = new ArrayList<>();
      long start = System.nanoTime();
      for (int i = 0; i < REQUESTS; i++) {
        String id = "req-" + i;
        String body = "body of " + id + " " + "#".repeat(i % 97);
        inFlight.acquire();
        CompletableFuture<String> check =
            http.sendAsync(
                    gateway
                        .request("/echo/" + i)
                        .header("X-Request-Id", id)
                        .POST(BodyPublishers.ofString(body))
                        .build(),
                    BodyHandlers.ofString(StandardCharsets.UTF_8))
                .handle(
                    (r, e) -> {
                      inFlight.release();
                      if (e != null) {
                        return id + ": " + e;
                      }
                      if (r.statusCode() != 200
                          || !r.body().equals(body)
                          || !id.equals(r.headers().firstValue("X-Echo-Of").orElse(null))) {
                        return id
                            + ": "
                            + r.statusCode()
                            + " "
                            + r.headers().firstValue("X-Echo-Of")
                            + " "
                            + r.body();
                      }
                      return null;
                    });
        mismatches.add(check);
      }
      CompletableFuture.allOf(mismatches.toArray(CompletableFuture[]::new))
          .get(60, TimeUnit.SECONDS);
      long millis = (System.nanoTime() - start) / 1_000_000;

      http.close();

      List<String> wrong =
          mismatches.stream().map(CompletableFuture::join).filter(m -> m != null).toList();
      assertThat(wrong).as("requests not answered with their own body and id").isEmpty();
      assertThat(handled).as("each request reached the function").hasSize(REQUESTS);
      assertThat(connections)
          .as("client connections, each reused for many requests")
          .hasSizeLessThanOrEqualTo(CONNECTIONS);
      MetricsText m = gateway.metrics();
      assertThat(
              m.value(
                  "kubefuncs_gateway_requests_total", Map.of("route", "/echo/", "status", "200")))
          .isEqualTo(REQUESTS);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> gateway.metrics().value("kubefuncs_gateway_calls_in_flight", Map.of()) == 0);
      System.out.printf(
          "%d requests, at most %d at a time, over %d connections, in %d ms%n",
          REQUESTS, CONNECTIONS, connections.size(), millis);
    }
  }
}
