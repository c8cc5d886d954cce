package {{package}};

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kubefuncs.HandlerTester;
import io.kubefuncs.proto.HTTPResponse;
import org.junit.jupiter.api.Test;

/** The handler in memory, with no broker: what the gateway would send, and the answer. */
class {{className}}Test {
  @Test
  void answersHello() {
    HTTPResponse answer = HandlerTester.of({{className}}.HANDLER).http("GET", "/{{name}}/");

    assertEquals(200, answer.getStatus());
    assertEquals("hello from {{name}}\n", answer.getBody().toStringUtf8());
  }
}
