package io.kubefuncs.nsq;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.nsq.internal.HostPort;
import io.kubefuncs.testkit.NsqdProcess;
import io.kubefuncs.testkit.NsqdStats;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Publish and consume through one real nsqd (msg-timeout 1 s, so timeouts show quickly). */
class ProducerConsumerTest {
  private static NsqdProcess nsqd;
  private static NsqProducer producer;

  @BeforeAll
  static void start() {
    nsqd = NsqdProcess.builder().option("--msg-timeout=1s").option("--max-msg-size=4096").start();
    producer = NsqProducer.create(nsqd.tcpAddress());
  }

  @AfterAll
  static void stop() {
    producer.close();
    nsqd.close();
  }

  private static NsqConfig.Builder fast() {
    return NsqConfig.builder()
        .requeueDelay(Duration.ZERO, Duration.ZERO)
        .backoff(Duration.ofMillis(10), Duration.ofMillis(50));
  }

  @Test
  void pubMpubAndDpubArriveOnceAndAreFinished() {
    Set<String> bodies = ConcurrentHashMap.newKeySet();
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    try (NsqConsumer consumer =
        NsqConsumer.builder("roundtrip", "ch#ephemeral")
            .nsqd(nsqd.tcpAddress())
            .config(fast().maxInFlight(10).build())
            .handler(
                m -> {
                  bodies.add(new String(m.body(), UTF_8));
                  attempts.add(m.attempts());
                })
            .build()
            .start()) {
      consumer.ready().join();
      producer.publish("roundtrip", "one".getBytes(UTF_8)).join();
      producer
          .multiPublish("roundtrip", List.of("two".getBytes(UTF_8), "three".getBytes(UTF_8)))
          .join();
      producer.deferredPublish("roundtrip", Duration.ofMillis(200), "four".getBytes(UTF_8)).join();

      await().atMost(Duration.ofSeconds(10)).until(() -> consumer.stats().finished() == 4);
      assertThat(bodies).containsExactlyInAnyOrder("one", "two", "three", "four");
      assertThat(attempts).containsOnly(1);
      assertThat(NsqdStats.finished(nsqd.httpUrl(), "roundtrip", "ch#ephemeral")).isEqualTo(4);
    }
  }

