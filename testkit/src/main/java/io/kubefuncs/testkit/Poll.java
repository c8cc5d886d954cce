package io.kubefuncs.testkit;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition instead of sleeping a guessed amount: tests stay fast on a quick machine
 * and still pass on a slow one, up to an explicit deadline.
 */
final class Poll {
  private static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private Poll() {}

  /**
   * Evaluates {@code condition} until it holds or {@code timeout} has passed, backing off from 5 ms
   * to 100 ms between evaluations. The condition is always evaluated at least once, and once more
   * at the deadline.
   *
   * @return whether the condition held before the deadline
   * @throws IllegalStateException if the thread is interrupted (the interrupt flag is kept)
   */
  static boolean until(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long pause = FIRST_PAUSE_NANOS;
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        return false;
      }
      try {
        TimeUnit.NANOSECONDS.sleep(Math.min(pause, remaining));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for a condition", e);
      }
      pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
    }
  }
}
