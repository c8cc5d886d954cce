package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.nsq.internal.NsqNames;
import org.junit.jupiter.api.Test;

/** The part of a client's return topic name that its id gives: valid for NSQ, and its own. */
class ReturnIdTest {
  @Test
  void twoClientsOfOneHostGetTwoReturnTopics() {
    assertThat(Client.returnId("pong-5d9c7b6f4-x2x1z"))
        .startsWith("pong-5d9c7b6f4-x2x1z-")
        .matches(".*-[0-9a-f]{8}")
        .isNotEqualTo(Client.returnId("pong-5d9c7b6f4-x2x1z"));
  }

  @Test
  void anyIdMakesAValidTopicName() {
    for (String id : new String[] {null, "", "a b/c:d", "x".repeat(200)}) {
      String topic = "rpc-" + Client.returnId(id) + NsqNames.EPHEMERAL_SUFFIX;
      assertThat(NsqNames.checkTopic(topic)).as("id %s", id).isEqualTo(topic);
    }
  }
}
