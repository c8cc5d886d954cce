package io.kubefuncs.devbroker;

/**
 * Message ids shaped like nsqd's: pseudo-milliseconds since nsqd's epoch, a node id, then a
 * sequence. Where nsqd's generator runs out of sequence numbers within a pseudo-millisecond and
 * waits, this one simply counts on; ids stay unique and increasing either way.
 */
final class MessageIds {
  /** nsqd's epoch, 2012-10-28 16:23:42 UTC, in units of 2^20 ns. */
  private static final long EPOCH = 1288834974288L;

  private static final int NODE_SHIFT = 12;
  private static final int TIME_SHIFT = 22;

  private final long node;
  private long last;

  MessageIds(int node) {
    this.node = node & 1023;
  }

  long next(long wallNanos) {
    long id = (((wallNanos >> 20) - EPOCH) << TIME_SHIFT) | (node << NODE_SHIFT);
    if (id <= last) {
      id = last + 1;
    }
    last = id;
    return id;
  }
}
