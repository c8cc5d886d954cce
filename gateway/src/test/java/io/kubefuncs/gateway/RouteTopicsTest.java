package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.testkit.NsqExtension;
import io.kubefuncs.testkit.NsqdProcess;
import io.kubefuncs.testkit.NsqdStats;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The gateway makes its routes' topics exist on its nsqd, at start and on every reload, with no
 * channel (one nobody consumes would keep every message forever); an nsqd that is down only delays
 * it.
 */
class RouteTopicsTest {
  @RegisterExtension NsqExtension nsq = NsqExtension.nsqd();

  @Test
  void theRoutesTopicsExistOnNsqdOnceLoadedAndOnceReloaded() throws Exception {
    NsqdProcess nsqd = nsq.nsqdProcess();
    try (TestGateway gateway =
        TestGateway.builder(nsqd.tcpAddress())
            .nsqdHttp(nsqd.httpAddress())
            .routes("routes:\n  /a/: topic-a\n  /b/: {topic: topic-b, async: true}\n")
            .start()) {
      awaitTopic(nsqd, "topic-a");
      awaitTopic(nsqd, "topic-b");

      gateway.replaceRoutes("routes:\n  /a/: topic-a\n  /c/: topic-c\n");
      awaitTopic(nsqd, "topic-c");
    }
  }

  @Test
  void anNsqdDownWhenRoutesAreLoadedGetsTheTopicsOnceItIsBack() throws Exception {
    NsqdProcess nsqd = nsq.nsqdProcess();
    nsqd.stop();
    try (TestGateway gateway =
        TestGateway.builder(nsqd.tcpAddress())
            .nsqdHttp(nsqd.httpAddress())
            .routes("routes:\n  /late/: late\n")
            .start()) {
      nsqd.restart();
      awaitTopic(nsqd, "late");
    }
  }

  private static void awaitTopic(NsqdProcess nsqd, String topic) {
    await(topic + " on nsqd")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> NsqdStats.topic(nsqd.httpUrl(), topic).has("topic_name"));
    assertThat(NsqdStats.topic(nsqd.httpUrl(), topic).path("channels"))
        .as("channels of %s", topic)
        .isEmpty();
  }
}
