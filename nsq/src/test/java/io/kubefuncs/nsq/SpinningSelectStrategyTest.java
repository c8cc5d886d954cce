package io.kubefuncs.nsq;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.SelectStrategy;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** When the shared I/O threads poll instead of sleeping, with the test's own sockets and tasks. */
class SpinningSelectStrategyTest {
  private final AtomicInteger polls = new AtomicInteger();

  /** A selector whose sockets become ready on the {@code readyOn}th poll (0: never). */
  private io.netty.util.IntSupplier selector(int readyOn) {
    return () -> polls.incrementAndGet() == readyOn ? 2 : 0;
  }

  @Test
  void withTasksQueuedItTakesWhatIsReadyWithoutWaiting() throws Exception {
    SpinningSelectStrategy s = new SpinningSelectStrategy(() -> true, () -> true);

    assertThat(s.calculateStrategy(selector(1), true)).isEqualTo(2);
    assertThat(polls).hasValue(1);
  }

  @Test
  void withNobodyBlockedOnAPublishItSleepsAtOnce() throws Exception {
    SpinningSelectStrategy s = new SpinningSelectStrategy(() -> false, () -> false);

    assertThat(s.calculateStrategy(selector(1), false)).isEqualTo(SelectStrategy.SELECT);
    assertThat(polls).hasValue(0);
  }

  @Test
  void whileACallerIsBlockedItPollsUntilASocketIsReady() throws Exception {
    SpinningSelectStrategy s = new SpinningSelectStrategy(() -> true, () -> false);

    assertThat(s.calculateStrategy(selector(4), false)).isEqualTo(2);
    assertThat(polls).hasValue(4);
  }

  @Test
  void aTaskHandedOverWhileItPollsEndsThePoll() throws Exception {
    AtomicInteger checks = new AtomicInteger();
    SpinningSelectStrategy s =
        new SpinningSelectStrategy(() -> true, () -> checks.incrementAndGet() == 3);

    // 0 ready keys: the loop goes on to run the task.
    assertThat(s.calculateStrategy(selector(0), false)).isZero();
    assertThat(polls).hasValue(3);
  }

  @Test
  void withNothingToDoItSleepsOnceThePollingTimeIsUp() throws Exception {
    SpinningSelectStrategy s = new SpinningSelectStrategy(() -> true, () -> false);

    long start = System.nanoTime();
    assertThat(s.calculateStrategy(selector(0), false)).isEqualTo(SelectStrategy.SELECT);
    assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(SpinningSelectStrategy.SPIN_NANOS);
    assertThat(polls.get()).isPositive();
  }
}
