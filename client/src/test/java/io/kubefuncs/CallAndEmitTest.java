package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.StringValue;
import io.kubefuncs.proto.Empty;
import io.kubefuncs.proto.HTTPRequest;
import io.kubefuncs.proto.HTTPResponse;
import io.kubefuncs.testkit.NsqExtension;
import io.kubefuncs.testkit.NsqdStats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Request/response and fire-and-forget between two clients through one real nsqd: one client plays
 * the function (it subscribes with {@link Client#on}), the other the caller.
 */
class CallAndEmitTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  private static Client function;
  private static Client caller;

  @BeforeAll
  static void clients() {
    function =
        Client.builder()
            .nsqd(nsq.nsqdProcess().tcpAddress())
            .clientId("fn")
            .registry(new PrometheusRegistry())
            .build();
    caller =
        Client.builder()
            .nsqd(nsq.nsqdProcess().tcpAddress())
            .clientId("caller")
            .registry(new PrometheusRegistry())
            .build();
  }

  @AfterAll
  static void close() {
    caller.close();
    function.close();
  }

  private static Subscription subscribe(String topic, Handler handler) {
    Subscription s = function.on(topic, "default", handler);
    s.ready().join();
    return s;
  }

  @Test
  void httpCallRoundTripsMethodUrlHeadersBodyAndTheAnswerCarriesTheRequestId() throws Exception {
    AtomicReference<String> requestId = new AtomicReference<>();
    AtomicReference<Map<String, Object>> seen = new AtomicReference<>();
    try (Subscription s =
        subscribe(
            "orders",
            msg -> {
              GatewayRequest req = msg.http();
              requestId.set(msg.id());
              seen.set(
                  Map.of(
                      "method", req.method(),
                      "url", req.url(),
                      "path", req.path(),
                      "id", req.queryParameter("id"),
                      "note", req.queryParameter("note"),
                      "trace", req.header("x-trace-id"),
                      "body", req.bodyAsString(),
                      "return", msg.returnTopic(),
                      "topic", msg.topic()));
              msg.respond(
                  GatewayResponse.of(201, "created order 42\n")
                      .withHeader("Location", "/orders/42"));
            })) {
      HTTPRequest request =
          HTTPRequest.newBuilder()
              .setMethod("POST")
              .setUrl("/orders?id=42&note=a%20b")
              .putHeaders("X-Trace-Id", "t-1")
              .putHeaders("Content-Type", "application/json")
              .setBody(ByteString.copyFromUtf8("{\"sku\":\"x\"}"))
              .build();

      Delivery answer =
          caller.call("orders", request, Duration.ofSeconds(10)).get(10, TimeUnit.SECONDS);

      assertThat(seen.get())
          .containsEntry("method", "POST")
          .containsEntry("url", "/orders?id=42&note=a%20b")
          .containsEntry("path", "/orders")
          .containsEntry("id", "42")
          .containsEntry("note", "a b")
          .containsEntry("trace", "t-1")
          .containsEntry("body", "{\"sku\":\"x\"}")
          .containsEntry("return", caller.returnTopic())
          .containsEntry("topic", "orders");
      assertThat(answer.id())
          .as("the answer's Event id is the request's")
          .isEqualTo(requestId.get());
      assertThat(answer.isPayload(HTTPResponse.class)).as(answer.payloadType()).isTrue();
      HTTPResponse response = answer.payload(HTTPResponse.class);
      assertThat(response.getStatus()).isEqualTo(201);
      assertThat(response.getHeadersMap())
          .containsEntry("Location", "/orders/42")
          .containsEntry("Content-Type", "text/plain; charset=utf-8");
      assertThat(response.getBody().toStringUtf8()).isEqualTo("created order 42\n");
      assertThat(answer.expectsResponse()).as("an answer is not to be answered").isFalse();
    }
  }

  @Test
  void handlerThatReturnsWithoutRespondingAnswersEmpty() throws Exception {
    AtomicReference<String> requestId = new AtomicReference<>();
    try (Subscription s = subscribe("silent", msg -> requestId.set(msg.id()))) {
      Delivery answer =
          caller
              .call("silent", StringValue.of("hi"), Duration.ofSeconds(10))
              .get(10, TimeUnit.SECONDS);

      assertThat(answer.payloadType()).isEqualTo("type.googleapis.com/kubefuncs.Empty");
      assertThat(answer.isPayload(Empty.class)).isTrue();
      assertThat(answer.id()).isEqualTo(requestId.get());
    }
  }

  @Test
  void handlerThatThrowsFailsTheCallWithItsMessage() {
    try (Subscription s =
        subscribe(
            "failing",
            msg -> {
              throw new IllegalStateException("out of stock: sku-7");
            })) {
      CompletableFuture<Delivery> call =
          caller.call("failing", StringValue.of("buy"), Duration.ofSeconds(10));

      assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              FunctionErrorException.class, e -> assertThat(e.topic()).isEqualTo("failing"))
          .hasMessageContaining("out of stock: sku-7");
    }
  }

  @Test
  void callToATopicNobodyConsumesTimesOut() {
    long start = System.nanoTime();
    CompletableFuture<Delivery> call =
        caller.call("nobody-home", StringValue.of("anyone?"), Duration.ofMillis(400));

    assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(TimeoutException.class);
    long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
    assertThat(elapsedMillis).isBetween(400L, 5_000L);
    // The request really was published: it waits on the topic for a consumer that never came.
    assertThat(NsqdStats.topic(nsq.nsqdProcess().httpUrl(), "nobody-home").path("depth").asLong())
        .isEqualTo(1);
  }

  @Test
  void emitReachesTheSubscriptionWithoutAReturnTopic() throws Exception {
    List<Delivery> received = new CopyOnWriteArrayList<>();
    try (Subscription s = subscribe("clicks", received::add)) {
      caller.emit("clicks", StringValue.of("button-3")).get(10, TimeUnit.SECONDS);

      await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
      Delivery m = received.get(0);
      assertThat(m.expectsResponse()).isFalse();
      assertThat(m.returnTopic()).isEmpty();
      assertThat(m.topic()).isEqualTo("clicks");
      assertThat(m.attempts()).isEqualTo(1);
      assertThat(m.payload(StringValue.class).getValue()).isEqualTo("button-3");
      // Finished, and nothing was answered: no event is left on the channel.
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> NsqdStats.channelEmpty(nsq.nsqdProcess().httpUrl(), "clicks", "default"));
    }
  }
}
