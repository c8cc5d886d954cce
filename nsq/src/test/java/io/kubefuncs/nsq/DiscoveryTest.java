package io.kubefuncs.nsq;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.testkit.NsqLookupdProcess;
import io.kubefuncs.testkit.NsqdProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Discovery of a topic that does not exist yet, with the default 60 s lookupd poll interval. A
 * topic comes into being on the nsqd that is first published to (on a fresh install: when the
 * gateway forwards the first request), and nsqd registers it with nsqlookupd at once; the consumer
 * must not wait for its next full poll to subscribe.
 */
class DiscoveryTest {
  /** The requirement: the first request after install is answered within 5 s. */
  private static final Duration FIRST_MESSAGE_DEADLINE = Duration.ofSeconds(5);

  @Test
  void consumerStartedBeforeItsTopicExistsGetsTheFirstMessageWithinSeconds() {
    assertThat(NsqConfig.defaults().lookupdPollInterval).isEqualTo(Duration.ofSeconds(60));
    try (NsqLookupdProcess lookupd = NsqLookupdProcess.start();
        NsqdProcess nsqd = NsqdProcess.builder().lookupd(lookupd).start()) {
      List<String> seen = new CopyOnWriteArrayList<>();
      try (NsqConsumer consumer =
          NsqConsumer.builder("late", "fn")
              .lookupd(lookupd.httpAddress())
              .handler(m -> seen.add(new String(m.body(), UTF_8)))
              .build()
              .start()) {
        consumer.ready().join();
        assertThat(consumer.stats().connections())
            .as("connections before the topic exists")
            .isZero();

        nsqd.publish("late", "first".getBytes(UTF_8));

        await().atMost(FIRST_MESSAGE_DEADLINE).until(() -> seen.contains("first"));
        // Found: back to the full poll interval (60 s plus jitter), no more polling every second.
        assertThat(consumer.nextLookupIn().join()).isGreaterThan(Duration.ofSeconds(30));
      }
    }
  }

  @Test
  void consumerWhoseFirstLookupFailedFindsTheTopicOnceNsqlookupdAnswers() {
    try (NsqLookupdProcess lookupd = NsqLookupdProcess.start()) {
      lookupd.stop();
      List<String> seen = new CopyOnWriteArrayList<>();
      try (NsqConsumer consumer =
          NsqConsumer.builder("lookupd-late", "fn")
              .lookupd(lookupd.httpAddress())
              .handler(m -> seen.add(new String(m.body(), UTF_8)))
              .build()
              .start()) {
        // nsqlookupd still starting, as on a fresh install: the first lookup finds nobody there.
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> consumer.nextLookupIn().join().compareTo(Duration.ZERO) > 0);
        assertThat(consumer.ready()).isNotDone();
        lookupd.restart();
        try (NsqdProcess nsqd = NsqdProcess.builder().lookupd(lookupd).start()) {
          nsqd.publish("lookupd-late", "first".getBytes(UTF_8));

          await().atMost(FIRST_MESSAGE_DEADLINE).until(() -> seen.contains("first"));
          assertThat(consumer.ready()).isCompleted();
        }
      }
    }
  }

  @Test
  void everyNodeConsumerStartedBeforeAnyNsqdSubscribesOnTheFirstWithinSeconds() {
    // The gateway's return topic on a fresh install: nsqlookupd may answer before any nsqd has
    // registered with it, and then an answer through that nsqd must not wait a poll interval.
    try (NsqLookupdProcess lookupd = NsqLookupdProcess.start()) {
      List<String> seen = new CopyOnWriteArrayList<>();
      try (NsqConsumer consumer =
          NsqConsumer.builder("rpc-late#ephemeral", "default#ephemeral")
              .lookupd(lookupd.httpAddress())
              .everyNode(true)
              .handler(m -> seen.add(new String(m.body(), UTF_8)))
              .build()
              .start()) {
        consumer.ready().join();
        assertThat(consumer.stats().connections()).isZero();
        try (NsqdProcess nsqd = NsqdProcess.builder().lookupd(lookupd).start()) {
          await().atMost(FIRST_MESSAGE_DEADLINE).until(() -> consumer.stats().connections() == 1);
          nsqd.publish("rpc-late#ephemeral", "answer".getBytes(UTF_8));
          await().atMost(FIRST_MESSAGE_DEADLINE).until(() -> seen.contains("answer"));
          assertThat(consumer.nextLookupIn().join()).isGreaterThan(Duration.ofSeconds(30));
        }
      }
    }
  }

  @Test
  void consumerKeepsConsumingWhenItsTopicIsDeletedAndPublishedToAgain() throws Exception {
    try (NsqLookupdProcess lookupd = NsqLookupdProcess.start();
        NsqdProcess nsqd = NsqdProcess.builder().lookupd(lookupd).start()) {
      List<String> seen = new CopyOnWriteArrayList<>();
      try (NsqConsumer consumer =
          NsqConsumer.builder("deleted", "fn")
              .lookupd(lookupd.httpAddress())
              .handler(m -> seen.add(new String(m.body(), UTF_8)))
              .build()
              .start()) {
        nsqd.publish("deleted", "before".getBytes(UTF_8));
        await().atMost(FIRST_MESSAGE_DEADLINE).until(() -> seen.contains("before"));

        // nsqd closes the connections of the topic's consumers and unregisters it from nsqlookupd.
        HttpResponse<String> deleted =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(
                            URI.create(nsqd.httpUrl() + "/topic/delete?topic=deleted"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode())
            .as("POST /topic/delete: %s", deleted.body())
            .isEqualTo(200);
        nsqd.publish("deleted", "after".getBytes(UTF_8));

        await().atMost(FIRST_MESSAGE_DEADLINE).until(() -> seen.contains("after"));
        assertThat(consumer.stats().connections()).isEqualTo(1);
      }
    }
  }

  /**
   * On Kubernetes a new nsqd pod comes back under a new IP, and nsqlookupd lists that address: a
   * consumer that only redialled the old one would wait for its next 60 s poll.
   */
  @Test
  void consumerFindsItsNsqdBackUnderAnotherAddressWithinSeconds() {
    try (NsqLookupdProcess lookupd = NsqLookupdProcess.start();
        NsqdProcess old = NsqdProcess.builder().lookupd(lookupd).start()) {
      List<String> seen = new CopyOnWriteArrayList<>();
      try (NsqConsumer consumer =
          NsqConsumer.builder("moved", "fn")
              .lookupd(lookupd.httpAddress())
              .handler(m -> seen.add(new String(m.body(), UTF_8)))
              .build()
              .start()) {
        old.publish("moved", "before".getBytes(UTF_8));
        await().atMost(FIRST_MESSAGE_DEADLINE).until(() -> seen.contains("before"));

        old.stop();
        try (NsqdProcess moved = NsqdProcess.builder().lookupd(lookupd).start()) {
          moved.publish("moved", "after".getBytes(UTF_8));

          await().atMost(FIRST_MESSAGE_DEADLINE).until(() -> seen.contains("after"));
        }
      }
    }
  }
}
