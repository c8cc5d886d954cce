package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.StringValue;
import io.kubefuncs.nsq.NsqConfig;
import io.kubefuncs.nsq.NsqConsumer;
import io.kubefuncs.testkit.NsqdProcess;
import io.kubefuncs.testkit.NsqdStats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What docs/delivery.md promises about an nsqd crash, checked by killing a real nsqd with SIGKILL
 * while events are being published asynchronously (what the gateway does before answering 202):
 * with the default settings a crash loses what nsqd held in memory, at most --mem-queue-size events
 * per topic and per channel; with --mem-queue-size=0 it loses no accepted event.
 */
class NsqdCrashTest {
  private static final String TOPIC = "crash";
  private static final int MEM_QUEUE_SIZE = 1000;
  private static final Pattern DATA_FILE = Pattern.compile("(.+)\\.diskqueue\\.\\d{6}\\.dat");

  @Test
  void aCrashLosesAtMostWhatNsqdHeldInMemory() throws Exception {
    Outcome o = crashUnderLoad(MEM_QUEUE_SIZE);
    Set<String> lost = o.lost();
    // Nothing consumes during the load: the first --mem-queue-size events of the channel wait in
    // memory, and so may the topic's, on their way to the channel, and one in the topic's pump,
    // taken from the topic's queue and not yet in the channel's (seen: 2,001).
    assertThat(lost.size())
        .as("accepted events lost")
        .isPositive()
        .isLessThanOrEqualTo(2 * MEM_QUEUE_SIZE + 1);
    assertThat(o.acceptedBeforeCrash.size() - lost.size())
        .as("accepted events that survived")
        .isPositive();
  }

  @Test
  void withMemQueueSizeZeroACrashLosesNoAcceptedEvent() throws Exception {
    Outcome o = crashUnderLoad(0);
    assertThat(o.lost()).as("accepted events lost").isEmpty();
  }

  private record Outcome(Set<String> acceptedBeforeCrash, Set<String> survivors) {
    Set<String> lost() {
      Set<String> lost = new HashSet<>(acceptedBeforeCrash);
      lost.removeAll(survivors);
      return lost;
    }
  }

  /**
   * Publishes without waiting (up to 200 unanswered) until {@code 3 * MEM_QUEUE_SIZE} are accepted,
   * kills nsqd with SIGKILL while the load goes on, restarts it on the same data, and consumes
   * whatever it still has.
   */
  private static Outcome crashUnderLoad(int memQueueSize) throws Exception {
    try (NsqdProcess nsqd =
            NsqdProcess.builder().option("--mem-queue-size=" + memQueueSize).start();
        Client client =
            Client.builder()
                .nsqd(nsqd.tcpAddress())
                .registry(new PrometheusRegistry())
                .nsqConfig(
                    NsqConfig.builder()
                        .outputBufferSize(-1)
                        .publishTimeout(Duration.ofSeconds(2))
                        .build())
                .build()) {
      // The function's channel exists, as it does once a function has subscribed.
      try (NsqConsumer channel =
          NsqConsumer.builder(TOPIC, "default")
              .nsqd(nsqd.tcpAddress())
              .handler(m -> {})
              .build()
              .start()) {
        channel.ready().join();
        channel.stop(Duration.ZERO).join();
      }
      Set<String> accepted = ConcurrentHashMap.newKeySet();
      AtomicBoolean loading = new AtomicBoolean(true);
      Semaphore window = new Semaphore(200);
      CompletableFuture<Void> load =
          CompletableFuture.runAsync(
              () -> {
                while (loading.get()) {
                  window.acquireUninterruptibly();
                  client
                      .emit(TOPIC, StringValue.of("event"))
                      .whenComplete(
                          (id, e) -> {
                            if (e == null) {
                              accepted.add(id);
                            }
                            window.release();
                          });
                }
              });
      await().atMost(Duration.ofSeconds(30)).until(() -> accepted.size() >= 3 * MEM_QUEUE_SIZE);
      // nsqd finds a disk queue again after a crash through its metadata file, written at its
      // first sync (--sync-every 2500 messages, --sync-timeout 2 s): the promise is about queues
      // nsqd has synced once, which is every queue but one in its first seconds.
      await().atMost(Duration.ofSeconds(10)).until(() -> diskQueuesSynced(nsqd.dataDirectory()));
      Set<String> acceptedBeforeCrash = Set.copyOf(accepted);
      nsqd.kill();
      loading.set(false);
      load.join();
      window.acquireUninterruptibly(200); // every publish answered or failed
      nsqd.restart();

      Set<String> survivors = ConcurrentHashMap.newKeySet();
      try (Subscription s =
          client.on(
              TOPIC,
              "default",
              64,
              SubscriptionOptions.defaults(TOPIC),
              m -> survivors.add(m.id()))) {
        s.ready().join();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    NsqdStats.depth(nsqd.httpUrl(), TOPIC) == 0
                        && NsqdStats.channelEmpty(nsqd.httpUrl(), TOPIC, "default"));
      }
      return new Outcome(acceptedBeforeCrash, survivors);
    }
  }

  /**
   * Whether every disk queue nsqd has written to ({@code <name>.diskqueue.000000.dat}) has its
   * metadata file.
   */
  private static boolean diskQueuesSynced(Path dataDirectory) throws IOException {
    try (Stream<Path> files = Files.list(dataDirectory)) {
      List<String> queues =
          files
              .map(f -> DATA_FILE.matcher(f.getFileName().toString()))
              .filter(Matcher::matches)
              .map(m -> m.group(1))
              .toList();
      return !queues.isEmpty()
          && queues.stream()
              .allMatch(q -> Files.exists(dataDirectory.resolve(q + ".diskqueue.meta.dat")));
    }
  }
}
