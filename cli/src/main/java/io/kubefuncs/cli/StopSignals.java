package io.kubefuncs.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;

/**
 * SIGINT (Ctrl-C) and SIGTERM as a request to stop cleanly. Handled as signals rather than with a
 * shutdown hook, so that a clean stop can still exit 0 (after a hook the JVM exits 130 or 143). A
 * second signal while stopping runs {@code hurry}: for someone who does not want to wait for the
 * grace periods.
 */
final class StopSignals {
  private final CountDownLatch requested = new CountDownLatch(1);
  private final AtomicInteger received = new AtomicInteger();
  private final Runnable hurry;

  private StopSignals(Runnable hurry) {
    this.hurry = hurry;
  }

  static StopSignals install(Runnable hurry) {
    StopSignals signals = new StopSignals(hurry);
    Signal.handle(new Signal("INT"), s -> signals.received());
    Signal.handle(new Signal("TERM"), s -> signals.received());
    return signals;
  }

  private void received() {
    if (received.incrementAndGet() == 1) {
      requested.countDown();
    } else {
      Thread.ofPlatform().name("kubefuncs-hurry").start(hurry);
    }
  }

  boolean isRequested() {
    return requested.getCount() == 0;
  }

  /** Waits for a stop request; true if one came within {@code timeout}. */
  boolean await(Duration timeout) throws InterruptedException {
    return requested.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  void await() throws InterruptedException {
    requested.await();
  }
}
