package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.StringValue;
import io.kubefuncs.testkit.MetricsText;
import io.kubefuncs.testkit.NsqLookupdProcess;
import io.kubefuncs.testkit.NsqdProcess;
import io.kubefuncs.testkit.NsqdStats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An in-process function's {@code /healthz} follows its life: 503 while it cannot consume yet, 200
 * once subscribed, 503 while draining; {@code /metrics} serves the SDK's metrics.
 */
class FunctionHealthTest {

  private static FunctionConfig config(NsqdProcess nsqd, String topic) {
    Map<String, String> env = nsqd.functionEnvironment(topic);
    env.put("KUBEFUNCS_DRAIN_TIMEOUT", "20s");
    return FunctionConfig.fromEnvironment(env);
  }

  @Test
  void unhealthyUntilNsqdIsReachableAndSubscribed() {
    try (NsqdProcess nsqd = NsqdProcess.start()) {
      nsqd.stop();
      Function function = new Function(config(nsqd, "late"), msg -> {}, new PrometheusRegistry());
      try {
        int port = function.healthPort();
        assertThat(port).isPositive();

        // nsqd is down: whatever the consumer tries, the function is not serving.
        await("/healthz while nsqd is down")
            .during(Duration.ofMillis(800))
            .atMost(Duration.ofSeconds(3))
            .untilAsserted(
                () -> assertThat(Probe.healthz(port)).as("/healthz with nsqd down").isEqualTo(503));

        nsqd.restart();
        await().atMost(Duration.ofSeconds(15)).until(() -> Probe.healthz(port) == 200);
        assertThat(NsqdStats.channel(nsqd.httpUrl(), "late", "default").path("clients").size())
            .isEqualTo(1);
      } finally {
        function.drain();
      }
    }
  }

  /**
   * The connection its answers go out on is dialled at start, beside the subscription's: the first
   * answer does not wait for a handshake of its own.
   */
  @Test
  void connectsThePublisherOfItsAnswersAtStart() {
    try (NsqdProcess nsqd = NsqdProcess.start()) {
      Function function = new Function(config(nsqd, "eager"), msg -> {}, new PrometheusRegistry());
      try {
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> Probe.healthz(function.healthPort()) == 200);
        await("a publishing connection, before anything was published")
            .atMost(Duration.ofSeconds(10))
            .until(() -> function.client().isConnected());
      } finally {
        function.drain();
      }
    }
  }

  /**
   * A fresh install: nsqlookupd configured, the topic published nowhere yet. The function must
   * still become ready (a Deployment that never turns Ready blocks `helm install --wait` and every
   * rollout), and its topic and channel must exist on its own nsqd, so that the first event is not
   * left waiting for a lookup.
   */
  @Test
  void readyWithNsqlookupdBeforeTheTopicExistsAnywhere() {
    try (NsqLookupdProcess lookupd = NsqLookupdProcess.start();
        NsqdProcess nsqd = NsqdProcess.builder().lookupd(lookupd).start()) {
      Map<String, String> env = nsqd.functionEnvironment("fresh");
      env.put("NSQ_LOOKUPD_ADDR", lookupd.host());
      env.put("NSQ_LOOKUPD_PORT", String.valueOf(lookupd.httpPort()));
      Function function =
          new Function(FunctionConfig.fromEnvironment(env), msg -> {}, new PrometheusRegistry());
      try {
        await("/healthz 200")
            .atMost(Duration.ofSeconds(10))
            .until(() -> Probe.healthz(function.healthPort()) == 200);
        assertThat(NsqdStats.channel(nsqd.httpUrl(), "fresh", "default").path("clients").size())
            .as("clients of fresh/default on the function's own nsqd")
            .isEqualTo(1);
      } finally {
        function.drain();
      }
    }
  }

  /**
   * nsqlookupd answers but the function's own nsqd is down: the first discovery round is over, yet
   * the subscription is not ready (nor /healthz 200), since an event published to that nsqd would
   * find no channel; it is once nsqd is back and has answered the SUB.
   */
  @Test
  void notReadyUntilItsOwnNsqdAnsweredTheSubscription() throws Exception {
    try (NsqLookupdProcess lookupd = NsqLookupdProcess.start();
        NsqdProcess nsqd = NsqdProcess.builder().lookupd(lookupd).start();
        Client client =
            Client.builder()
                .nsqd(nsqd.tcpAddress())
                .lookupd(lookupd.httpAddress())
                .registry(new PrometheusRegistry())
                .build()) {
      nsqd.stop();
      Subscription subscription = client.on("own", "default", msg -> {});

      await("not ready while its own nsqd is down")
          .during(Duration.ofMillis(1500))
          .atMost(Duration.ofSeconds(5))
          .until(() -> !subscription.ready().isDone());

      nsqd.restart();
      subscription.ready().get(20, TimeUnit.SECONDS);
      assertThat(NsqdStats.channel(nsqd.httpUrl(), "own", "default").path("clients").size())
          .as("clients of own/default on the function's own nsqd once ready")
          .isEqualTo(1);
    }
  }

  @Test
  void servesThenDrainsWith503WhileEventsAreStillInHand() throws Exception {
    try (NsqdProcess nsqd = NsqdProcess.start();
        Client sender =
            Client.builder().nsqd(nsqd.tcpAddress()).registry(new PrometheusRegistry()).build()) {
      CountDownLatch slowStarted = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      AtomicInteger finished = new AtomicInteger();
      Function function =
          new Function(
              config(nsqd, "health"),
              msg -> {
                if (msg.payload(StringValue.class).getValue().equals("slow")) {
                  slowStarted.countDown();
                  release.await();
                }
                finished.incrementAndGet();
              },
              new PrometheusRegistry());
      int port = function.healthPort();
      CompletableFuture<Void> drained = null;
      try {
        await().atMost(Duration.ofSeconds(10)).until(() -> Probe.healthz(port) == 200);
        assertThat(Probe.get(port, "/healthz").body()).isEqualTo("serving\n");

        sender.emit("health", StringValue.of("quick")).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> finished.get() == 1);
        Probe.Answer metrics = Probe.get(port, "/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(
                new MetricsText(metrics.body())
                    .value("kubefuncs_messages_received_total", Map.of("topic", "health")))
            .as(metrics.body())
            .isEqualTo(1.0);

        sender.emit("health", StringValue.of("slow")).join();
        assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
        drained = CompletableFuture.runAsync(function::drain);

        await().atMost(Duration.ofSeconds(5)).until(() -> Probe.healthz(port) == 503);
        assertThat(Probe.get(port, "/healthz").body()).isEqualTo("draining\n");
        assertThat(drained).as("drain waits for the event in hand").isNotDone();

        release.countDown();
        drained.get(20, TimeUnit.SECONDS);
        assertThat(finished).hasValue(2);
        // The slow event was finished before the connection closed: nothing to redeliver. nsqd
        // reads a FIN written before the close within milliseconds, later on a loaded machine;
        // one never written leaves the event in flight for its 60 s msg_timeout.
        await("the slow event's FIN reached nsqd")
            .atMost(Duration.ofSeconds(3))
            .until(() -> NsqdStats.channelEmpty(nsqd.httpUrl(), "health", "default"));
        assertThat(Probe.healthz(port))
            .as("the health server is closed after the drain")
            .isEqualTo(-1);
      } finally {
        release.countDown();
        if (drained == null) {
          function.drain();
        }
      }
    }
  }
}
