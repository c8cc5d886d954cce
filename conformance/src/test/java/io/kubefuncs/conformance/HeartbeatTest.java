package io.kubefuncs.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Heartbeats at the interval negotiated in IDENTIFY (1 s, the shortest nsqd allows), and the
 * disconnection of a client that stays silent for two of them.
 *
 * <p>Times are measured from just before IDENTIFY is sent: the broker cannot start counting any
 * earlier, whether it counts from reading IDENTIFY or from answering it.
 */
class HeartbeatTest {
  private static final Duration INTERVAL = Duration.ofSeconds(1);

  /** Timers may fire a hair early or late; this is far below what a wrong interval would show. */
  private static final Duration TIMER_SLACK = Duration.ofMillis(20);

  @ConformanceTest
  void heartbeatsArriveAtTheNegotiatedIntervalAndNopKeepsTheConnection(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      long start = System.nanoTime();
      client.negotiate(Map.of("heartbeat_interval", INTERVAL.toMillis()));
      for (int i = 0; i < 3; i++) {
        // Each must come within an interval of the last, plus scheduling slack.
        Frame frame = client.read(INTERVAL.multipliedBy(2));
        assertThat(frame).hasToString("RESPONSE \"_heartbeat_\"");
        client.send("NOP");
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .as("time for three heartbeats")
          .isGreaterThanOrEqualTo(INTERVAL.multipliedBy(3).minus(TIMER_SLACK));
      client.assertOpen();
    }
  }

  @ConformanceTest
  void aClientThatAnswersNoHeartbeatIsDisconnected(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      long start = System.nanoTime();
      client.negotiate(Map.of("heartbeat_interval", INTERVAL.toMillis()));
      List<Frame> frames = client.framesUntilClosed();
      Duration connected = Duration.ofNanos(System.nanoTime() - start);

      assertThat(frames)
          .isNotEmpty()
          .allSatisfy(frame -> assertThat(frame).hasToString("RESPONSE \"_heartbeat_\""));
      assertThat(connected)
          .as("time until the broker closed the connection: two intervals")
          .isGreaterThanOrEqualTo(INTERVAL.multipliedBy(2).minus(TIMER_SLACK))
          .isLessThan(INTERVAL.multipliedBy(3));
    }
  }
}
