package io.kubefuncs.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The most recent answered requests, for the dashboard's live log and latency charts. Recording is
 * one counter increment and one slot write, without a lock: the event loops record while the
 * dashboard reads. An entry overwritten while being read is skipped, since each slot holds an
 * immutable entry that knows its own sequence number.
 */
final class RequestRing {
  /** One answered request; {@code route} is null when none matched. */
  record Entry(
      long seq,
      long epochMillis,
      String method,
      String path,
      String route,
      int status,
      long nanos) {}

  private final AtomicReferenceArray<Entry> slots;
  private final int mask;

  /** The sequence number of the next entry, which is also how many were ever recorded. */
  private final AtomicLong next = new AtomicLong();

  /** Keeps the last {@code capacity} entries, rounded up to a power of two. */
  RequestRing(int capacity) {
    int size = Integer.highestOneBit(Math.max(1, capacity - 1)) << 1;
    this.slots = new AtomicReferenceArray<>(size);
    this.mask = size - 1;
  }

  void record(String method, String path, String route, int status, long nanos) {
    long seq = next.getAndIncrement();
    slots.set(
        (int) (seq & mask),
        new Entry(seq, System.currentTimeMillis(), method, path, route, status, nanos));
  }

  /**
   * The entries from sequence number {@code from} on that are still held, oldest first, and where
   * the next read should start: at the first entry whose recording thread has taken its number but
   * not written it yet, so that it is not passed over.
   */
  Page since(long from) {
    long end = next.get();
    long seq = Math.max(from, end - slots.length());
    List<Entry> out = new ArrayList<>((int) Math.max(0, end - seq));
    for (; seq < end; seq++) {
      Entry e = slots.get((int) (seq & mask));
      if (e == null || e.seq() < seq) {
        break;
      }
      // A newer entry in the slot: this one was overwritten, the reader was too slow for it.
      if (e.seq() == seq) {
        out.add(e);
      }
    }
    return new Page(out, seq);
  }

  record Page(List<Entry> entries, long next) {}
}
