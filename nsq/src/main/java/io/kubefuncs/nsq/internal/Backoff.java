package io.kubefuncs.nsq.internal;

import java.time.Duration;

/**
 * Exponential delays: {@code base * 2^(step-1)}, at most {@code max}; step 0 is no delay. The
 * client's reconnects and requeues use it, and so can handlers' own retries.
 */
public record Backoff(Duration base, Duration max) {
  /** The delay before try number {@code step} after a failure (1 for the first retry). */
  public Duration delay(int step) {
    if (step <= 0) {
      return Duration.ZERO;
    }
    Duration d = base;
    for (int i = 1; i < step && d.compareTo(max) < 0; i++) {
      d = d.plus(d); // not multipliedBy(2): it computes in BigDecimal, whose class setup showed in
      // profiles of a start
    }
    return d.compareTo(max) > 0 ? max : d;
  }
}
