package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubefuncs.proto.Empty;
import io.kubefuncs.proto.Event;
import io.kubefuncs.proto.HTTPRequest;
import io.kubefuncs.proto.HTTPResponse;
import org.junit.jupiter.api.Test;

class HandlerTesterTest {
  @Test
  void httpAnswerComesBackAsTheGatewayWouldSeeIt() {
    HandlerTester echo =
        HandlerTester.of(
            msg -> {
              GatewayRequest req = msg.http();
              msg.respond(
                  GatewayResponse.of(
                          201,
                          req.method()
                              + " "
                              + req.path()
                              + " "
                              + req.queryParameter("q")
                              + " "
                              + req.bodyAsString())
                      .withHeader("X-Echo", req.header("x-in")));
            });
    HTTPResponse r =
        echo.http("POST", "/echo/x?q=a%20b", java.util.Map.of("X-In", "1"), "hi".getBytes());
    assertThat(r.getStatus()).isEqualTo(201);
    assertThat(r.getBody().toStringUtf8()).isEqualTo("POST /echo/x a b hi");
    assertThat(r.getHeadersMap()).containsEntry("X-Echo", "1");
  }

  @Test
  void silentHandlerAnswersEmptyAndFailingHandlerAnswersError() {
    Event empty = HandlerTester.of(msg -> {}).call("t", HTTPRequest.getDefaultInstance());
    assertThat(empty.getPayload().is(Empty.class)).isTrue();

    HandlerTester failing =
        HandlerTester.of(
            msg -> {
              throw new IllegalStateException("boom");
            });
    Event error = failing.call("t", HTTPRequest.getDefaultInstance());
    assertThat(error.getPayload().is(io.kubefuncs.proto.Error.class)).isTrue();
    assertThatThrownBy(() -> failing.http("GET", "/"))
        .isInstanceOf(FunctionErrorException.class)
        .hasMessageContaining("boom");
  }

  @Test
  void answerKeepsTheRequestIdAndGoesToTheReturnTopic() {
    String[] requestId = new String[1];
    Event answer =
        HandlerTester.of(
                msg -> {
                  requestId[0] = msg.id();
                  msg.respond(GatewayResponse.ok("x"));
                })
            .call("t", HTTPRequest.getDefaultInstance());
    assertThat(answer.getId()).isEqualTo(requestId[0]);
    assertThat(answer.getTopic()).isEqualTo("rpc-tester#ephemeral");
  }

  @Test
  void secondAnswerIsRefused() {
    Event answer =
        HandlerTester.of(
                msg -> {
                  msg.respond(GatewayResponse.ok("first"));
                  assertThatThrownBy(() -> msg.respond(GatewayResponse.ok("second")))
                      .isInstanceOf(IllegalStateException.class);
                })
            .call("t", HTTPRequest.getDefaultInstance());
    assertThat(new Delivery(answer, 1, null).payload(HTTPResponse.class).getBody().toStringUtf8())
        .isEqualTo("first");
  }
}
