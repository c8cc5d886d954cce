package io.kubefuncs.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Steady HTTP load at a fixed rate while a step changes the cluster under it: each worker sends one
 * request at a time on its own schedule, so a slow answer is seen as latency, not hidden by
 * queueing. Every answer other than the expected status, and every transport error, is a failure.
 */
final class Load implements AutoCloseable {
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> workers = new ArrayList<>();
  private final LongAdder ok = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final Queue<String> failures = new ConcurrentLinkedQueue<>();
  private final long startNanos = System.nanoTime();
  private volatile long stopNanos;

  /** {@code perSecond} requests per second spread over {@code workers} workers. */
  Load(HttpRequest request, int expectedStatus, int workers, int perSecond) {
    long periodNanos = 1_000_000_000L * workers / perSecond;
    for (int i = 0; i < workers; i++) {
      long offset = periodNanos * i / workers;
      this.workers.add(
          Thread.ofVirtual().start(() -> run(request, expectedStatus, periodNanos, offset)));
    }
  }

  private void run(HttpRequest request, int expectedStatus, long periodNanos, long offsetNanos) {
    long next = System.nanoTime() + offsetNanos;
    while (running.get()) {
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait); // pacing the request rate, not waiting for a condition
      }
      next += periodNanos;
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == expectedStatus) {
          ok.increment();
        } else {
          fail(response.statusCode() + " " + response.body());
        }
      } catch (Exception e) {
        if (running.get()) {
          fail(e.toString());
        }
      }
    }
  }

  private void fail(String why) {
    failed.increment();
    if (failures.size() < 10) {
      failures.add(why);
    }
  }

  static HttpRequest get(String url) {
    return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build();
  }

  long ok() {
    return ok.sum();
  }

  long failed() {
    return failed.sum();
  }

  List<String> failures() {
    return List.copyOf(failures);
  }

  double perSecond() {
    long end = stopNanos == 0 ? System.nanoTime() : stopNanos;
    return ok.sum() / ((end - startNanos) / 1e9);
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    for (Thread t : workers) {
      t.join(Duration.ofSeconds(40));
    }
    stopNanos = System.nanoTime();
    http.close();
  }

  @Override
  public String toString() {
    return String.format("%d answered, %d failed, %.0f/s", ok(), failed(), perSecond());
  }
}
