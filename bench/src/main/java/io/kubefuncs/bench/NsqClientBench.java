package io.kubefuncs.bench;

import io.kubefuncs.nsq.NsqConfig;
import io.kubefuncs.nsq.NsqConsumer;
import io.kubefuncs.nsq.NsqProducer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.concurrent.locks.LockSupport;

/**
 * Measures the NSQ client against a running nsqd. Run by {@code bench/nsq-client.sh}, which starts
 * nsqd and runs nsq's own bench_writer/bench_reader next to it; this is a program that prints
 * figures, not a test.
 *
 * <p>Every figure is printed as one line {@code RESULT <name> <value> <unit>} so that a script can
 * pick it up; everything else goes to stderr.
 *
 * <pre>
 * publish  --nsqd H:P --topic T [--size 200] [--seconds 10] [--warmup 2] [--outstanding 1024]
 *          [--batch 0] [--producers 1] [--name pub]
 *   --batch 0 : one publish() per message (the producer folds queued PUBs into MPUBs itself)
 *   --batch N : multiPublish() of N messages at a time (bench_writer sends MPUBs of 200)
 * latency  --nsqd H:P --topic T [--size 200] [--seconds 5] [--warmup 1] [--name lat]
 *   one publish at a time, publish() to future completion, in microseconds
 * fill     --nsqd H:P --topic T --count M [--size 200]
 *   publishes M messages (MPUBs of 200) and waits for every OK; not a measurement
 * consume  --nsqd H:P --topic T --channel C --count M [--size 200] [--consumers 1]
 *          [--max-in-flight 2500] [--seconds 0] [--warmup 0] [--timeout 120] [--name sub]
 *   consumes from T/C, which already holds M messages: for a window of --seconds from the first
 *   message (as bench_reader does), or without --seconds until all M are in, first to last
 * </pre>
 */
public final class NsqClientBench {
  /** {@code -Dbench.progress=true} logs the rate every second (publish modes). */
  private static final boolean PROGRESS = Boolean.getBoolean("bench.progress");

  private NsqClientBench() {}

  public static void main(String[] argv) throws Exception {
    if (argv.length == 0) {
      usage("no mode given");
    }
    String mode = argv[0];
    Args a = Args.parse(Arrays.copyOfRange(argv, 1, argv.length));
    switch (mode) {
      case "publish" -> publish(a);
      case "latency" -> latency(a);
      case "fill" -> fill(a);
      case "consume" -> consume(a);
      default -> usage("unknown mode " + mode);
    }
    // The client's I/O threads are daemons; nothing else should keep the JVM up.
    System.exit(0);
  }

  // ---- publish ----

  /**
   * Publishes as fast as the producer takes it for {@code --seconds}, then waits for the last OK.
   *
   * <p>Unanswered publishes are bounded (a {@link Window}, a semaphore that wakes its waiter in
   * bulk): without a bound, the calling thread outruns the socket and the benchmark measures how
   * fast an unbounded queue grows (and the heap with it), not how fast nsqd acknowledges. 1024
   * messages by default: at rates near a million messages a second and loopback round trips of a
   * few hundred microseconds, several hundred messages must be in flight to keep the connection
   * busy, and 1024 lets the producer's automatic MPUBs of up to 128 messages (its maxBatchMessages)
   * be several deep, while staying a bound a real application could choose (memory: 1024 x the
   * message size). More helps this benchmark a little (bigger folded MPUBs) and less hurts it (256:
   * much slower), see bench/README.md. With --batch N the bound counts messages too, so floor(1024
   * / N) multiPublish calls of N are outstanding, at least one.
   */
  private static void publish(Args a) throws Exception {
    String nsqd = a.required("nsqd");
    String topic = a.required("topic");
    int size = a.intArg("size", 200);
    double seconds = a.doubleArg("seconds", 10);
    double warmup = a.doubleArg("warmup", 2);
    int outstanding = a.intArg("outstanding", 1024);
    int batch = a.intArg("batch", 0);
    int producers = a.intArg("producers", 1);
    String name = a.get("name", batch > 0 ? "mpub" : "pub");

    byte[] body = body(size);
    NsqConfig config = NsqConfig.builder().publishTimeout(Duration.ofSeconds(30)).build();
    List<NsqProducer> ps = new ArrayList<>();
    for (int i = 0; i < producers; i++) {
      NsqProducer p = NsqProducer.create(nsqd, config);
      p.connect().get(10, TimeUnit.SECONDS);
      ps.add(p);
    }
    if (warmup > 0) {
      // A separate topic, so that the measured topic starts as empty as bench_writer's does.
      String warmTopic = "warmup-" + topic;
      log("%s: warming up for %.1f s on %s", name, warmup, warmTopic);
      runPublishers(ps, warmTopic, body, warmup, outstanding, batch);
    }
    log(
        "%s: publishing %d-byte messages to %s for %.1f s (%d producer(s), %d outstanding, %s)",
        name,
        size,
        topic,
        seconds,
        producers,
        outstanding,
        batch > 0 ? "multiPublish of " + batch : "publish");
    PublishRun run = runPublishers(ps, topic, body, seconds, outstanding, batch);
    for (NsqProducer p : ps) {
      p.close();
    }
    double secs = run.nanos / 1e9;
    double rate = run.acked / secs;
    log("%s: %d messages acknowledged in %.3f s, %d failed", name, run.acked, secs, run.failed);
    if (run.failed > 0) {
      throw new IllegalStateException(
          run.failed + " publishes failed; the figure would be meaningless");
    }
    result(name + ".msgs_per_s", rate, "msgs/s");
    result(name + ".mib_per_s", rate * size / (1024.0 * 1024.0), "MiB/s");
    result(name + ".messages", run.acked, "msgs");
  }

