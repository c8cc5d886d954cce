package io.kubefuncs.nsq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.testkit.NsqdProcess;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** nsqd goes away mid-run and comes back on the same port: the clients must find it again alone. */
class RecoveryTest {
  private static NsqConfig resilient() {
    return NsqConfig.builder()
        .maxInFlight(50)
        .publishTimeout(Duration.ofSeconds(20))
        .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(500))
        .build();
  }

  @Test
  void nsqdRestartLosesNoAcknowledgedMessage() {
    try (NsqdProcess nsqd = NsqdProcess.builder().start();
        NsqProducer producer = NsqProducer.create(nsqd.tcpAddress(), resilient())) {
      Set<Integer> seen = ConcurrentHashMap.newKeySet();
      try (NsqConsumer consumer =
          NsqConsumer.builder("restart", "ch")
              .nsqd(nsqd.tcpAddress())
              .config(resilient())
              .handler(m -> seen.add(ByteBuffer.wrap(m.body()).getInt()))
              .build()
              .start()) {
        consumer.ready().join();
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
          acks.add(producer.publish("restart", ByteBuffer.allocate(4).putInt(i).array()));
          if (i == 1000) {
            // A clean stop persists nsqd's queues, so every acknowledged message must survive it.
            nsqd.stop();
          }
          if (i == 1500) {
            nsqd.restart();
          }
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).join();
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.size() == 3000);
        assertThat(consumer.stats().connections()).isEqualTo(1);
      }
    }
  }

  @Test
  void aProducerToldToConnectReconnectsWithNothingToPublish() {
    try (NsqdProcess nsqd = NsqdProcess.builder().start();
        NsqProducer connected = NsqProducer.create(nsqd.tcpAddress(), resilient());
        NsqProducer lazy = NsqProducer.create(nsqd.tcpAddress(), resilient())) {
      connected.connect().join();
      lazy.publish("lazy", "first".getBytes()).join();

      nsqd.kill();
      await("both see the loss")
          .atMost(Duration.ofSeconds(10))
          .until(() -> !connected.isConnected() && !lazy.isConnected());
      nsqd.restart();

      await("connected again without a publish")
          .atMost(Duration.ofSeconds(10))
          .until(connected::isConnected);
      assertThat(lazy.isConnected())
          .as("a producer never told to connect dials on its next publish only")
          .isFalse();
      lazy.publish("lazy", "again".getBytes()).join();
      assertThat(lazy.isConnected()).isTrue();
    }
  }

  @Test
  void nsqdKilledAndRestartedClientsRecover() {
    try (NsqdProcess nsqd = NsqdProcess.builder().start();
        NsqProducer producer = NsqProducer.create(nsqd.tcpAddress(), resilient())) {
      Set<String> seen = ConcurrentHashMap.newKeySet();
      try (NsqConsumer consumer =
          NsqConsumer.builder("crash", "ch")
              .nsqd(nsqd.tcpAddress())
              .config(resilient())
              .handler(m -> seen.add(new String(m.body())))
              .build()
              .start()) {
        consumer.ready().join();
        producer.publish("crash", "before".getBytes()).join();
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("before"));

        nsqd.kill();
        CompletableFuture<Void> during = producer.publish("crash", "during".getBytes());
        nsqd.restart();

        during.join();
        producer.publish("crash", "after".getBytes()).join();
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> seen.containsAll(List.of("during", "after")));
        await().atMost(Duration.ofSeconds(5)).until(() -> consumer.stats().connections() == 1);
      }
    }
  }

  @Test
  void frozenNsqdIsDetectedByMissedHeartbeatsAndLeftBehind() throws Exception {
    try (NsqdProcess nsqd = NsqdProcess.builder().start()) {
      NsqConfig config = resilient().toBuilder().heartbeatInterval(Duration.ofSeconds(1)).build();
      try (NsqConsumer consumer =
          NsqConsumer.builder("frozen", "ch")
              .nsqd(nsqd.tcpAddress())
              .config(config)
              .handler(m -> {})
              .build()
              .start()) {
        consumer.ready().join();
        assertThat(consumer.stats().connections()).isEqualTo(1);
        // A stopped process keeps its socket open but says nothing: only heartbeats reveal it.
        signal(nsqd.pid(), "STOP");
        try {
          await().atMost(Duration.ofSeconds(10)).until(() -> consumer.stats().connections() == 0);
        } finally {
          signal(nsqd.pid(), "CONT");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.stats().connections() == 1);
      }
    }
  }

  private static void signal(long pid, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
    assertThat(kill.waitFor()).isZero();
  }
}
