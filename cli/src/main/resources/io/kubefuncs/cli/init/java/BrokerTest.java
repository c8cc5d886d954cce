package {{package}};

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kubefuncs.Client;
import io.kubefuncs.Delivery;
import io.kubefuncs.devbroker.DevBroker;
import io.kubefuncs.devbroker.DevBrokerExtension;
import io.kubefuncs.proto.HTTPRequest;
import io.kubefuncs.proto.HTTPResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The handler behind a real NSQ broker, as the gateway reaches it: subscribed to its topic, called
 * with an HTTP request, answering on the caller's return topic. The broker is the dev broker, in
 * this JVM (DevBrokerExtension): no nsqd to install.
 */
@ExtendWith(DevBrokerExtension.class)
class {{className}}BrokerTest {
  @Test
  void answersACallOverNsq(DevBroker broker) {
    try (Client client = Client.builder().nsqd(broker.nsqd()).build()) {
      client.on("{{name}}", "default", {{className}}.HANDLER);

      HTTPRequest request = HTTPRequest.newBuilder().setMethod("GET").setUrl("/{{name}}/").build();
      Delivery answer = client.call("{{name}}", request, Duration.ofSeconds(30)).join();

      HTTPResponse response = answer.payload(HTTPResponse.class);
      assertEquals(200, response.getStatus());
      assertEquals("hello from {{name}}\n", response.getBody().toStringUtf8());
    }
  }
}
