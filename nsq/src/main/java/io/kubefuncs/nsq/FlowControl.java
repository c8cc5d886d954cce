package io.kubefuncs.nsq;

import io.kubefuncs.nsq.internal.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.ObjIntConsumer;
import java.util.random.RandomGenerator;

/**
 * A consumer's flow control as go-nsq does it, without sockets or timers, so that it can be tested
 * with a clock and a random source of the test's own. Max-in-flight is spread over the connections
 * as RDY counts; with more connections than max-in-flight, the shares are 0 or 1 and {@link
 * #rotate} takes them from connections quiet for the idle timeout. A handler failure raises the
 * backoff level and pauses every connection for {@code multiplier * 2^(level-1)}; a success lowers
 * it, and while it is above zero one message at a time tests the waters.
 *
 * <p>Not thread-safe: the consumer calls it on its event loop. RDY changes go to {@code sendRdy};
 * pauses are returned for the caller to time, which then calls {@link #resume}.
 *
 * @param <K> what names a connection
 */
final class FlowControl<K> {
  private final int maxInFlight;
  private final Backoff pauseBackoff;
  private final int maxBackoffLevel;
  private final long idleTimeoutNanos;
  private final LongSupplier nanoClock;
  private final RandomGenerator random;
  private final ObjIntConsumer<K> sendRdy;
  private final Map<K, Slot> slots = new LinkedHashMap<>();
  private int backoffLevel;
  private boolean paused;

  FlowControl(
      int maxInFlight,
      Backoff pauseBackoff,
      Duration idleTimeout,
      LongSupplier nanoClock,
      RandomGenerator random,
      ObjIntConsumer<K> sendRdy) {
    this.maxInFlight = maxInFlight;
    this.pauseBackoff = pauseBackoff;
    this.maxBackoffLevel = levelsUpTo(pauseBackoff);
    this.idleTimeoutNanos = idleTimeout.toNanos();
    this.nanoClock = nanoClock;
    this.random = random;
    this.sendRdy = sendRdy;
  }

  /** A connection subscribed; it can take at most {@code maxRdy} (nsqd's max_rdy_count). */
  void add(K connection, long maxRdy) {
    slots.put(connection, new Slot(maxRdy, nanoClock.getAsLong()));
    distribute();
  }

  /** A connection was lost: its share goes to the others. */
  void remove(K connection) {
    if (slots.remove(connection) != null) {
      distribute();
    }
  }

  /** A message arrived on {@code connection}: it is not idle. */
  void received(K connection) {
    Slot s = slots.get(connection);
    if (s != null) {
      s.lastMessageNanos = nanoClock.getAsLong();
    }
  }

  /**
   * With more connections than max-in-flight, moves RDY from connections quiet for the idle timeout
   * to others.
   */
  void rotate() {
    if (backoffLevel > 0 || slots.size() <= maxInFlight) {
      return;
    }
    long now = nanoClock.getAsLong();
    slots.forEach(
        (k, s) -> {
          if (s.rdy > 0 && now - s.lastMessageNanos > idleTimeoutNanos) {
            set(k, s, 0);
          }
        });
    distribute();
  }

  /**
   * A handler failed: the backoff level goes up and every connection pauses.
   *
   * @return how long to pause before {@link #resume}; zero when backoff is off (nothing paused)
   */
  Duration failed() {
    if (maxBackoffLevel == 0) {
      return Duration.ZERO;
    }
    if (backoffLevel < maxBackoffLevel) {
      backoffLevel++;
    }
    return pause();
  }

  /**
   * A message succeeded: the backoff level goes down; at zero, every connection gets its full share
   * back (unless a pause is still running), otherwise every connection pauses again.
   *
   * @return how long to pause before {@link #resume}; zero when there is no pause to time
   */
  Duration succeeded() {
    if (backoffLevel == 0) {
      return Duration.ZERO;
    }
    backoffLevel--;
    if (backoffLevel == 0) {
      distribute();
      return Duration.ZERO;
    }
    return pause();
  }

  /**
   * A pause is over: one connection tests the waters, or all get their share if the backoff is
   * over.
   */
  void resume() {
    paused = false;
    distribute();
  }

  int backoffLevel() {
    return backoffLevel;
  }

  /** The RDY count last sent on {@code connection}; 0 for one not added. */
  int rdy(K connection) {
    Slot s = slots.get(connection);
    return s == null ? 0 : s.rdy;
  }

  private Duration pause() {
    paused = true;
    distribute();
    return pauseBackoff.delay(backoffLevel);
  }

  private void distribute() {
    if (paused) {
      slots.forEach((k, s) -> set(k, s, 0));
      return;
    }
    if (slots.isEmpty()) {
      return;
    }
    if (backoffLevel > 0) {
      // Testing the waters after a pause: one message at a time on one connection.
      if (slots.values().stream().allMatch(s -> s.rdy == 0)) {
        List<K> keys = new ArrayList<>(slots.keySet());
        K pick = keys.get(random.nextInt(keys.size()));
        set(pick, slots.get(pick), 1);
      }
      return;
    }
    int n = slots.size();
    if (n <= maxInFlight) {
      int share = maxInFlight / n;
      slots.forEach((k, s) -> set(k, s, (int) Math.min(share, s.maxRdy)));
      return;
    }
    int granted = 0;
    List<K> idle = new ArrayList<>();
    for (Map.Entry<K, Slot> e : slots.entrySet()) {
      Slot s = e.getValue();
      if (s.rdy > 1) {
        set(e.getKey(), s, 1);
      }
      granted += s.rdy;
      if (s.rdy == 0) {
        idle.add(e.getKey());
      }
    }
    while (granted < maxInFlight && !idle.isEmpty()) {
      K pick = idle.remove(random.nextInt(idle.size()));
      set(pick, slots.get(pick), 1);
      granted++;
    }
  }

  private void set(K connection, Slot s, int count) {
    if (s.rdy != count) {
      s.rdy = count;
      sendRdy.accept(connection, count);
    }
  }

  /** The level at which {@code b} reaches its maximum; 0 when the maximum is zero (backoff off). */
  private static int levelsUpTo(Backoff b) {
    if (b.max().isZero()) {
      return 0;
    }
    int level = 1;
    while (level < 32 && b.delay(level).compareTo(b.max()) < 0) {
      level++;
    }
    return level;
  }

  private static final class Slot {
    final long maxRdy;
    int rdy;
    long lastMessageNanos;

    Slot(long maxRdy, long now) {
      this.maxRdy = maxRdy;
      this.lastMessageNanos = now;
    }
  }
}
