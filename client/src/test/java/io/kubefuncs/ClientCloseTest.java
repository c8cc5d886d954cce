package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.StringValue;
import io.kubefuncs.testkit.NsqExtension;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What close() does to calls: none is left waiting, and none starts after it. Real nsqd. */
class ClientCloseTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  private static Client client() {
    return Client.builder()
        .nsqd(nsq.nsqdProcess().tcpAddress())
        .clientId("closing")
        .registry(new PrometheusRegistry())
        .build();
  }

  @Test
  void aCallWaitingForItsAnswerFailsWhenTheClientCloses() {
    Client client = client();
    client.connect().join();
    // Nobody consumes this topic: the call would wait its whole minute.
    CompletableFuture<Delivery> waiting =
        client.call("nobody-home", StringValue.of("hello"), Duration.ofMinutes(1));

    client.close();

    assertThat(waiting)
        .failsWithin(Duration.ofSeconds(1))
        .withThrowableThat()
        .havingRootCause()
        .isInstanceOf(ClientClosedException.class);
  }

  @Test
  void callsAndEmitsAfterCloseFailAtOnce() {
    Client client = client();
    client.close();

    assertThat(client.call("test", StringValue.of("x"), Duration.ofSeconds(30)))
        .failsWithin(Duration.ofMillis(100))
        .withThrowableThat()
        .havingRootCause()
        .isInstanceOf(ClientClosedException.class);
    assertThat(client.emit("test", StringValue.of("x")))
        .failsWithin(Duration.ofMillis(100))
        .withThrowableThat()
        .havingRootCause()
        .isInstanceOf(ClientClosedException.class);
  }
}
