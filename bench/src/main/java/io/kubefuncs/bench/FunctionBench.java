package io.kubefuncs.bench;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.kubefuncs.Client;
import io.kubefuncs.SubscriptionOptions;
import io.kubefuncs.nsq.NsqConfig;
import io.kubefuncs.nsq.NsqConsumer;
import io.kubefuncs.nsq.NsqProducer;
import io.kubefuncs.proto.Event;
import io.kubefuncs.proto.HTTPRequest;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Function SDK figures, printed as {@code RESULT name value unit} lines:
 *
 * <ul>
 *   <li>{@code overhead --nsqd H:P --messages N}: drain rate of N pre-filled events by a raw {@link
 *       NsqConsumer} (handler on virtual threads, as the SDK runs them) and by an SDK subscription
 *       with a no-op handler, same nsqd, same max-in-flight, same run.
 *   <li>{@code calls --nsqd H:P --topic T --count N}: N calls (64 outstanding) to a running
 *       function, for driving its RSS.
 * </ul>
 */
public final class FunctionBench {
  private FunctionBench() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String nsqd = arg(args, "--nsqd", "127.0.0.1:4150");
    switch (mode) {
      case "overhead" ->
          overhead(
              nsqd,
              Integer.parseInt(arg(args, "--messages", "200000")),
              Integer.parseInt(arg(args, "--max-in-flight", "256")));
      case "calls" ->
          calls(
              nsqd, arg(args, "--topic", "test"), Integer.parseInt(arg(args, "--count", "10000")));
      default -> throw new IllegalArgumentException("unknown mode " + mode);
    }
    System.exit(0);
  }

  private static void overhead(String nsqd, int messages, int maxInFlight) throws Exception {
    byte[] body =
        Event.newBuilder()
            .setId("bench")
            .setTopic("t")
            .setPayload(
                Any.pack(
                    HTTPRequest.newBuilder()
                        .setUrl("/x")
                        .setBody(ByteString.copyFrom(new byte[100]))
                        .build()))
            .build()
            .toByteArray();
    // Warm-up round, not reported, then the measured rounds: raw first, SDK second, twice.
    for (int round = 0; round < 3; round++) {
      String rawTopic = "raw" + round;
      String sdkTopic = "sdk" + round;
      fill(nsqd, rawTopic, body, messages);
      fill(nsqd, sdkTopic, body, messages);
      String bufferedTopic = "buffered" + round;
      fill(nsqd, bufferedTopic, body, messages);
      // The raw consumer gets the SDK's connection settings (nsqd output buffering off), so the
      // ratio is the SDK's own cost; the buffered run shows what that setting costs.
      double raw = rawRate(nsqd, rawTopic, messages, maxInFlight, -1);
      double sdk = sdkRate(nsqd, sdkTopic, messages, maxInFlight);
      double buffered = rawRate(nsqd, bufferedTopic, messages, maxInFlight, 0);
      if (round > 0) {
        System.out.printf("RESULT raw_consumer_unbuffered_round%d %.0f msgs/s%n", round, raw);
        System.out.printf("RESULT sdk_noop_round%d %.0f msgs/s%n", round, sdk);
        System.out.printf("RESULT sdk_over_raw_round%d %.3f ratio%n", round, sdk / raw);
        System.out.printf(
            "RESULT raw_consumer_nsqd_buffered_round%d %.0f msgs/s%n", round, buffered);
      }
    }
  }

  private static void fill(String nsqd, String topic, byte[] body, int messages) {
    try (NsqProducer p =
        NsqProducer.create(
            nsqd, NsqConfig.builder().publishTimeout(Duration.ofMinutes(1)).build())) {
      List<byte[]> batch = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        batch.add(body);
      }
      List<CompletableFuture<Void>> acks = new ArrayList<>();
      for (int i = 0; i < messages; i += 200) {
        acks.add(p.multiPublish(topic, batch));
        if (acks.size() == 64) {
          acks.forEach(CompletableFuture::join);
          acks.clear();
        }
      }
      acks.forEach(CompletableFuture::join);
    }
  }

  private static double rawRate(
      String nsqd, String topic, int messages, int maxInFlight, int outputBufferSize)
      throws Exception {
    CountDownLatch done = new CountDownLatch(messages);
    try (NsqConsumer c =
        NsqConsumer.builder(topic, "bench")
            .nsqd(nsqd)
            .config(
                NsqConfig.builder()
                    .maxInFlight(maxInFlight)
                    .outputBufferSize(outputBufferSize)
                    .build())
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .handler(
                m -> {
                  // The SDK decodes every event; the raw consumer does too, so only the SDK's own
                  // work differs.
                  Event.parseFrom(m.body());
                  done.countDown();
                })
            .build()
            .start()) {
      long start = System.nanoTime();
      done.await(5, TimeUnit.MINUTES);
      return messages / ((System.nanoTime() - start) / 1e9);
    }
  }

  private static double sdkRate(String nsqd, String topic, int messages, int maxInFlight)
      throws Exception {
    CountDownLatch done = new CountDownLatch(messages);
    try (Client client = Client.builder().nsqd(nsqd).registry(new PrometheusRegistry()).build()) {
      client.on(
          topic, "bench", maxInFlight, SubscriptionOptions.defaults(topic), m -> done.countDown());
      long start = System.nanoTime();
      done.await(5, TimeUnit.MINUTES);
      return messages / ((System.nanoTime() - start) / 1e9);
    }
  }

  private static void calls(String nsqd, String topic, int count) throws Exception {
    Semaphore window = new Semaphore(64);
    try (Client client = Client.builder().nsqd(nsqd).registry(new PrometheusRegistry()).build()) {
      client.connect().join();
      long start = System.nanoTime();
      List<CompletableFuture<?>> all = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        window.acquire();
        all.add(
            client
                .call(
                    topic,
                    HTTPRequest.newBuilder().setUrl("/test/hello").build(),
                    Duration.ofSeconds(30))
                .whenComplete((r, e) -> window.release()));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
      System.out.printf("RESULT calls %d count%n", count);
      System.out.printf(
          "RESULT call_rate %.0f calls/s%n", count / ((System.nanoTime() - start) / 1e9));
    }
  }

  private static String arg(String[] args, String name, String fallback) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }
}
