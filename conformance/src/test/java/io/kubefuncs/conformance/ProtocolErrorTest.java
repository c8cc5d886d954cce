package io.kubefuncs.conformance;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.testkit.NsqdStats;
import java.util.List;
import java.util.Map;

/**
 * What a broker answers to commands it refuses, and whether it closes the connection afterwards.
 * nsqd closes after every error except a FIN, REQ or TOUCH of a message the client does not hold:
 * those are races a correct client can lose (the message timed out meanwhile), not protocol
 * violations. Only the error code is compared; the text after it is for humans.
 */
class ProtocolErrorTest {
  /** Sixteen characters, the length of a message id, that name no message in flight. */
  private static final String UNKNOWN_ID = "0123456789abcdef";

  @ConformanceTest
  void anUnknownCommandIsInvalid(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.send("HELLO");
      client.expectError("E_INVALID");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void subToAnInvalidTopicNameIsBadTopic(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.send("SUB not/a/topic ch");
      client.expectError("E_BAD_TOPIC");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void subToAnInvalidChannelNameIsBadChannel(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.send("SUB " + UniqueNames.topic("bad-channel") + " " + "c".repeat(65));
      client.expectError("E_BAD_CHANNEL");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void aSecondSubIsInvalid(Broker broker) {
    try (WireClient client = subscribed(broker)) {
      client.send("SUB " + UniqueNames.topic("second-sub") + " ch");
      client.expectError("E_INVALID");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void subWithHeartbeatsDisabledIsInvalid(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.sendIdentify(Map.of("heartbeat_interval", -1));
      client.expectOk();
      client.send("SUB " + UniqueNames.topic("no-heartbeat") + " ch");
      client.expectError("E_INVALID");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void subWithoutAChannelIsInvalid(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.send("SUB " + UniqueNames.topic("no-channel"));
      client.expectError("E_INVALID");
      client.assertClosedByBroker();
    }
  }

  /**
   * Names as nsqd checks them: 1 to 64 of {@code [.a-zA-Z0-9_-]}, then maybe {@code #ephemeral}.
   */
  @ConformanceTest
  void topicNamesFollowNsqdsRules(Broker broker) {
    String unique = UniqueNames.topic("n");
    String longest = unique + "x".repeat(64 - unique.length());
    for (String valid : List.of(unique + ".A-z_9", unique + "#ephemeral", longest)) {
      try (WireClient client = WireClient.connect(broker)) {
        client.send("PUB " + valid, "m".getBytes(UTF_8));
        assertThat(client.read().toString())
            .as("answer to PUB %s", valid)
            .isEqualTo("RESPONSE \"OK\"");
      }
    }
    for (String invalid :
        List.of(
            unique + "#other",
            "#ephemeral",
            unique + "#ephemeral#ephemeral",
            unique + "é",
            unique + ":x",
            longest + "x")) {
      try (WireClient client = WireClient.connect(broker)) {
        client.send("PUB " + invalid, "m".getBytes(UTF_8));
        assertThat(client.read().toString())
            .as("answer to PUB %s", invalid)
            .startsWith("ERROR \"E_BAD_TOPIC ");
        client.assertClosedByBroker();
      }
    }
  }

  @ConformanceTest
  void pubToAnInvalidTopicNameIsBadTopic(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.send("PUB " + "t".repeat(65), "body".getBytes(UTF_8));
      client.expectError("E_BAD_TOPIC");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void pubWithoutATopicIsInvalid(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.send("PUB");
      client.expectError("E_INVALID");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void anEmptyPubIsBadMessage(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.send("PUB " + UniqueNames.topic("empty"), new byte[0]);
      client.expectError("E_BAD_MESSAGE");
      client.assertClosedByBroker();
    }
  }

  /**
   * Only the size is sent: nsqd refuses on the size field, before reading a megabyte it would throw
   * away, and a broker must not wait for the body to decide.
   */
  @ConformanceTest
  void aPubOverTheMaximumMessageSizeIsBadMessage(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.sendSizeOnly("PUB " + UniqueNames.topic("too-big"), 1024 * 1024 + 1);
      client.expectError("E_BAD_MESSAGE");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void anMpubWithoutMessagesIsBadBody(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.sendMulti("MPUB " + UniqueNames.topic("mpub-none"), List.of());
      client.expectError("E_BAD_BODY");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void anMpubWithAnEmptyMessageIsBadMessageAndPublishesNothing(Broker broker) {
    String topic = UniqueNames.topic("mpub-empty");
    try (WireClient client = WireClient.connect(broker)) {
      client.sendMulti("MPUB " + topic, List.of("first".getBytes(UTF_8), new byte[0]));
      client.expectError("E_BAD_MESSAGE");
      client.assertClosedByBroker();
    }
    assertThat(NsqdStats.messageCount(broker.httpUrl(), topic))
        .as("messages of a refused MPUB, which is all or nothing")
        .isZero();
  }

  @ConformanceTest
  void anMpubToAnInvalidTopicNameIsBadTopic(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.sendMulti("MPUB bad!topic", List.of("m".getBytes(UTF_8)));
      client.expectError("E_BAD_TOPIC");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void aDpubDelayOverAnHourIsInvalid(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.send("DPUB " + UniqueNames.topic("dpub-long") + " 3600001", "m".getBytes(UTF_8));
      client.expectError("E_INVALID");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void aNegativeDpubDelayIsInvalid(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.send("DPUB " + UniqueNames.topic("dpub-nan") + " -5", "m".getBytes(UTF_8));
      client.expectError("E_INVALID");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void rdyBeforeSubIsInvalid(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.send("RDY 1");
      client.expectError("E_INVALID");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void rdyOverMaxRdyCountIsInvalid(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      long maxRdyCount = client.negotiate(Map.of()).get("max_rdy_count").asLong();
      client.subscribe(UniqueNames.topic("rdy-over"), "ch");
      client.send("RDY " + (maxRdyCount + 1));
      client.expectError("E_INVALID");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void aRdyCountThatIsNoNumberIsInvalid(Broker broker) {
    try (WireClient client = subscribed(broker)) {
      client.send("RDY many");
      client.expectError("E_INVALID");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void finBeforeSubIsInvalid(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.send("FIN " + UNKNOWN_ID);
      client.expectError("E_INVALID");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void finOfAMalformedIdIsInvalid(Broker broker) {
    try (WireClient client = subscribed(broker)) {
      client.send("FIN 1234");
      client.expectError("E_INVALID");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void finOfAnUnknownIdFailsButKeepsTheConnection(Broker broker) {
    try (WireClient client = subscribed(broker)) {
      client.send("FIN " + UNKNOWN_ID);
      client.expectError("E_FIN_FAILED");
      client.assertOpen();
    }
  }

  @ConformanceTest
  void finOfAMessageHeldByAnotherClientFailsAndLeavesItWithItsHolder(Broker broker) {
    String topic = UniqueNames.topic("not-yours");
    try (WireClient holder = WireClient.consumer(broker, topic, "ch", 1);
        WireClient other = WireClient.consumer(broker, topic, "ch", 0)) {
      other.publish(topic, "held");
      MessageFrame held = holder.expectMessage();

      other.send("FIN " + held.id());
      other.expectError("E_FIN_FAILED");
      other.assertOpen();
      holder.send("FIN " + held.id());
      holder.assertOpen(); // no E_FIN_FAILED: still the holder's to finish
    }
  }

  @ConformanceTest
  void reqOfAnUnknownIdFailsButKeepsTheConnection(Broker broker) {
    try (WireClient client = subscribed(broker)) {
      client.send("REQ " + UNKNOWN_ID + " 0");
      client.expectError("E_REQ_FAILED");
      client.assertOpen();
    }
  }

  @ConformanceTest
  void touchOfAnUnknownIdFailsButKeepsTheConnection(Broker broker) {
    try (WireClient client = subscribed(broker)) {
      client.send("TOUCH " + UNKNOWN_ID);
      client.expectError("E_TOUCH_FAILED");
      client.assertOpen();
    }
  }

  @ConformanceTest
  void aReqTimeoutThatIsNoNumberIsInvalid(Broker broker) {
    try (WireClient client = subscribed(broker)) {
      client.send("REQ " + UNKNOWN_ID + " soon");
      client.expectError("E_INVALID");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void clsBeforeSubIsInvalid(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.send("CLS");
      client.expectError("E_INVALID");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void identifyAfterSubIsInvalid(Broker broker) {
    try (WireClient client = subscribed(broker)) {
      client.sendIdentify(Map.of("client_id", "late"));
      client.expectError("E_INVALID");
      client.assertClosedByBroker();
    }
  }

  @ConformanceTest
  void identifyWithABodyThatIsNoJsonIsBadBody(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.send("IDENTIFY", "{not json".getBytes(UTF_8));
      client.expectError("E_BAD_BODY");
      client.assertClosedByBroker();
    }
  }

  /** nsqd's limits, at its default options; each refusal closes the connection. */
  @ConformanceTest
  void identifyRefusesSettingsOutsideNsqdsLimitsAsBadBody(Broker broker) {
    List<Map<String, Integer>> refused =
        List.of(
            Map.of("heartbeat_interval", 999),
            Map.of("heartbeat_interval", 60_001),
            Map.of("msg_timeout", 999),
            Map.of("msg_timeout", 15 * 60_000 + 1),
            Map.of("sample_rate", 100),
            Map.of("output_buffer_size", 63),
            Map.of("output_buffer_timeout", 24));
    for (Map<String, Integer> setting : refused) {
      try (WireClient client = WireClient.connect(broker)) {
        client.sendIdentify(setting);
        assertThat(client.read().toString())
            .as("answer to IDENTIFY %s", setting)
            .startsWith("ERROR \"E_BAD_BODY ");
        client.assertClosedByBroker();
      }
    }
  }

  @ConformanceTest
  void authWhenTheBrokerHasNoAuthIsAuthDisabled(Broker broker) {
    try (WireClient client = WireClient.connect(broker)) {
      client.send("AUTH", "secret".getBytes(UTF_8));
      client.expectError("E_AUTH_DISABLED");
      client.assertClosedByBroker();
    }
  }

  private static WireClient subscribed(Broker broker) {
    return WireClient.consumer(broker, UniqueNames.topic("errors"), "ch", 0);
  }
}
