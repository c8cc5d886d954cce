package io.kubefuncs.nsq;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.nsq.internal.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The consumer's RDY distribution and backoff, with the test's own clock and random source. */
class FlowControlTest {
  private static final Duration IDLE = Duration.ofSeconds(10);

  private long now = 1_000_000_000L;
  private final List<String> sent = new ArrayList<>();

  private FlowControl<String> flow(int maxInFlight, Duration multiplier, Duration maxPause) {
    return new FlowControl<>(
        maxInFlight,
        new Backoff(multiplier, maxPause),
        IDLE,
        () -> now,
        new SplittableRandom(7),
        (conn, rdy) -> sent.add(conn + "=" + rdy));
  }

  /** Max-in-flight 8, pauses from 1 s up to 4 s, and the connections given. */
  private FlowControl<String> backoffFlow(String... conns) {
    FlowControl<String> flow = flow(8, Duration.ofSeconds(1), Duration.ofSeconds(4));
    for (String c : conns) {
      flow.add(c, 2500);
    }
    return flow;
  }

  private static List<Integer> rdy(FlowControl<String> flow, String... conns) {
    return java.util.Arrays.stream(conns).map(flow::rdy).toList();
  }

  private static int total(FlowControl<String> flow, List<String> conns) {
    return conns.stream().mapToInt(flow::rdy).sum();
  }

  @Test
  void maxInFlightIsSharedAndCappedByEachNsqdsMaxRdy() {
    FlowControl<String> flow = flow(10, Duration.ofSeconds(1), Duration.ofSeconds(8));
    flow.add("a", 2500);
    assertThat(rdy(flow, "a")).containsExactly(10);
    flow.add("b", 2500);
    flow.add("c", 2);
    assertThat(rdy(flow, "a", "b", "c")).containsExactly(3, 3, 2);
    flow.remove("b");
    assertThat(rdy(flow, "a", "c")).containsExactly(5, 2);
    assertThat(sent).containsExactly("a=10", "a=5", "b=5", "a=3", "b=3", "c=2", "a=5");
  }

  @Test
  void aCountUnchangedIsNotSentAgain() {
    FlowControl<String> flow = flow(4, Duration.ofSeconds(1), Duration.ofSeconds(8));
    flow.add("a", 2500);
    flow.add("b", 2500);
    sent.clear();
    flow.rotate();
    flow.remove("nobody");
    assertThat(sent).isEmpty();
  }

  @Test
  void withMoreNsqdsThanMaxInFlightIdleOnesGiveTheirRdyToOthersUntilEveryOneWasServed() {
    FlowControl<String> flow = flow(2, Duration.ofSeconds(1), Duration.ofSeconds(8));
    List<String> conns = IntStream.range(0, 6).mapToObj(i -> "n" + i).toList();
    conns.forEach(c -> flow.add(c, 2500));
    assertThat(total(flow, conns)).isEqualTo(2);
    assertThat(conns).allMatch(c -> flow.rdy(c) <= 1);

    Set<String> served = new HashSet<>();
    for (int round = 0; round < 50 && served.size() < conns.size(); round++) {
      conns.stream().filter(c -> flow.rdy(c) > 0).forEach(served::add);
      now += IDLE.toNanos() + 1;
      flow.rotate();
      assertThat(total(flow, conns)).isEqualTo(2);
    }
    assertThat(served).containsExactlyInAnyOrderElementsOf(conns);
  }

  @Test
  void aConnectionThatReceivedLatelyKeepsItsRdy() {
    FlowControl<String> flow = flow(1, Duration.ofSeconds(1), Duration.ofSeconds(8));
    flow.add("a", 2500);
    flow.add("b", 2500);
    String busy = flow.rdy("a") == 1 ? "a" : "b";
    now += IDLE.toNanos() + 1;
    flow.received(busy);
    flow.rotate();
    assertThat(flow.rdy(busy)).isEqualTo(1);
  }

  @Test
  void failuresPauseEverythingForLongerAndLongerUpToTheMaximum() {
    FlowControl<String> flow = backoffFlow("a", "b");

    assertThat(flow.failed()).isEqualTo(Duration.ofSeconds(1));
    assertThat(rdy(flow, "a", "b")).containsExactly(0, 0);
    assertThat(flow.failed()).isEqualTo(Duration.ofSeconds(2));
    assertThat(flow.failed()).isEqualTo(Duration.ofSeconds(4));
    assertThat(flow.failed()).isEqualTo(Duration.ofSeconds(4));
    assertThat(flow.backoffLevel()).isEqualTo(3);
    // A pause that ends while the level is up: one message at a time on one connection.
    flow.resume();
    assertThat(total(flow, List.of("a", "b"))).isEqualTo(1);
  }

  @Test
  void successesStepTheBackoffDownAndTheLastOneRestoresEveryShare() {
    FlowControl<String> flow = backoffFlow("a", "b");
    flow.failed();
    flow.failed();
    flow.resume();

    assertThat(flow.succeeded()).isEqualTo(Duration.ofSeconds(1));
    assertThat(rdy(flow, "a", "b")).containsExactly(0, 0);
    flow.resume();
    assertThat(total(flow, List.of("a", "b"))).isEqualTo(1);
    assertThat(flow.succeeded()).isZero();
    assertThat(flow.backoffLevel()).isZero();
    assertThat(rdy(flow, "a", "b")).containsExactly(4, 4);
    assertThat(flow.succeeded()).isZero();
  }

  @Test
  void aSuccessThatEndsTheBackoffDuringAPauseWaitsForThePause() {
    FlowControl<String> flow = backoffFlow("a");
    flow.failed();
    assertThat(flow.succeeded()).isZero();
    assertThat(flow.rdy("a")).isZero();
    flow.resume();
    assertThat(flow.rdy("a")).isEqualTo(8);
  }

  @Test
  void withBackoffOffFailuresChangeNothing() {
    FlowControl<String> flow = flow(8, Duration.ofSeconds(1), Duration.ZERO);
    flow.add("a", 2500);
    assertThat(flow.failed()).isZero();
    assertThat(flow.backoffLevel()).isZero();
    assertThat(flow.rdy("a")).isEqualTo(8);
  }

  @Test
  void aConnectionAddedDuringAPauseWaitsForItToo() {
    FlowControl<String> flow = backoffFlow("a");
    flow.failed();
    flow.add("b", 2500);
    assertThat(rdy(flow, "a", "b")).containsExactly(0, 0);
  }
}
