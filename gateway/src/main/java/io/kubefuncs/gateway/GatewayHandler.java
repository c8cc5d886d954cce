package io.kubefuncs.gateway;

import io.kubefuncs.Client;
import io.kubefuncs.internal.MetricsScrape;
import io.kubefuncs.internal.PlainText;
import io.kubefuncs.proto.HTTPRequest;
import io.kubefuncs.proto.HTTPResponse;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Turns each HTTP request into a call to the function its route names, and the answer back into
 * HTTP. Shared by every connection, and stateless but for the topics nsqd refused; the call's
 * completion hops back onto the connection's event loop to write.
 */
@ChannelHandler.Sharable
final class GatewayHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  static final String EVENT_ID_HEADER = "X-Kubefuncs-Event-Id";

  /**
   * Set, to the topic, on answers to requests for a topic no function consumed when they came in.
   */
  static final String NO_CONSUMER_HEADER = "X-Kubefuncs-No-Consumer";

  /**
   * The largest HTTPRequest payload that still fits one NSQ message (nsqd's default --max-msg-size)
   * once wrapped in an Event with its id, topics and type URL.
   */
  static final int MAX_EVENT_PAYLOAD = io.kubefuncs.nsq.NsqConfig.DEFAULT_MAX_MESSAGE_SIZE - 1024;

  private final Client client;
  private final AtomicReference<Routes> routes;
  private final GatewayMetrics metrics;
  private final MetricsScrape metricsPage;
  private final boolean exposeFunctionErrors;
  private final TopicConsumers consumers;
  private final BodyBudget.Pool bodies;

  /** Null when tracing is off. */
  private final RequestSpans spans;

  /** Requests published and not yet answered: what a shutdown waits for. */
  private final AtomicInteger active = new AtomicInteger();

  /** Completed when {@link #active} next drops to zero; see {@link #idle()}. */
  private final Queue<CompletableFuture<Void>> idleWaiters = new ConcurrentLinkedQueue<>();

  private volatile boolean draining;

  /**
   * Topics nsqd refused the gateway (E_UNAUTHORIZED), with nsqd's word and until when that is
   * answered without asking again: nsqd closes the connection on each refusal, and every route
   * shares it, so requests to an ungranted route must not keep taking it down for the others.
   */
  private final ConcurrentHashMap<String, TopicRefusal> refused = new ConcurrentHashMap<>();

  private record TopicRefusal(String message, long untilNanos) {}

  /**
   * How long a refused topic is answered from memory; a grant the auth server adds takes effect
   * after it.
   */
  private static final Duration REFUSAL_MEMORY = Duration.ofSeconds(10);

  GatewayHandler(
      Client client,
      AtomicReference<Routes> routes,
      GatewayMetrics metrics,
      PrometheusRegistry registry,
      boolean exposeFunctionErrors,
      TopicConsumers consumers,
      BodyBudget.Pool bodies,
      RequestSpans spans) {
    this.bodies = bodies;
    this.spans = spans;
    this.client = client;
    this.routes = routes;
    this.metrics = metrics;
    this.metricsPage = new MetricsScrape(registry);
    this.exposeFunctionErrors = exposeFunctionErrors;
    this.consumers = consumers;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    Exchange ex = new Exchange(ctx, request);
    DecoderResult decoded = request.decoderResult();
    if (decoded.isFailure()) {
      Throwable cause = decoded.cause();
      if (cause instanceof HttpRequestChecks.Refused refused) {
        ex.fail(refused.status, refused.code, refused.getMessage(), true);
      } else if (cause instanceof TooLongHttpHeaderException) {
        ex.fail(
            HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            "request headers are too large",
            true);
      } else if (cause instanceof TooLongHttpLineException) {
        ex.fail(
            HttpResponseStatus.REQUEST_URI_TOO_LONG,
            "uri_too_long",
            "request line is too long",
            true);
      } else {
        ex.fail(
            HttpResponseStatus.BAD_REQUEST,
            "bad_request",
            "malformed HTTP request: " + cause.getMessage(),
            true);
      }
      return;
    }
    String uri = request.uri();
    String path = path(uri);
    Route route = routes.get().match(path);
    if (route == null) {
      ex.fail(HttpResponseStatus.NOT_FOUND, "no_route", "no route for " + path, false);
      return;
    }
    ex.route = route;
    if (spans != null) {
      ex.span = spans.start(request, path, route);
    }
    TopicRefusal refusal = refused.get(route.topic());
    if (refusal != null) {
      if (System.nanoTime() - refusal.untilNanos() < 0) {
        ex.fail(
            HttpResponseStatus.BAD_GATEWAY, FailureResponse.UNAUTHORIZED, refusal.message(), false);
        return;
      }
      refused.remove(route.topic(), refusal);
    }
    if (!client.isConnected()) {
      ex.fail(
          HttpResponseStatus.SERVICE_UNAVAILABLE,
          "nsq_unavailable",
          "not connected to NSQ; retry shortly",
          false);
      return;
    }
    HTTPRequest event = HttpEvents.request(request, uri, ctx.channel().remoteAddress());
    if (event.getSerializedSize() > MAX_EVENT_PAYLOAD) {
      // Under the body limit but over what one NSQ message carries: still the client's to fix.
      ex.fail(
          HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
          "body_too_large",
          "request is "
              + event.getSerializedSize()
              + " bytes as an event; one NSQ message carries at most "
              + MAX_EVENT_PAYLOAD,
          false);
      return;
    }
    if (consumers.knownToHaveNone(route.topic())) {
      ex.unconsumed = true;
      metrics.noConsumer.labelValues(route.prefix()).inc();
    }
    // The body stays taken from the budget until its call ends: its copies live until nsqd has
    // the event, and a slow nsqd must not let the bodies in flight grow past the budget.
    long bodyBytes = BodyBudget.Pool.counted(request.content().readableBytes());
    if (!bodies.take(bodyBytes)) {
      ex.send(BodyBudget.busy());
      return;
    }
    boolean async =
        route.async() || "respond-async".equalsIgnoreCase(request.headers().get("Prefer"));
    active.incrementAndGet();
    // Current while the event is published: the client's publish span is its child, and the event
    // carries the trace on. Closed before any answer, which runs on the event loop later.
    Scope scope = ex.span == null ? null : ex.span.makeCurrent();
    try {
      publish(ctx, ex, route, event, bodyBytes, async);
    } finally {
      if (scope != null) {
        scope.close();
      }
    }
  }

  private void publish(
      ChannelHandlerContext ctx,
      Exchange ex,
      Route route,
      HTTPRequest event,
      long bodyBytes,
      boolean async) {
    if (async) {
      // Completed on this connection's event loop, where the answer is written.
      client
          .emit(route.topic(), event, ctx.executor())
          .whenComplete(
              (id, e) -> {
                answered();
                bodies.give(bodyBytes);
                if (e != null) {
                  failed(ex, e);
                } else {
                  FullHttpResponse r =
                      new DefaultFullHttpResponse(
                          HttpVersion.HTTP_1_1, HttpResponseStatus.ACCEPTED, Unpooled.EMPTY_BUFFER);
                  r.headers().set(EVENT_ID_HEADER, id);
                  ex.send(r);
                }
              });
      return;
    }
    metrics.inFlight.inc();
    client
        .call(route.topic(), event, route.timeout(), ctx.executor())
        .whenComplete(
            (answer, e) -> {
              metrics.inFlight.dec();
              answered();
              bodies.give(bodyBytes);
              if (e != null) {
                failed(ex, e);
                return;
              }
              FullHttpResponse response;
              try {
                response =
                    HttpEvents.response(
                        answer.isPayload(HTTPResponse.class)
                            ? answer.payload(HTTPResponse.class)
                            : null);
              } catch (RuntimeException invalid) {
                // Not a response HTTP can carry (a status out of range, a header with a
                // newline...): answer 502 rather than throw on the event loop and leave the
                // client waiting.
                ex.fail(
                    HttpResponseStatus.BAD_GATEWAY,
                    "function_error",
                    exposeFunctionErrors
                        ? "the function's answer is not a valid HTTP response: "
                            + invalid.getMessage()
                        : "the function failed",
                    false);
                return;
              }
              ex.send(response);
            });
  }

  private void failed(Exchange ex, Throwable e) {
    FailureResponse failure = FailureResponse.of(e, ex.route, ex.unconsumed, exposeFunctionErrors);
    if (failure.status() == HttpResponseStatus.GATEWAY_TIMEOUT) {
      metrics.timeouts.labelValues(ex.route.prefix()).inc();
    } else if (failure.code().equals(FailureResponse.UNAUTHORIZED)) {
      refused.put(
          ex.route.topic(),
          new TopicRefusal(failure.message(), System.nanoTime() + REFUSAL_MEMORY.toNanos()));
    }
    ex.fail(failure.status(), failure.code(), failure.message(), false);
  }

  static FullHttpResponse json(HttpResponseStatus status, String code, String message) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            Unpooled.wrappedBuffer(ErrorBody.of(status.code(), code, message)));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    return r;
  }

  /**
   * Stops answering health checks with 200 and keeping connections open: the gateway is going away.
   */
  void drain() {
    draining = true;
  }

  /** Requests published to NSQ and not yet answered. */
  int active() {
    return active.get();
  }

  /**
   * Completes when no published request is unanswered: at once if none is, else when the last one
   * is answered. A shutdown waits on it instead of polling {@link #active()}.
   */
  CompletableFuture<Void> idle() {
    CompletableFuture<Void> idle = new CompletableFuture<>();
    idleWaiters.add(idle);
    if (active.get() == 0) {
      idle.complete(null);
    }
    return idle;
  }

  private void answered() {
    if (active.decrementAndGet() == 0) {
      for (CompletableFuture<Void> idle; (idle = idleWaiters.poll()) != null; ) {
        idle.complete(null);
      }
    }
  }

  /**
   * Answers {@code /healthz} or {@code /metrics} from the request's head, in its turn among the
   * connection's answers (for {@link AdminEndpoints}, ahead of the body stages); false for any
   * other path. Not counted in the request metrics.
   */
  boolean answerAdmin(ChannelHandlerContext ctx, HttpRequest request) {
    FullHttpResponse response =
        switch (path(request.uri())) {
          case "/healthz" -> health();
          case "/metrics" -> metricsPage.answer(request);
          default -> null;
        };
    if (response == null) {
      return false;
    }
    new Exchange(ctx, request).write(response, false);
    return true;
  }

  private static String path(String uri) {
    int q = uri.indexOf('?');
    return q < 0 ? uri : uri.substring(0, q);
  }

  private FullHttpResponse health() {
    if (draining) {
      return PlainText.response(HttpResponseStatus.SERVICE_UNAVAILABLE, "draining\n");
    }
    boolean up = client.isConnected();
    return PlainText.response(
        up ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
        up ? "ok\n" : "not connected to NSQ\n");
  }

  /** Frames a response for the connection: its length, and whether the connection stays open. */
  private FullHttpResponse framed(FullHttpResponse response, boolean keepAlive) {
    HttpUtil.setContentLength(response, response.content().readableBytes());
    if (keepAlive && !draining) {
      HttpUtil.setKeepAlive(response, true);
    } else {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return response;
  }

  /**
   * One request on its way through the gateway: where its answer goes, in which place among the
   * connection's answers, and what the metrics record of it.
   */
  private final class Exchange {
    private final PipelinedResponses order;
    private final int seq;
    private final boolean keepAlive;
    private final long start = System.nanoTime();
    Route route;

    /** The request's SERVER span, from its route on; null when tracing is off. */
    Span span;

    /** The route's topic had no consumer when the request came in. */
    boolean unconsumed;

    Exchange(ChannelHandlerContext ctx, HttpRequest request) {
      this.order = PipelinedResponses.of(ctx.channel());
      this.seq = order.next();
      this.keepAlive = HttpUtil.isKeepAlive(request);
    }

    void fail(HttpResponseStatus status, String code, String message, boolean close) {
      send(json(status, code, message), close);
    }

    void send(FullHttpResponse response) {
      send(response, false);
    }

    /** Answers a request that counts in the metrics: everything but health checks and scrapes. */
    private void send(FullHttpResponse response, boolean close) {
      String label = route == null ? "none" : route.prefix();
      metrics.requests.labelValues(label, Integer.toString(response.status().code())).inc();
      metrics.latency.labelValues(label).observe((System.nanoTime() - start) / 1e9);
      if (unconsumed) {
        response.headers().set(NO_CONSUMER_HEADER, route.topic());
      }
      if (span != null) {
        response.headers().set(RequestSpans.TRACERESPONSE, RequestSpans.traceresponse(span));
        RequestSpans.end(span, response.status().code());
      }
      write(response, close);
    }

    void write(FullHttpResponse response, boolean close) {
      boolean open = keepAlive && !close && !draining;
      order.write(seq, framed(response, open), !open);
    }
  }

  /** A client that does not read its answers is not read from either, whatever it asks for. */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    PipelinedResponses.of(ctx.channel()).updateReading();
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof TooLongFrameException) {
      ctx.writeAndFlush(
              framed(
                  json(HttpResponseStatus.BAD_REQUEST, "bad_request", cause.getMessage()), false))
          .addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.close();
    }
  }
}
