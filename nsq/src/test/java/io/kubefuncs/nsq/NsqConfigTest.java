package io.kubefuncs.nsq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class NsqConfigTest {
  @Test
  void emptyPollIntervalDefaultsToOneSecondUnderTheMinutePoll() {
    NsqConfig defaults = NsqConfig.defaults();
    assertThat(defaults.lookupdPollInterval).isEqualTo(Duration.ofSeconds(60));
    assertThat(defaults.lookupdEmptyPollInterval).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void emptyPollIntervalDefaultFollowsAShorterPollInterval() {
    NsqConfig config = NsqConfig.builder().lookupdPollInterval(Duration.ofMillis(200)).build();
    assertThat(config.lookupdEmptyPollInterval).isEqualTo(Duration.ofMillis(200));
    // What the SDK does for its return topic: a copy of the defaults with another poll interval.
    NsqConfig copy =
        NsqConfig.defaults().toBuilder().lookupdPollInterval(Duration.ofMillis(300)).build();
    assertThat(copy.lookupdEmptyPollInterval).isEqualTo(Duration.ofMillis(300));
    NsqConfig back = copy.toBuilder().lookupdPollInterval(Duration.ofSeconds(15)).build();
    assertThat(back.lookupdEmptyPollInterval).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void emptyPollIntervalIsKeptAsSetAndCopied() {
    NsqConfig config =
        NsqConfig.builder().lookupdEmptyPollInterval(Duration.ofMillis(2500)).build();
    assertThat(config.lookupdEmptyPollInterval).isEqualTo(Duration.ofMillis(2500));
    assertThat(config.toBuilder().maxInFlight(5).build().lookupdEmptyPollInterval)
        .isEqualTo(Duration.ofMillis(2500));
  }

  @Test
  void emptyPollIntervalMustBePositive() {
    for (Duration bad : new Duration[] {null, Duration.ZERO, Duration.ofMillis(-1)}) {
      assertThatThrownBy(() -> NsqConfig.builder().lookupdEmptyPollInterval(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("lookupdEmptyPollInterval must be positive, got " + bad);
    }
  }

  @Test
  void emptyPollIntervalMustNotExceedThePollInterval() {
    String message =
        "lookupdEmptyPollInterval PT11S must not be longer than lookupdPollInterval PT10S";
    assertThatThrownBy(
            () ->
                NsqConfig.builder()
                    .lookupdPollInterval(Duration.ofSeconds(10))
                    .lookupdEmptyPollInterval(Duration.ofSeconds(11))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
    // Whatever the order of the calls.
    assertThatThrownBy(
            () ->
                NsqConfig.builder()
                    .lookupdEmptyPollInterval(Duration.ofSeconds(11))
                    .lookupdPollInterval(Duration.ofSeconds(10))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
    NsqConfig equal =
        NsqConfig.builder()
            .lookupdPollInterval(Duration.ofSeconds(10))
            .lookupdEmptyPollInterval(Duration.ofSeconds(10))
            .build();
    assertThat(equal.lookupdEmptyPollInterval).isEqualTo(Duration.ofSeconds(10));
  }
}
