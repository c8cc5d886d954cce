package io.kubefuncs.gateway;

import com.google.protobuf.ByteString;
import io.kubefuncs.Client;
import io.kubefuncs.FunctionErrorException;
import io.kubefuncs.Message;
import io.kubefuncs.nsq.NsqConnectionException;
import io.kubefuncs.nsq.NsqErrorException;
import io.kubefuncs.proto.HTTPRequest;
import io.kubefuncs.proto.HTTPResponse;
import io.netty.buffer.ByteBuf;
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
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Turns each HTTP request into a call to the function its route names, and the answer back
 * into HTTP. Shared by every connection, and stateless but for the topics nsqd refused; the call's completion hops back onto the
 * connection's event loop to write.
 */
@ChannelHandler.Sharable
final class GatewayHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  static final String EVENT_ID_HEADER = "X-Kubefuncs-Event-Id";
  /** Set, to the topic, on answers to requests for a topic no function consumed when they came in. */
  static final String NO_CONSUMER_HEADER = "X-Kubefuncs-No-Consumer";

  /**
   * The largest HTTPRequest payload that still fits one NSQ message (nsqd's default
   * --max-msg-size) once wrapped in an Event with its id, topics and type URL.
   */
  static final int MAX_EVENT_PAYLOAD = io.kubefuncs.nsq.NsqConfig.DEFAULT_MAX_MESSAGE_SIZE - 1024;

  /**
   * Hop-by-hop and framing headers: the gateway frames each response itself (Content-Length,
   * keep-alive), so a function's own would contradict it, e.g. Transfer-Encoding next to Content-Length.
   */
  private static final Set<String> NOT_FROM_FUNCTIONS = Set.of(
      "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "content-length");

  private final Client client;
  private final AtomicReference<Routes> routes;
  private final GatewayMetrics metrics;
  private final PrometheusRegistry registry;
  private final boolean exposeFunctionErrors;
  private final TopicConsumers consumers;
  private final BodyBudget.Pool bodies;
  /** Null when tracing is off. */
  private final RequestSpans spans;
  /** Requests published and not yet answered: what a shutdown waits for. */
  private final java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
  private volatile boolean draining;
  /**
   * Topics nsqd refused the gateway (E_UNAUTHORIZED), with nsqd's word and until when that is
   * answered without asking again: nsqd closes the connection on each refusal, and every route
   * shares it, so requests to an ungranted route must not keep taking it down for the others.
   */
  private final ConcurrentHashMap<String, Refusal> refused = new ConcurrentHashMap<>();

  private record Refusal(String message, long untilNanos) {}

  /** How long a refused topic is answered from memory; a grant the auth server adds takes effect after it. */
  private static final Duration REFUSAL_MEMORY = Duration.ofSeconds(10);

  GatewayHandler(Client client, AtomicReference<Routes> routes, GatewayMetrics metrics, PrometheusRegistry registry,
      boolean exposeFunctionErrors, TopicConsumers consumers, BodyBudget.Pool bodies, RequestSpans spans) {
    this.bodies = bodies;
    this.spans = spans;
    this.client = client;
    this.routes = routes;
    this.metrics = metrics;
    this.registry = registry;
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
        ex.fail(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large", "request headers are too large", true);
      } else if (cause instanceof TooLongHttpLineException) {
        ex.fail(HttpResponseStatus.REQUEST_URI_TOO_LONG, "uri_too_long", "request line is too long", true);
      } else {
        ex.fail(HttpResponseStatus.BAD_REQUEST, "bad_request", "malformed HTTP request: " + cause.getMessage(), true);
      }
      return;
    }
    String uri = request.uri();
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    if (path.equals("/healthz")) {
      if (draining) {
        ex.write(text(HttpResponseStatus.SERVICE_UNAVAILABLE, "draining\n"), false);
        return;
      }
      boolean up = client.isConnected();
      ex.write(text(up ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, up ? "ok\n" : "not connected to NSQ\n"), false);
      return;
    }
    if (path.equals("/metrics")) {
      ex.write(metricsPage(), false);
      return;
    }
    Route route = routes.get().match(path);
    if (route == null) {
      ex.fail(HttpResponseStatus.NOT_FOUND, "no_route", "no route for " + path, false);
      return;
    }
    ex.route = route;
    if (spans != null) {
      ex.span = spans.start(request, path, route);
    }
    Refusal refusal = refused.get(route.topic());
    if (refusal != null) {
      if (System.nanoTime() - refusal.untilNanos() < 0) {
        ex.fail(HttpResponseStatus.BAD_GATEWAY, "nsq_unauthorized", refusal.message(), false);
        return;
      }
      refused.remove(route.topic(), refusal);
    }
    if (!client.isConnected()) {
      ex.fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "nsq_unavailable", "not connected to NSQ; retry shortly", false);
      return;
    }
    HTTPRequest event = toEvent(ctx, request, uri);
    if (event.getSerializedSize() > MAX_EVENT_PAYLOAD) {
      // Under the body limit but over what one NSQ message carries: still the client's to fix.
      ex.fail(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
          "request is " + event.getSerializedSize() + " bytes as an event; one NSQ message carries at most "
              + MAX_EVENT_PAYLOAD, false);
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
    boolean async = route.async() || "respond-async".equalsIgnoreCase(request.headers().get("Prefer"));
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

  private void publish(ChannelHandlerContext ctx, Exchange ex, Route route, HTTPRequest event, long bodyBytes, boolean async) {
    if (async) {
      // Completed on this connection's event loop, where the answer is written.
      client.emit(route.topic(), event, ctx.executor()).whenComplete((id, e) -> {
        active.decrementAndGet();
        bodies.give(bodyBytes);
        if (e != null) {
          failed(ex, e);
        } else {
          FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.ACCEPTED, Unpooled.EMPTY_BUFFER);
          r.headers().set(EVENT_ID_HEADER, id);
          ex.send(r);
        }
      });
      return;
    }
    metrics.inFlight.inc();
    client.call(route.topic(), event, route.timeout(), ctx.executor()).whenComplete((answer, e) -> {
      metrics.inFlight.dec();
      active.decrementAndGet();
      bodies.give(bodyBytes);
      if (e != null) {
        failed(ex, e);
        return;
      }
      FullHttpResponse response;
      try {
        response = toHttp(answer);
      } catch (RuntimeException invalid) {
        // Not a response HTTP can carry (a status out of range, a header with a newline...):
        // answer 502 rather than throw on the event loop and leave the client waiting.
        ex.fail(HttpResponseStatus.BAD_GATEWAY, "function_error", exposeFunctionErrors
            ? "the function's answer is not a valid HTTP response: " + invalid.getMessage()
            : "the function failed", false);
        return;
      }
      ex.send(response);
    });
  }

  private static HTTPRequest toEvent(ChannelHandlerContext ctx, FullHttpRequest request, String uri) {
    HTTPRequest.Builder b = HTTPRequest.newBuilder().setMethod(request.method().name()).setUrl(uri);
    for (Map.Entry<String, String> h : request.headers()) {
      // Repeated headers fold into one comma-separated value, as HTTP allows.
      String prior = b.getHeadersOrDefault(h.getKey(), null);
      b.putHeaders(h.getKey(), prior == null ? h.getValue() : prior + ", " + h.getValue());
    }
    ByteBuf content = request.content();
    if (content.isReadable()) {
      b.setBody(ByteString.copyFrom(content.nioBuffer()));
    }
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress remote) {
      b.setRemoteAddr(remote.getAddress().getHostAddress() + ":" + remote.getPort());
    }
    return b.build();
  }

  private static FullHttpResponse toHttp(Message answer) {
    if (!answer.isPayload(HTTPResponse.class)) {
      // Empty, or a payload of another type: the function answered, without HTTP specifics.
      return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
    }
    HTTPResponse r = answer.payload(HTTPResponse.class);
    int status = r.getStatus() == 0 ? 200 : r.getStatus();
    if (status < 200 || status > 599) {
      // 1xx would leave the client waiting for a final response that never comes.
      throw new IllegalArgumentException("status " + status + " is not a final HTTP status (200 to 599)");
    }
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(r.getBody().asReadOnlyByteBuffer()));
    r.getHeadersMap().forEach((k, v) -> {
      if (!NOT_FROM_FUNCTIONS.contains(k.toLowerCase(Locale.ROOT))) {
        response.headers().set(k, v);
      }
    });
    return response;
  }

  private void failed(Exchange ex, Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    Route route = ex.route;
    if (cause instanceof TimeoutException) {
      metrics.timeouts.labelValues(route.prefix()).inc();
      ex.fail(HttpResponseStatus.GATEWAY_TIMEOUT, "timeout",
          "no answer from topic " + route.topic() + " within " + route.timeout().toMillis() + " ms"
              + (ex.unconsumed ? "; no function consumes it" : ""), false);
    } else if (cause instanceof FunctionErrorException fe) {
      ex.fail(HttpResponseStatus.BAD_GATEWAY, "function_error", exposeFunctionErrors ? fe.getMessage() : "the function failed", false);
    } else if (cause instanceof NsqErrorException nsqd && nsqd.code().equals("E_UNAUTHORIZED")) {
      // nsqd's auth server grants the gateway's secret other topics, not this one: a setup
      // problem no retry fixes.
      String message = "NSQ does not let the gateway publish to topic " + route.topic() + ": " + cause.getMessage();
      refused.put(route.topic(), new Refusal(message, System.nanoTime() + REFUSAL_MEMORY.toNanos()));
      ex.fail(HttpResponseStatus.BAD_GATEWAY, "nsq_unauthorized", message, false);
    } else if (cause instanceof NsqConnectionException) {
      ex.fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "nsq_unavailable", "could not publish to NSQ: " + cause.getMessage(), false);
    } else {
      ex.fail(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal", String.valueOf(cause.getMessage()), false);
    }
  }

  static FullHttpResponse json(HttpResponseStatus status, String code, String message) {
    FullHttpResponse r = new DefaultFullHttpResponse(
        HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(ErrorBody.of(status.code(), code, message)));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    return r;
  }

  /** Stops answering health checks with 200 and keeping connections open: the gateway is going away. */
  void drain() {
    draining = true;
  }

  /** Requests published to NSQ and not yet answered. */
  int active() {
    return active.get();
  }

  private static FullHttpResponse text(HttpResponseStatus status, String body) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    return r;
  }

  private FullHttpResponse metricsPage() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(out.toByteArray()));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, PrometheusTextFormatWriter.CONTENT_TYPE);
    return r;
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

    Exchange(ChannelHandlerContext ctx, FullHttpRequest request) {
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
      ctx.writeAndFlush(framed(json(HttpResponseStatus.BAD_REQUEST, "bad_request", cause.getMessage()), false))
          .addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.close();
    }
  }
}
