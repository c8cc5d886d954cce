package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.StringValue;
import io.kubefuncs.testkit.MetricsText;
import io.kubefuncs.testkit.NsqExtension;
import io.kubefuncs.testkit.NsqdStats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The SDK's Prometheus metrics follow what happened to each event, outcome by outcome. */
class MetricsTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  private static final String TOPIC = "metered";

  @Test
  void countersFollowOkErrorRequeueAndDeadLetterOutcomes() throws Exception {
    PrometheusRegistry functionRegistry = new PrometheusRegistry();
    PrometheusRegistry callerRegistry = new PrometheusRegistry();
    AtomicInteger handlerCalls = new AtomicInteger();
    try (Client function =
            Client.builder()
                .nsqd(nsq.nsqdProcess().tcpAddress())
                .registry(functionRegistry)
                .build();
        Client caller =
            Client.builder().nsqd(nsq.nsqdProcess().tcpAddress()).registry(callerRegistry).build();
        DeadLetterSink dead = new DeadLetterSink(nsq.nsqdProcess().tcpAddress(), TOPIC + ".dead")) {
      SubscriptionOptions options =
          SubscriptionOptions.defaults(TOPIC)
              .withMaxAttempts(2)
              .withRetryBase(Duration.ofMillis(10));
      Subscription s =
          function.on(
              TOPIC,
              "default",
              16,
              options,
              msg -> {
                handlerCalls.incrementAndGet();
                switch (msg.payload(StringValue.class).getValue()) {
                  case "fail-once" -> {
                    if (msg.attempts() == 1) {
                      throw new IllegalStateException("transient");
                    }
                  }
                  case "fail-always", "fail-call" -> throw new IllegalStateException("broken");
                  default -> {}
                }
              });
      s.ready().join();

      int okEvents = 5;
      for (int i = 0; i < okEvents; i++) {
        caller.emit(TOPIC, StringValue.of("ok-" + i)).join();
      }
      caller.emit(TOPIC, StringValue.of("fail-once")).join();
      caller.emit(TOPIC, StringValue.of("fail-always")).join();
      caller
          .call(TOPIC, StringValue.of("ok-call"), Duration.ofSeconds(10))
          .get(10, TimeUnit.SECONDS);
      assertThatThrownBy(
              () ->
                  caller
                      .call(TOPIC, StringValue.of("fail-call"), Duration.ofSeconds(10))
                      .get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(FunctionErrorException.class);

      // 5 ok events + fail-once on its 2nd attempt + the ok call; fail-once and fail-always
      // requeued once each; fail-always dead-lettered on attempt 2; the failing call answered
      // Error.
      Map<String, String> labels = Map.of("topic", TOPIC, "channel", "default");
      await()
          .atMost(Duration.ofSeconds(15))
          .untilAsserted(
              () -> {
                MetricsText m = Scrapes.of(functionRegistry);
                assertThat(
                        m.value("kubefuncs_messages_handled_total", with(labels, "outcome", "ok")))
                    .as(m.text())
                    .isEqualTo(7.0);
                assertThat(
                        m.value(
                            "kubefuncs_messages_handled_total", with(labels, "outcome", "error")))
                    .as(m.text())
                    .isEqualTo(1.0);
                assertThat(
                        m.value(
                            "kubefuncs_messages_handled_total",
                            with(labels, "outcome", "requeued")))
                    .as(m.text())
                    .isEqualTo(2.0);
                assertThat(
                        m.value(
                            "kubefuncs_messages_handled_total",
                            with(labels, "outcome", "dead_lettered")))
                    .as(m.text())
                    .isEqualTo(1.0);
              });
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> NsqdStats.channelEmpty(nsq.nsqdProcess().httpUrl(), TOPIC, "default"));

      MetricsText m = Scrapes.of(functionRegistry);
      double handled = m.value("kubefuncs_messages_handled_total", labels);
      assertThat(handled).isEqualTo(11.0);
      assertThat(handlerCalls).hasValue(11);
      assertThat(m.value("kubefuncs_messages_received_total", labels)).isEqualTo(11.0);
      assertThat(m.value("kubefuncs_handler_duration_seconds_count", labels)).isEqualTo(handled);
      assertThat(m.value("kubefuncs_handler_duration_seconds_sum", labels)).isPositive();
      assertThat(m.value("kubefuncs_messages_in_flight", labels)).isZero();
      assertThat(m.value("kubefuncs_publish_failures_total")).isZero();
      assertThat(m.text()).contains("kubefuncs_messages_in_flight{");

      MetricsText c = Scrapes.of(callerRegistry);
      assertThat(
              c.value(
                  "kubefuncs_call_duration_seconds_count", Map.of("topic", TOPIC, "outcome", "ok")))
          .isEqualTo(1.0);
      assertThat(
              c.value(
                  "kubefuncs_call_duration_seconds_count",
                  Map.of("topic", TOPIC, "outcome", "error")))
          .isEqualTo(1.0);
      assertThat(c.value("kubefuncs_call_duration_seconds_sum", Map.of("topic", TOPIC)))
          .isPositive();

      await().atMost(Duration.ofSeconds(5)).until(() -> dead.letters().size() == 1);
      assertThat(
              StringValue.parseFrom(
                      io.kubefuncs.proto.Event.parseFrom(dead.letters().get(0).getBody())
                          .getPayload()
                          .getValue())
                  .getValue())
          .isEqualTo("fail-always");
    }
  }

  private static Map<String, String> with(Map<String, String> labels, String name, String value) {
    java.util.HashMap<String, String> copy = new java.util.HashMap<>(labels);
    copy.put(name, value);
    return copy;
  }
}
