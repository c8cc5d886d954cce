package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.protobuf.StringValue;
import io.kubefuncs.nsq.NsqConfig;
import io.kubefuncs.nsq.NsqConsumer;
import io.kubefuncs.nsq.NsqProducer;
import io.kubefuncs.proto.DeadLetter;
import io.kubefuncs.proto.Event;
import io.kubefuncs.proto.HTTPRequest;
import io.kubefuncs.testkit.NsqExtension;
import io.kubefuncs.testkit.NsqdProcess;
import io.kubefuncs.testkit.NsqdStats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * No message stalls a function, whatever its size or content: each one that cannot be handled ends
 * on the dead-letter topic within its attempt budget, as a letter nsqd accepts, while good events
 * published between them are each handled within a second; then nothing is left in hand and a stop
 * returns at once.
 */
class PoisonMessageTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  private static final int MIB = 1024 * 1024;
  private static final int MAX_IN_FLIGHT = 4;
  private static final int MAX_ATTEMPTS = 3;

  @Test
  void undecodableBodiesOfEverySizeUpToTheMaximumAreDeadLetteredAtOnce() throws Exception {
    List<byte[]> poisons = new ArrayList<>();
    for (int size : new int[] {1, 1000, 64 * 1024, 1_048_560, MIB - 1}) {
      poisons.add(undecodable(size));
    }
    // More at the maximum than the function has slots, so a stuck one would stop everything.
    for (int i = 0; i < MAX_IN_FLIGHT + 2; i++) {
      poisons.add(undecodable(MIB));
    }
    try (Probe probe = new Probe(nsq.nsqdProcess(), "poison-sizes")) {
      probe.run(poisons);
      assertThat(probe.letters())
          .hasSize(poisons.size())
          .allSatisfy(l -> assertThat(l.getAttempts()).isEqualTo(1));
      probe.assertLettersDescribe(poisons, MIB);
    }
  }

  @Test
  void payloadsOfTheWrongTypeAreRetriedThenDeadLettered() throws Exception {
    try (Probe probe = new Probe(nsq.nsqdProcess(), "poison-types")) {
      List<Event> wrong =
          List.of(
              Events.newEvent("poison-types", "", HTTPRequest.newBuilder().setUrl("/x").build()),
              Events.newEvent(
                  "poison-types", "", BytesValue.of(ByteString.copyFrom(new byte[100_000]))),
              Event.newBuilder()
                  .setId(UUID.randomUUID().toString())
                  .setTopic("poison-types")
                  .build());
      List<byte[]> bodies = wrong.stream().map(Event::toByteArray).toList();
      probe.run(bodies);
      probe.assertLettersDescribe(bodies, MIB);
      assertThat(probe.letters())
          .allSatisfy(l -> assertThat(l.getAttempts()).isEqualTo(MAX_ATTEMPTS))
          .allSatisfy(l -> assertThat(l.getReason()).contains("handler failed on attempt 3 of 3"));
    }
  }

  @Test
  void anAnswerThatCannotBePublishedDeadLettersTheEventOnceWithoutRunningTheHandlerAgain()
      throws Exception {
    try (Probe probe = new Probe(nsq.nsqdProcess(), "poison-answers")) {
      List<Event> unanswerable =
          List.of(
              // Not a topic name nsqd accepts.
              Event.newBuilder()
                  .setId("bad-return")
                  .setTopic("poison-answers")
                  .setReturn("no such topic!")
                  .setPayload(Any.pack(StringValue.of("answer me")))
                  .build(),
              // An answer larger than nsqd's max message size.
              Event.newBuilder()
                  .setId("huge-answer")
                  .setTopic("poison-answers")
                  .setReturn("answers")
                  .setPayload(Any.pack(StringValue.of("answer big")))
                  .build());
      List<Event> answers = new CopyOnWriteArrayList<>();
      try (NsqConsumer caller =
          NsqConsumer.builder("answers", "caller")
              .nsqd(nsq.nsqdProcess().tcpAddress())
              .handler(m -> answers.add(Event.parseFrom(m.body())))
              .build()
              .start()) {
        caller.ready().join();
        List<byte[]> bodies = unanswerable.stream().map(Event::toByteArray).toList();
        probe.run(bodies);
        probe.assertLettersDescribe(bodies, MIB);
        // The caller whose answer was too large still hears why, at once.
        await().atMost(Duration.ofSeconds(5)).until(() -> answers.size() == 1);
        assertThat(answers.get(0).getId()).isEqualTo("huge-answer");
        assertThat(answers.get(0).getPayload().unpack(io.kubefuncs.proto.Error.class).getError())
            .startsWith("could not publish the answer to answers: ")
            .contains("exceeds maxMessageSize");
      }
      assertThat(probe.letters())
          .allSatisfy(l -> assertThat(l.getAttempts()).isEqualTo(1))
          .allSatisfy(
              l -> assertThat(l.getReason()).startsWith("could not publish the answer to "));
      assertThat(probe.calls).containsAllEntriesOf(Map.of("bad-return", 1, "huge-answer", 1));
    }
  }

  @Test
  void eventsLargerThanOneMibAreHandledOrDeadLetteredWhenNsqdAllowsThem() throws Exception {
    try (NsqdProcess big = NsqdProcess.builder().maxMsgSize(3L * MIB).start();
        Probe probe = new Probe(big, "poison-big")) {
      Event large =
          Events.newEvent("poison-big", "", StringValue.of("good-large-" + "x".repeat(2 * MIB)));
      List<byte[]> poisons = List.of(undecodable(2 * MIB), undecodable(3 * MIB));
      probe.run(List.of(large.toByteArray(), poisons.get(0), poisons.get(1)));
      assertThat(probe.handled).containsKey(large.getId());
      // The client publishes at most its configured 1 MiB: the letters are cut to that.
      probe.assertLettersDescribe(poisons, MIB);
    }
  }

  @Test
  void aDeadLetterShrinksToTheSmallerLimitNsqdRefusesItWith() throws Exception {
    try (NsqdProcess small = NsqdProcess.builder().maxMsgSize(4096).start();
        Probe probe = new Probe(small, "poison-small")) {
      List<byte[]> poisons = List.of(undecodable(4096), undecodable(4000));
      probe.run(poisons);
      probe.assertLettersDescribe(poisons, 4096);
    }
  }

  /**
   * Bytes that are not a protobuf message: 0xFF is a tag with wire type 7, which does not exist.
   */
  private static byte[] undecodable(int size) {
    byte[] b = new byte[size];
    Arrays.fill(b, (byte) 0xFF);
    return b;
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /**
   * A function on {@code topic} whose handler takes StringValue payloads (it fails on any other)
   * and answers "answer big" with 2 MB; good events are published between the poisons.
   */
  private static final class Probe implements AutoCloseable {
    final NsqdProcess nsqd;
    final String topic;
    final Client client;
    final NsqProducer raw;
    final DeadLetterSink dead;
    final Subscription subscription;
    final Map<String, Long> handled = new ConcurrentHashMap<>();
    final Map<String, Integer> calls = new ConcurrentHashMap<>();

    Probe(NsqdProcess nsqd, String topic) {
      this.nsqd = nsqd;
      this.topic = topic;
      client = Client.builder().nsqd(nsqd.tcpAddress()).registry(new PrometheusRegistry()).build();
      raw =
          NsqProducer.create(
              nsqd.tcpAddress(), NsqConfig.builder().maxMessageSize(4 * MIB).build());
      dead = new DeadLetterSink(nsqd.tcpAddress(), topic + ".dead");
      SubscriptionOptions options =
          SubscriptionOptions.defaults(topic)
              .withMaxAttempts(MAX_ATTEMPTS)
              .withRetryBase(Duration.ofMillis(10));
      subscription =
          client.on(
              topic,
              "default",
              MAX_IN_FLIGHT,
              options,
              msg -> {
                calls.merge(msg.id(), 1, Integer::sum);
                String value = msg.payload(StringValue.class).getValue();
                handled.put(msg.id(), System.nanoTime());
                if (value.equals("answer big")) {
                  msg.respond(BytesValue.of(ByteString.copyFrom(new byte[2 * MIB])));
                } else if (value.equals("answer me")) {
                  msg.respond(StringValue.of("answered"));
                }
              });
      subscription.ready().join();
    }

    /**
     * Publishes each of {@code poisons} followed by good events, checks that each good one was
     * handled within a second of its publish, waits until every message is done, and stops.
     */
    void run(List<byte[]> poisons) throws Exception {
      Map<String, Long> sent = new ConcurrentHashMap<>();
      for (byte[] poison : poisons) {
        raw.publish(topic, poison).join();
        for (int i = 0; i < 2; i++) {
          long now = System.nanoTime();
          String id = client.emit(topic, StringValue.of("good")).join();
          sent.put(id, now);
        }
      }
      await("good events handled")
          .atMost(Duration.ofSeconds(20))
          .until(() -> handled.keySet().containsAll(sent.keySet()));
      sent.forEach(
          (id, at) ->
              assertThat(Duration.ofNanos(handled.get(id) - at))
                  .as("good event %s, published between poisons, waited", id)
                  .isLessThan(Duration.ofSeconds(1)));
      await("every message done")
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  NsqdStats.channelEmpty(nsqd.httpUrl(), topic, "default")
                      && subscription.inFlight() == 0);
      assertThat(dead.undecodable()).isEmpty();
      assertThat(NsqdStats.channel(nsqd.httpUrl(), topic, "default").path("timeout_count").asLong())
          .as("no message waited out its msg_timeout")
          .isZero();
      long start = System.nanoTime();
      subscription.stop(Duration.ofSeconds(20)).get(20, TimeUnit.SECONDS);
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .as("stop with nothing in hand")
          .isLessThan(Duration.ofSeconds(1));
    }

    List<DeadLetter> letters() {
      return dead.letters();
    }

    /**
     * A letter for every body, each within {@code limit}, with the body's length, digest and a
     * prefix of it. Delivery is at least once: a letter sent again after a lost connection may come
     * twice.
     */
    void assertLettersDescribe(List<byte[]> bodies, int limit) throws Exception {
      Set<String> expected = new HashSet<>();
      for (byte[] b : bodies) {
        expected.add(b.length + ":" + sha256(b));
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  dead.letters().stream()
                      .map(
                          l ->
                              l.getBodyLength()
                                  + ":"
                                  + HexFormat.of().formatHex(l.getBodySha256().toByteArray()))
                      .collect(Collectors.toSet())
                      .containsAll(expected));
      Set<String> actual = new HashSet<>();
      for (DeadLetter l : dead.letters()) {
        assertThat(l.getSerializedSize()).isLessThanOrEqualTo(limit);
        assertThat(l.getTopic()).isEqualTo(topic);
        assertThat(l.getMessageId()).hasSize(16);
        actual.add(
            l.getBodyLength() + ":" + HexFormat.of().formatHex(l.getBodySha256().toByteArray()));
        byte[] original =
            bodies.stream().filter(b -> b.length == l.getBodyLength()).findFirst().orElseThrow();
        assertThat(l.getBody().toByteArray())
            .isEqualTo(Arrays.copyOf(original, l.getBody().size()));
        if (l.getBodyLength() < limit / 2) {
          assertThat(l.getBody().size())
              .as("a small body is kept whole")
              .isEqualTo(l.getBodyLength());
        }
      }
      assertThat(actual).isEqualTo(expected);
    }

    @Override
    public void close() {
      dead.close();
      raw.close();
      client.close();
    }
  }
}
