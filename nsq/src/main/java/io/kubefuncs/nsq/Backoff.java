package io.kubefuncs.nsq;

import java.time.Duration;

/** Exponential delays: {@code base * 2^(step-1)}, at most {@code max}; step 0 is no delay. */
record Backoff(Duration base, Duration max) {
  Duration delay(int step) {
    if (step <= 0) {
      return Duration.ZERO;
    }
    Duration d = base;
    for (int i = 1; i < step && d.compareTo(max) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(max) > 0 ? max : d;
  }
}
