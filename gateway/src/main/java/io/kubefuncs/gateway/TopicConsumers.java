package io.kubefuncs.gateway;

import io.kubefuncs.nsq.internal.LookupdClient;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Which routed topics no function consumes yet: topics on which nsqlookupd knows no channel. NSQ
 * keeps such a topic's messages until a channel appears, so requests are still accepted; the
 * gateway only says so. Polled in the background so the request path reads a set and never waits on
 * nsqlookupd. Without nsqlookupd the gateway cannot tell, and claims nothing.
 */
final class TopicConsumers implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(TopicConsumers.class.getName());

  private final List<String> lookupds;
  private final Supplier<Routes> routes;
  private final LookupdClient lookupd = new LookupdClient(Duration.ofSeconds(2));
  private final ScheduledExecutorService timer;
  private volatile Set<String> unconsumed = Set.of();

  private TopicConsumers(List<String> lookupds, Supplier<Routes> routes, Duration interval) {
    this.lookupds = lookupds;
    this.routes = routes;
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "topic-consumers");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::refresh, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Polls {@code lookupds} every {@code interval} for the channels of every routed topic. */
  static TopicConsumers watch(List<String> lookupds, Supplier<Routes> routes, Duration interval) {
    return new TopicConsumers(lookupds, routes, interval);
  }

  /**
   * True when, at the last poll, every nsqlookupd answered and none knew a channel of {@code
   * topic}.
   */
  boolean knownToHaveNone(String topic) {
    return unconsumed.contains(topic);
  }

  private void refresh() {
    if (lookupds.isEmpty()) {
      return;
    }
    Set<String> topics = new HashSet<>();
    routes.get().all().forEach(r -> topics.add(r.topic()));
    Set<String> none = new HashSet<>();
    for (String topic : topics) {
      try {
        List<CompletableFuture<List<String>>> answers =
            lookupds.stream().map(l -> lookupd.channels(l, topic)).toList();
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).join();
        if (answers.stream().allMatch(a -> a.join().isEmpty())) {
          none.add(topic);
        }
      } catch (RuntimeException e) {
        // A lookupd that does not answer might know the consumer: claim nothing for this topic.
        LOG.log(
            System.Logger.Level.DEBUG,
            "cannot tell whether topic {0} has consumers: {1}",
            topic,
            e.getMessage());
      }
    }
    unconsumed = Set.copyOf(none);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
