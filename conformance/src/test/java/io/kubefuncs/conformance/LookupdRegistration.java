package io.kubefuncs.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;

/**
 * nsqd tells nsqlookupd about its topics and channels asynchronously, so whatever a test expects
 * from nsqlookupd after acting on nsqd is awaited, with a deadline.
 */
final class LookupdRegistration {
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  private LookupdRegistration() {}

  /** Waits until {@code /lookup?topic=} lists the broker's nsqd, and returns that answer. */
  static JsonNode awaitTopic(Broker broker, String topic) {
    String url = broker.lookupdHttpUrl() + "/lookup?topic=" + Http.encode(topic);
    JsonNode[] answer = new JsonNode[1];
    await()
        .atMost(TIMEOUT)
        .untilAsserted(
            () -> {
              Http.Response response = Http.get(url);
              assertThat(response.status()).as("%s", response).isEqualTo(200);
              answer[0] = response.json();
              assertThat(answer[0].path("producers")).as("%s", response).isNotEmpty();
            });
    return answer[0];
  }
}
