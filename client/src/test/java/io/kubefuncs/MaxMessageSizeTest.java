package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import io.kubefuncs.proto.DeadLetter;
import io.kubefuncs.testkit.NsqdProcess;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code KUBEFUNCS_MAX_MESSAGE_SIZE} is the size a function's answers and dead letters must fit:
 * raised to match nsqd's {@code --max-msg-size}, a 2 MB event is handled and answered; left at its
 * default (nsqd's default, 1 MiB), the same answer is dead-lettered once, saying why, and the
 * caller hears why at once.
 */
class MaxMessageSizeTest {
  private static final int MIB = 1024 * 1024;
  private static final int TWO_MB = 2_000_000;

  @Test
  void raisedToMatchNsqdA2MbEventIsHandledAndAnswered() {
    try (NsqdProcess nsqd = NsqdProcess.builder().maxMsgSize(3L * MIB).start()) {
      Map<String, String> env = env(nsqd, "echo-big");
      env.put("KUBEFUNCS_MAX_MESSAGE_SIZE", String.valueOf(3 * MIB));
      Function function =
          new Function(
              FunctionConfig.fromEnvironment(env),
              MaxMessageSizeTest::echo,
              new PrometheusRegistry());
      try (Client caller = caller(nsqd)) {
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> Probe.healthz(function.healthPort()) == 200);
        byte[] event = bytes(TWO_MB);

        Delivery answer =
            caller
                .call("echo-big", BytesValue.of(ByteString.copyFrom(event)), Duration.ofSeconds(20))
                .join();

        assertThat(answer.payload(BytesValue.class).getValue().toByteArray()).isEqualTo(event);
      } finally {
        function.drain();
      }
    }
  }

  @Test
  void atItsDefaultATooLargeAnswerIsDeadLetteredOnceWithItsReason() {
    try (NsqdProcess nsqd = NsqdProcess.builder().maxMsgSize(3L * MIB).start();
        DeadLetterSink dead = new DeadLetterSink(nsqd.tcpAddress(), "echo-default.dead")) {
      AtomicInteger calls = new AtomicInteger();
      Function function =
          new Function(
              FunctionConfig.fromEnvironment(env(nsqd, "echo-default")),
              msg -> {
                calls.incrementAndGet();
                echo(msg);
              },
              new PrometheusRegistry());
      try (Client caller = caller(nsqd)) {
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> Probe.healthz(function.healthPort()) == 200);

        assertThatThrownBy(
                () ->
                    caller
                        .call(
                            "echo-default",
                            BytesValue.of(ByteString.copyFrom(bytes(TWO_MB))),
                            Duration.ofSeconds(20))
                        .join())
            .isInstanceOf(CompletionException.class)
            .cause()
            .isInstanceOf(FunctionErrorException.class)
            .hasMessageContaining("could not publish the answer to " + caller.returnTopic())
            .hasMessageContaining("exceeds maxMessageSize 1048576");

        await().atMost(Duration.ofSeconds(10)).until(() -> !dead.letters().isEmpty());
        DeadLetter letter = dead.letters().get(0);
        assertThat(letter.getReason())
            .startsWith("could not publish the answer to " + caller.returnTopic())
            .contains("exceeds maxMessageSize 1048576");
        assertThat(letter.getAttempts()).isOne();
        assertThat(letter.getSerializedSize()).isLessThanOrEqualTo(MIB);
        // Once: the event was finished with its letter, not redelivered to run and fail again.
        function.drain();
        assertThat(calls).hasValue(1);
        assertThat(dead.letters()).hasSize(1);
      } finally {
        function.drain();
      }
    }
  }

  private static void echo(Delivery msg) {
    msg.respond(msg.payload(BytesValue.class));
  }

  private static Map<String, String> env(NsqdProcess nsqd, String topic) {
    Map<String, String> env =
        new HashMap<>(
            Map.of(
                "TOPIC",
                topic,
                "NSQ_NSQD_ADDR",
                nsqd.host(),
                "NSQ_NSQD_PORT",
                String.valueOf(nsqd.tcpPort()),
                "HEALTHZ_ADDR",
                "127.0.0.1:0"));
    return env;
  }

  private static Client caller(NsqdProcess nsqd) {
    return Client.builder()
        .nsqd(nsqd.tcpAddress())
        .registry(new PrometheusRegistry())
        .nsqConfig(Client.NSQ_DEFAULTS.toBuilder().maxMessageSize(3 * MIB).build())
        .build();
  }

  private static byte[] bytes(int size) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) i;
    }
    return b;
  }
}
