package io.kubefuncs.conformance;

import java.util.concurrent.atomic.AtomicInteger;

/** Topic and channel names no other test uses, so tests can share one broker. */
final class UniqueNames {
  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  private UniqueNames() {}

  static String topic(String purpose) {
    return purpose + "-" + SEQUENCE.incrementAndGet();
  }
}