  /**
   * A consumer's config may turn nsqd's output buffer off (as the SDK's does, for latency); a
   * producer sharing that config must not: nsqd writes each frame of an unbuffered connection in
   * three system calls, so every OK would cost it three writes, and nsqd flushes answers to
   * commands at once anyway.
   */
  @Test
  void producerKeepsNsqdsOutputBufferWhenTheConfigTurnsItOff() throws Exception {
    NsqConfig unbuffered = NsqConfig.builder().outputBufferSize(-1).build();
    CompletableFuture<NsqConnection> consumerSide =
        NsqConnection.connect(
            HostPort.parse(nsqd.tcpAddress(), "nsqd"),
            unbuffered,
            unbuffered.eventLoopGroup().next(),
            new NsqConnection.Listener() {
              @Override
              public void onMessage(NsqConnection connection, NsqMessage message) {}

              @Override
              public void onClosed(NsqConnection connection, Throwable cause) {}
            });
    NsqConnection connection = consumerSide.get(10, TimeUnit.SECONDS);
    try (NsqProducer unbufferedProducer = NsqProducer.create(nsqd.tcpAddress(), unbuffered)) {
      unbufferedProducer.publish("buffers", "x".getBytes(UTF_8)).get(10, TimeUnit.SECONDS);

      assertThat(connection.identify().outputBufferSize()).isEqualTo(1);
      assertThat(unbufferedProducer.identify().get(10, TimeUnit.SECONDS).outputBufferSize())
          .isEqualTo(16 * 1024);
    } finally {
      connection.eventLoop().submit(connection::close).get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void handlerFailureRequeuesAndAttemptsCount() {
    List<Integer> attempts = new CopyOnWriteArrayList<>();
    try (NsqConsumer consumer =
        NsqConsumer.builder("requeue", "ch")
            .nsqd(nsqd.tcpAddress())
            .config(fast().build())
            .handler(
                m -> {
                  attempts.add(m.attempts());
                  if (m.attempts() < 3) {
                    throw new IllegalStateException("not yet");
                  }
                })
            .build()
            .start()) {
      consumer.ready().join();
      producer.publish("requeue", "x".getBytes(UTF_8)).join();
      await().atMost(Duration.ofSeconds(10)).until(() -> consumer.stats().finished() == 1);
      assertThat(attempts).containsExactly(1, 2, 3);
      assertThat(consumer.stats().requeued()).isEqualTo(2);
      assertThat(NsqdStats.channel(nsqd.httpUrl(), "requeue", "ch").path("requeue_count").asLong())
          .isEqualTo(2);
    }
  }

  @Test
  void touchKeepsASlowMessageFromTimingOut() {
    AtomicInteger deliveries = new AtomicInteger();
    try (NsqConsumer consumer =
        NsqConsumer.builder("slow", "ch")
            .nsqd(nsqd.tcpAddress())
            .config(fast().maxInFlight(4).build())
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .handler(
                m -> {
                  deliveries.incrementAndGet();
                  long end = System.nanoTime() + Duration.ofMillis(2500).toNanos();
                  // Three msg-timeouts long: without TOUCH nsqd would hand the message out again.
                  while (System.nanoTime() < end) {
                    Thread.sleep(250);
                    m.touch();
                  }
                })
            .build()
            .start()) {
      consumer.ready().join();
      producer.publish("slow", "x".getBytes(UTF_8)).join();
      await().atMost(Duration.ofSeconds(10)).until(() -> consumer.stats().finished() == 1);
      assertThat(deliveries).hasValue(1);
      assertThat(NsqdStats.channel(nsqd.httpUrl(), "slow", "ch").path("timeout_count").asLong())
          .isZero();
    }
  }

  @Test
  void messageOfAConsumerThatDiedIsRedeliveredAfterMsgTimeout() {
    AtomicInteger firstSaw = new AtomicInteger();
    NsqConsumer doomed =
        NsqConsumer.builder("orphan", "ch")
            .nsqd(nsqd.tcpAddress())
            .config(fast().build())
            .handler(
                m -> {
                  m.disableAutoResponse();
                  firstSaw.incrementAndGet();
                })
            .build()
            .start();
    doomed.ready().join();
    producer.publish("orphan", "x".getBytes(UTF_8)).join();
    await().atMost(Duration.ofSeconds(5)).until(() -> firstSaw.get() == 1);
    // Gone without answering: like a process killed mid-message.
    doomed.stop(Duration.ZERO).join();

    List<Integer> attempts = new CopyOnWriteArrayList<>();
    try (NsqConsumer survivor =
        NsqConsumer.builder("orphan", "ch")
            .nsqd(nsqd.tcpAddress())
            .config(fast().build())
            .handler(m -> attempts.add(m.attempts()))
            .build()
            .start()) {
      await().atMost(Duration.ofSeconds(10)).until(() -> survivor.stats().finished() == 1);
      assertThat(attempts).containsExactly(2);
    }
  }

  @Test
  void maxRdyCountOfNsqdCapsTheConsumer() {
    try (NsqdProcess capped = NsqdProcess.builder().option("--max-rdy-count=3").start();
        NsqProducer p = NsqProducer.create(capped.tcpAddress());
        NsqConsumer consumer =
            NsqConsumer.builder("capped", "ch")
                .nsqd(capped.tcpAddress())
                .config(NsqConfig.builder().maxInFlight(100).build())
                .handler(m -> {})
                .build()
                .start()) {
      consumer.ready().join();
      p.publish("capped", new byte[] {1}).join();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () -> NsqdStats.readyCounts(capped.httpUrl(), "capped", "ch"),
              c -> c.equals(List.of(3)));
    }
  }

  @Test
  void oversizedMessageFailsClearlyAndTheProducerCarriesOn() {
    NsqConfig lenient = NsqConfig.builder().maxMessageSize(1024 * 1024).build();
    try (NsqProducer p = NsqProducer.create(nsqd.tcpAddress(), lenient)) {
      var tooBig = p.publish("big", new byte[5000]);
      var fine = p.publish("big", new byte[100]);
      assertThatThrownBy(tooBig::join)
          .cause()
          .isInstanceOfSatisfying(
              NsqErrorException.class, e -> assertThat(e.code()).isEqualTo("E_BAD_MESSAGE"))
          .hasMessageContaining("too big");
      fine.join();
      p.publish("big", new byte[10]).join();
      assertThat(p.maxMessageSize()).as("learned from nsqd's refusal").isEqualTo(4096);
    }
    // The shared producer's connection was never touched by the failure.
    producer.publish("big", new byte[1]).join();
    assertThat(NsqdStats.depth(nsqd.httpUrl(), "big")).isEqualTo(3);
  }

  @Test
  void limitsAreCheckedBeforeAnythingIsSent() {
    assertThatThrownBy(() -> producer.publish("bad topic", new byte[1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("topic name 'bad topic' is invalid");
    assertThatThrownBy(
            () -> producer.publish("t", new byte[NsqConfig.DEFAULT_MAX_MESSAGE_SIZE + 1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exceeds maxMessageSize");
    assertThatThrownBy(() -> NsqConsumer.builder("t", "c h"))
        .hasMessageContaining("channel name 'c h' is invalid");
  }

  @Test
  void unreachableNsqdFailsThePublishAfterTheTimeout() {
    NsqConfig quick = NsqConfig.builder().publishTimeout(Duration.ofMillis(500)).build();
    try (NsqProducer p = NsqProducer.create("127.0.0.1:1", quick)) {
      assertThatThrownBy(() -> p.publish("t", new byte[1]).join())
          .cause()
          .isInstanceOf(NsqConnectionException.class)
          .hasMessageContaining("could not publish to nsqd 127.0.0.1:1 within 500 ms")
          .hasMessageContaining("cannot connect");
    }
  }
}
