package io.kubefuncs.nsq;

import io.netty.channel.SelectStrategy;
import io.netty.util.IntSupplier;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * How the shared I/O threads wait for work: while a caller is blocked on a publish, a thread that
 * runs out of work polls its sockets and its task queue for up to {@link #SPIN_NANOS} before it
 * sleeps in the selector; otherwise it sleeps at once, as Netty's default strategy does.
 *
 * <p>A publish waited for crosses threads three times: the caller hands it to the I/O thread,
 * nsqd's answer arrives there, and the I/O thread completes the caller's future. On a small VM,
 * waking a thread that sleeps costs tens of microseconds, more than nsqd takes to answer, and
 * go-nsq's whole round trip has one such wake-up (bench/README.md, "Polling while a caller waits").
 * Polling through the short gaps catches nsqd's answer and the caller's next publish awake. It
 * costs CPU only while somebody is blocked, at most {@link #SPIN_NANOS} after each burst of work,
 * so the gateway and every asynchronous publisher (function answers) never poll.
 */
final class SpinningSelectStrategy implements SelectStrategy {
  /** About a loopback round trip to nsqd, and a caller's wake-up, on the VMs we measured. */
  static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(50);

  private final BooleanSupplier awaited;
  private final BooleanSupplier tasksQueued;

  /**
   * {@code awaited}: whether a caller is blocked now; {@code tasksQueued}: whether the thread's
   * task queue holds work (a publish handed over while it polls).
   */
  SpinningSelectStrategy(BooleanSupplier awaited, BooleanSupplier tasksQueued) {
    this.awaited = awaited;
    this.tasksQueued = tasksQueued;
  }

  @Override
  public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
    if (hasTasks) {
      return selectNow.get();
    }
    if (!awaited.getAsBoolean()) {
      return SELECT;
    }
    long start = System.nanoTime();
    do {
      int ready = selectNow.get();
      // 0 with a task queued: the loop handles no keys and goes on to run its tasks.
      if (ready > 0 || tasksQueued.getAsBoolean()) {
        return ready;
      }
      Thread.onSpinWait();
    } while (System.nanoTime() - start < SPIN_NANOS);
    return SELECT;
  }
}