  private record PublishRun(long acked, long failed, long nanos) {}

  /** One thread per producer, each with its own bound; times from start to the last answer. */
  private static PublishRun runPublishers(
      List<NsqProducer> ps, String topic, byte[] body, double seconds, int outstanding, int batch)
      throws InterruptedException {
    AtomicLong acked = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    long[] start = new long[1];
    long durationNanos = (long) (seconds * 1e9);
    for (NsqProducer p : ps) {
      Thread t =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                publishLoop(
                    p, topic, body, start[0] + durationNanos, outstanding, batch, acked, failed);
              },
              "publisher");
      t.start();
      threads.add(t);
    }
    start[0] = System.nanoTime();
    go.countDown();
    if (PROGRESS) {
      // Acknowledged messages per second while the run lasts, to tell a steady rate from phases.
      long prev = 0;
      for (int s = 1; threads.get(0).isAlive(); s++) {
        threads.get(0).join(1000);
        long now = acked.get();
        log("  second %d: %d msgs/s", s, now - prev);
        prev = now;
      }
    }
    for (Thread t : threads) {
      t.join();
    }
    return new PublishRun(acked.get(), failed.get(), System.nanoTime() - start[0]);
  }

  private static void publishLoop(
      NsqProducer p,
      String topic,
      byte[] body,
      long endNanos,
      int outstanding,
      int batch,
      AtomicLong acked,
      AtomicLong failed) {
    if (batch <= 0) {
      Window window = new Window(outstanding, 1);
      // Checking the clock every message would cost more than some publishes; every 64 is plenty.
      for (long n = 0; ; n++) {
        if ((n & 63) == 0 && System.nanoTime() - endNanos >= 0) {
          break;
        }
        window.acquire(1);
        p.publish(topic, body)
            .whenComplete(
                (v, e) -> {
                  if (e == null) {
                    acked.incrementAndGet();
                  } else {
                    failed.incrementAndGet();
                  }
                  window.release(1);
                });
      }
      window.awaitEmpty();
    } else {
      List<byte[]> bodies = new ArrayList<>(batch);
      for (int i = 0; i < batch; i++) {
        bodies.add(body);
      }
      // Whole batches only, and at least one, however small the bound.
      Window window = new Window(Math.max(outstanding / batch, 1) * batch, batch);
      while (System.nanoTime() - endNanos < 0) {
        window.acquire(batch);
        p.multiPublish(topic, bodies)
            .whenComplete(
                (v, e) -> {
                  if (e == null) {
                    acked.addAndGet(batch);
                  } else {
                    failed.addAndGet(batch);
                  }
                  window.release(batch);
                });
      }
      window.awaitEmpty();
    }
  }

  /**
   * A bound on unanswered messages for one publishing thread, with hysteresis: a publisher that
   * hits the limit sleeps until a quarter of the window (or one batch) is free again, so that it is
   * woken once per many answers rather than once per answer, as a Semaphore would. Without that,
   * the benchmark's own park/unpark traffic competes for the two CPUs with nsqd and the client
   * under test.
   */
  static final class Window {
    private final int limit;
    private final int resumeAt;
    private final AtomicInteger outstanding = new AtomicInteger();
    private volatile Thread waiter;
    private static final AtomicReferenceFieldUpdater<Window, Thread> WAITER =
        AtomicReferenceFieldUpdater.newUpdater(Window.class, Thread.class, "waiter");

    Window(int limit, int unit) {
      this.limit = limit;
      this.resumeAt = limit - Math.max(unit, unit > 1 ? 0 : limit / 4);
    }

    void acquire(int n) {
      while (outstanding.get() + n > limit) {
        waiter = Thread.currentThread();
        // Checked again after publishing the waiter, so a release in between cannot be missed.
        if (outstanding.get() + n > limit) {
          LockSupport.park(this);
        }
        waiter = null;
      }
      outstanding.addAndGet(n);
    }

    void release(int n) {
      if (outstanding.addAndGet(-n) <= resumeAt) {
        // Only the release that takes the waiter wakes it: one unpark per wait, not per answer.
        Thread w = waiter;
        if (w != null && WAITER.compareAndSet(this, w, null)) {
          LockSupport.unpark(w);
        }
      }
    }

    void awaitEmpty() {
      while (outstanding.get() > 0) {
        LockSupport.parkNanos(this, 100_000);
      }
    }
  }

  // ---- latency ----

  /**
   * One publish at a time, each waited for before the next: the time from calling publish() to its
   * future completing, which is a full round trip to nsqd plus the hand-offs between the calling
   * thread and the I/O thread. Nanoseconds go into a long[] that is sorted at the end.
   */
  private static void latency(Args a) throws Exception {
    String nsqd = a.required("nsqd");
    String topic = a.required("topic");
    int size = a.intArg("size", 200);
    double seconds = a.doubleArg("seconds", 5);
    double warmup = a.doubleArg("warmup", 1);
    String name = a.get("name", "lat");

    byte[] body = body(size);
    NsqProducer p = NsqProducer.create(nsqd, NsqConfig.defaults());
    p.connect().get(10, TimeUnit.SECONDS);
    long warmEnd = System.nanoTime() + (long) (warmup * 1e9);
    while (System.nanoTime() - warmEnd < 0) {
      p.publish("warmup-" + topic, body).join();
    }
    long[] samples = new long[1 << 16];
    int n = 0;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long t0;
    while ((t0 = System.nanoTime()) - end < 0) {
      p.publish(topic, body).join();
      long took = System.nanoTime() - t0;
      if (n == samples.length) {
        samples = Arrays.copyOf(samples, n * 2);
      }
      samples[n++] = took;
    }
    p.close();
    long[] sorted = Arrays.copyOf(samples, n);
    Arrays.sort(sorted);
    double sum = 0;
    for (long s : sorted) {
      sum += s;
    }
    log("%s: %d sequential publishes in %.1f s", name, n, seconds);
    result(name + ".p50_us", percentile(sorted, 0.50) / 1e3, "us");
    result(name + ".p99_us", percentile(sorted, 0.99) / 1e3, "us");
    result(name + ".p999_us", percentile(sorted, 0.999) / 1e3, "us");
    result(name + ".max_us", sorted[n - 1] / 1e3, "us");
    result(name + ".mean_us", sum / n / 1e3, "us");
    result(name + ".samples", n, "publishes");
  }

  /** Nearest-rank percentile of sorted samples. */
  private static long percentile(long[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  // ---- fill ----

  private static void fill(Args a) throws Exception {
    String nsqd = a.required("nsqd");
    String topic = a.required("topic");
    long count = a.longArg("count", 0);
    int size = a.intArg("size", 200);
    byte[] body = body(size);
    NsqProducer p =
        NsqProducer.create(
            nsqd, NsqConfig.builder().publishTimeout(Duration.ofSeconds(60)).build());
    p.connect().get(10, TimeUnit.SECONDS);
    long t0 = System.nanoTime();
    Semaphore permits = new Semaphore(8);
    List<byte[]> full = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      full.add(body);
    }
    AtomicLong failed = new AtomicLong();
    for (long sent = 0; sent < count; ) {
      int n = (int) Math.min(200, count - sent);
      permits.acquire();
      CompletableFuture<Void> f = p.multiPublish(topic, n == 200 ? full : full.subList(0, n));
      f.whenComplete(
          (v, e) -> {
            if (e != null) {
              failed.incrementAndGet();
            }
            permits.release();
          });
      sent += n;
    }
    permits.acquire(8);
    p.close();
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " MPUBs failed while filling " + topic);
    }
    log(
        "fill: %d messages of %d bytes into %s in %.2f s",
        count, size, topic, (System.nanoTime() - t0) / 1e9);
  }

  // ---- consume ----

  /**
   * Consumes from a channel that already holds {@code --count} messages, with handlers on the I/O
   * thread (no executor: the fastest setting for a handler that does not block; it only counts).
   * {@code --max-in-flight} is per consumer, and each consumer has its own connection, as each
   * bench_reader worker does.
   *
   * <p>With {@code --seconds R} it measures as bench_reader does: the messages received in a window
   * of R seconds, here starting at the first message (so that connecting, and loading the client's
   * classes, are not in it), divided by R. If the channel runs dry inside the window the figure
   * would understate the rate, so it fails instead. Without {@code --seconds} it drains all {@code
   * --count} messages and reports the rate from the first message to the last.
   *
   * <p>{@code --warmup S} first publishes to and consumes from {@code warmup-<topic>} for S seconds
   * in the same JVM, so that the JIT has compiled the consumer's paths before the window.
   */
  private static void consume(Args a) throws Exception {
    String nsqd = a.required("nsqd");
    String topic = a.required("topic");
    String channel = a.required("channel");
    long count = a.longArg("count", 0);
    int size = a.intArg("size", 200);
    int consumers = a.intArg("consumers", 1);
    int maxInFlight = a.intArg("max-in-flight", 2500);
    double seconds = a.doubleArg("seconds", 0);
    double warmup = a.doubleArg("warmup", 0);
    double timeout = a.doubleArg("timeout", 120);
    String name = a.get("name", "sub");
    NsqConfig config = NsqConfig.builder().maxInFlight(maxInFlight).build();

    if (warmup > 0) {
      warmUpConsumer(nsqd, "warmup-" + topic, channel, config, size, consumers, warmup);
    }

    AtomicLong received = new AtomicLong();
    AtomicLong first = new AtomicLong();
    AtomicLong last = new AtomicLong();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch drained = new CountDownLatch(1);
    List<NsqConsumer> cs = new ArrayList<>();
    for (int i = 0; i < consumers; i++) {
      cs.add(
          NsqConsumer.builder(topic, channel)
              .nsqd(nsqd)
              .config(config)
              .handler(
                  m -> {
                    if (first.get() == 0 && first.compareAndSet(0, System.nanoTime())) {
                      started.countDown();
                    }
                    if (received.incrementAndGet() == count) {
                      last.set(System.nanoTime());
                      drained.countDown();
                    }
                  })
              .build()
              .start());
    }
    for (NsqConsumer c : cs) {
      c.ready().get(10, TimeUnit.SECONDS);
    }
    log(
        "%s: consuming %s/%s (%d waiting) with %d consumer(s), max-in-flight %d each, %s",
        name,
        topic,
        channel,
        count,
        consumers,
        maxInFlight,
        seconds > 0 ? "for a window of " + seconds + " s" : "until drained");
    if (!started.await((long) (timeout * 1e9), TimeUnit.NANOSECONDS)) {
      throw new IllegalStateException("no message arrived within " + timeout + " s");
    }
    double rate;
    long measured;
    double secs;
    if (seconds > 0) {
      long windowEnd = first.get() + (long) (seconds * 1e9);
      long now;
      while ((now = System.nanoTime()) - windowEnd < 0) {
        Thread.sleep(Math.max(0, (windowEnd - now) / 1_000_000), 0);
      }
      measured = received.get();
      long snapshotAt = System.nanoTime();
      if (drained.getCount() == 0) {
        throw new IllegalStateException(
            "the channel ran dry inside the window ("
                + count
                + " messages were not enough for "
                + seconds
                + " s): fill more or shorten the window");
      }
      secs = (snapshotAt - first.get()) / 1e9;
      rate = measured / secs;
    } else {
      if (!drained.await((long) (timeout * 1e9), TimeUnit.NANOSECONDS)) {
        throw new IllegalStateException(
            "only "
                + received.get()
                + " of "
                + count
                + " messages arrived within "
                + timeout
                + " s");
      }
      measured = count;
      secs = (last.get() - first.get()) / 1e9;
      rate = (count - 1) / secs;
    }
    stopAll(cs);
    long finished = 0;
    for (NsqConsumer c : cs) {
      finished += c.stats().finished();
    }
    log("%s: %d messages in %.3f s (%d finished in all)", name, measured, secs, finished);
    result(name + ".msgs_per_s", rate, "msgs/s");
    result(name + ".mib_per_s", rate * size / (1024.0 * 1024.0), "MiB/s");
    result(name + ".messages", measured, "msgs");
  }

  /** Publishes to and consumes from {@code topic} at the same time for {@code seconds}. */
  private static void warmUpConsumer(
      String nsqd,
      String topic,
      String channel,
      NsqConfig config,
      int size,
      int consumers,
      double seconds)
      throws Exception {
    log("warming up the consumer for %.1f s on %s", seconds, topic);
    List<NsqConsumer> cs = new ArrayList<>();
    for (int i = 0; i < consumers; i++) {
      cs.add(
          NsqConsumer.builder(topic, channel)
              .nsqd(nsqd)
              .config(config)
              .handler(m -> {})
              .build()
              .start());
    }
    NsqProducer p = NsqProducer.create(nsqd, NsqConfig.defaults());
    p.connect().get(10, TimeUnit.SECONDS);
    // A steady trickle the consumers can keep up with: MPUBs of 200, a few outstanding.
    runPublishers(List.of(p), topic, body(size), seconds, 800, 200);
    p.close();
    stopAll(cs);
  }

  private static void stopAll(List<NsqConsumer> cs) throws Exception {
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (NsqConsumer c : cs) {
      stops.add(c.stop(Duration.ofSeconds(5)));
    }
    CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
  }

  // ---- plumbing ----

  private static byte[] body(int size) {
    byte[] b = new byte[size];
    Arrays.fill(b, (byte) 'x');
    return b;
  }

  private static void result(String name, double value, String unit) {
    System.out.println(String.format(Locale.ROOT, "RESULT %s %.1f %s", name, value, unit));
    System.out.flush();
  }

  private static void result(String name, long value, String unit) {
    System.out.println(String.format(Locale.ROOT, "RESULT %s %d %s", name, value, unit));
    System.out.flush();
  }

  private static void log(String format, Object... args) {
    System.err.println("[bench] " + String.format(Locale.ROOT, format, args));
  }

  private static void usage(String why) {
    System.err.println("NsqClientBench: " + why);
    System.err.println(
        "usage: NsqClientBench publish|latency|fill|consume --nsqd host:port --topic t [options];"
            + " see the class comment");
    System.exit(2);
  }

  /** {@code --key value} pairs. */
  private record Args(Map<String, String> values) {
    static Args parse(String[] argv) {
      Map<String, String> m = new HashMap<>();
      for (int i = 0; i < argv.length; i++) {
        if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
          usage("expected --key value, got " + argv[i]);
        }
        m.put(argv[i].substring(2), argv[++i]);
      }
      return new Args(m);
    }

    String required(String key) {
      String v = values.get(key);
      if (v == null) {
        usage("--" + key + " is required");
      }
      return v;
    }

    String get(String key, String dflt) {
      return values.getOrDefault(key, dflt);
    }

    int intArg(String key, int dflt) {
      return values.containsKey(key) ? Integer.parseInt(values.get(key)) : dflt;
    }

    long longArg(String key, long dflt) {
      return values.containsKey(key) ? Long.parseLong(values.get(key)) : dflt;
    }

    double doubleArg(String key, double dflt) {
      return values.containsKey(key) ? Double.parseDouble(values.get(key)) : dflt;
    }
  }
}
