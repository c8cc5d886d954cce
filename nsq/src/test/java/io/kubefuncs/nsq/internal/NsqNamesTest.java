package io.kubefuncs.nsq.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NsqNamesTest {
  @Test
  void acceptsWhatNsqdAccepts() {
    assertThat(NsqNames.checkTopic("orders.v1_new-2")).isEqualTo("orders.v1_new-2");
    assertThat(NsqNames.checkChannel("rpc-abc#ephemeral")).isEqualTo("rpc-abc#ephemeral");
    assertThat(NsqNames.checkTopic("a".repeat(64))).hasSize(64);
    assertThat(NsqNames.isEphemeral("x#ephemeral")).isTrue();
  }

  @Test
  void rejectsWithAReasonThatNamesTheProblem() {
    assertThatThrownBy(() -> NsqNames.checkTopic("")).hasMessage("topic name is empty");
    assertThatThrownBy(() -> NsqNames.checkTopic("a".repeat(65)))
        .hasMessageContaining("65 characters, nsqd allows 64");
    assertThatThrownBy(() -> NsqNames.checkChannel("has space"))
        .hasMessageStartingWith("channel name 'has space' is invalid");
    assertThatThrownBy(() -> NsqNames.checkTopic("x#other"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NsqNames.checkTopic("#ephemeral"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NsqNames.checkTopic("tøpic"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
