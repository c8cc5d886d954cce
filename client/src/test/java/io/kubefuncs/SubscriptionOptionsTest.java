package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SubscriptionOptionsTest {
  @Test
  void retriesWaitTheBaseThenDoubleUpToAMinute() {
    SubscriptionOptions options =
        SubscriptionOptions.defaults("orders").withRetryBase(Duration.ofSeconds(5));

    assertThat(options.retryDelay(1)).isEqualTo(Duration.ofSeconds(5));
    assertThat(options.retryDelay(2)).isEqualTo(Duration.ofSeconds(10));
    assertThat(options.retryDelay(4)).isEqualTo(Duration.ofSeconds(40));
    assertThat(options.retryDelay(5)).isEqualTo(Duration.ofMinutes(1));
    assertThat(options.retryDelay(500)).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void atLeastOneAttempt() {
    assertThatThrownBy(() -> SubscriptionOptions.defaults("orders").withMaxAttempts(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxAttempts must be at least 1, got 0");
  }
}
