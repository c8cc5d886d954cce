package io.kubefuncs;

import com.google.protobuf.ByteString;
import io.kubefuncs.proto.Event;
import io.kubefuncs.proto.HTTPRequest;
import io.kubefuncs.proto.HTTPResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a {@link Handler} in memory, with no broker, under the same answering rules as a deployed
 * function: a unit test sends an event and asserts on the answer.
 *
 * <pre>{@code
 * HandlerTester pong = HandlerTester.of(msg -> msg.respond(GatewayResponse.ok("pong\n")));
 * assertThat(pong.http("GET", "/test/hello").getBody().toStringUtf8()).isEqualTo("pong\n");
 * }</pre>
 */
public final class HandlerTester {
  private final Handler handler;

  private HandlerTester(Handler handler) {
    this.handler = handler;
  }

  public static HandlerTester of(Handler handler) {
    return new HandlerTester(handler);
  }

  /**
   * Sends {@code payload} as an event with a return topic and returns the answer event: the
   * handler's, {@code Empty} if it gave none, or {@code Error} if it threw.
   */
  public Event call(String topic, com.google.protobuf.Message payload) {
    Event request = Events.newEvent(topic, "rpc-tester#ephemeral", payload);
    AtomicReference<Event> answer = new AtomicReference<>();
    Delivery message = new Delivery(request, 1, new Capture(answer));
    Throwable failure = null;
    try {
      handler.handle(message);
    } catch (Exception e) {
      failure = e;
    }
    message.answerIfHandlerDidNot(failure);
    return answer.get();
  }

  /** An HTTP request as the gateway sends it; returns the function's HTTP answer. */
  public HTTPResponse http(String method, String url, Map<String, String> headers, byte[] body) {
    HTTPRequest request =
        HTTPRequest.newBuilder()
            .setMethod(method)
            .setUrl(url)
            .putAllHeaders(headers)
            .setBody(ByteString.copyFrom(body))
            .build();
    Event answer = call("test", request);
    if (Payloads.is(answer.getPayload(), io.kubefuncs.proto.Error.class)) {
      throw new FunctionErrorException(
          "test", new Delivery(answer, 1, null).payload(io.kubefuncs.proto.Error.class).getError());
    }
    return new Delivery(answer, 1, null).payload(HTTPResponse.class);
  }

  public HTTPResponse http(String method, String url) {
    return http(method, url, Map.of(), new byte[0]);
  }

  public HTTPResponse http(String method, String url, String body) {
    return http(method, url, Map.of(), body.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends {@code payload} fire-and-forget; the handler's exception, if any, is thrown. */
  public void emit(String topic, com.google.protobuf.Message payload) throws Exception {
    handler.handle(
        new Delivery(Events.newEvent(topic, "", payload), 1, new Capture(new AtomicReference<>())));
  }

  private record Capture(AtomicReference<Event> answer) implements Delivery.Replies {
    @Override
    public CompletableFuture<Void> publish(String topic, Event response) {
      answer.set(response);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void touch() {}
  }
}
