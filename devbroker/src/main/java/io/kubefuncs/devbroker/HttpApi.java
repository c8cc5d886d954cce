package io.kubefuncs.devbroker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The HTTP side of nsqd and nsqlookupd: routes by method and path as their httprouter does (405
 * with an Allow header for a known path with the wrong method, OPTIONS answered, a trailing slash
 * redirected, 404 otherwise), and answers in nsqd's "V1" style: 200 with the data, or the status
 * with {@code {"message":"..."}}, always with {@code X-NSQ-Content-Type}.
 */
@ChannelHandler.Sharable
final class HttpApi extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final System.Logger LOG = System.getLogger(HttpApi.class.getName());

  /**
   * What an endpoint returns: a String or byte[] is sent as is, null as an empty body, anything
   * else as JSON.
   */
  @FunctionalInterface
  interface Endpoint {
    Object handle(Request request) throws HttpError;
  }

  /** A request, with its query parsed on demand as Go's url.ParseQuery would. */
  record Request(FullHttpRequest http, String path, String rawQuery) {
    /** The query, or 400 INVALID_REQUEST where Go fails to parse it. */
    QueryParams query() throws HttpError {
      try {
        return QueryParams.parse(rawQuery);
      } catch (IllegalArgumentException e) {
        throw new HttpError(400, "INVALID_REQUEST");
      }
    }

    byte[] body() {
      ByteBuf content = http.content();
      byte[] body = new byte[content.readableBytes()];
      content.getBytes(content.readerIndex(), body);
      return body;
    }
  }

  private record Route(Endpoint endpoint, boolean plainText) {}

  private final Map<String, Map<HttpMethod, Route>> routes = new LinkedHashMap<>();
  private final String name;
  private final int maxBodySize;

  HttpApi(String name, int maxBodySize) {
    this.name = name;
    this.maxBodySize = maxBodySize;
  }

  /** A route answered in nsqd's V1 style. */
  HttpApi route(HttpMethod method, String path, Endpoint endpoint) {
    routes
        .computeIfAbsent(path, p -> new LinkedHashMap<>())
        .put(method, new Route(endpoint, false));
    return this;
  }

  /** A route answered as bare text, as nsqd's /ping is. */
  HttpApi plainTextRoute(HttpMethod method, String path, Endpoint endpoint) {
    routes.computeIfAbsent(path, p -> new LinkedHashMap<>()).put(method, new Route(endpoint, true));
    return this;
  }

  void addTo(ChannelPipeline pipeline) {
    pipeline.addLast(new HttpServerCodec());
    pipeline.addLast(new HttpServerKeepAliveHandler());
    pipeline.addLast(new BodyLimit(maxBodySize));
    pipeline.addLast(this);
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest http) {
    if (!http.decoderResult().isSuccess()) {
      // Not HTTP, or a request line or headers past the codec's limits: what Go's server answers.
      FullHttpResponse response = plainText(400, "400 Bad Request");
      ctx.writeAndFlush(response);
      return;
    }
    String uri = http.uri();
    int question = uri.indexOf('?');
    String rawQuery = question < 0 ? "" : uri.substring(question + 1);
    String path = new QueryStringDecoder(uri).path();
    FullHttpResponse response = respond(new Request(http, path, rawQuery));
    boolean keepAlive = HttpUtil.isKeepAlive(http);
    HttpUtil.setKeepAlive(response, keepAlive);
    if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "{0}: {1} {2} {3}",
          name,
          response.status().code(),
          http.method(),
          uri);
    }
    ctx.writeAndFlush(response);
  }

  private FullHttpResponse respond(Request request) {
    HttpMethod method = request.http().method();
    Map<HttpMethod, Route> byMethod = routes.get(request.path());
    Route route = byMethod == null ? null : byMethod.get(method);
    if (route != null) {
      try {
        Object data = route.endpoint().handle(request);
        return route.plainText() ? plainText(200, data) : v1(200, data);
      } catch (HttpError e) {
        return route.plainText()
            ? plainText(e.status, e.getMessage())
            : v1Error(e.status, e.getMessage());
      } catch (RuntimeException e) {
        LOG.log(
            System.Logger.Level.WARNING,
            name + ": internal error on " + method + " " + request.path(),
            e);
        return v1Error(500, "INTERNAL_ERROR");
      }
    }
    String path = request.path();
    if (!method.equals(HttpMethod.CONNECT) && !path.equals("/")) {
      String other = path.endsWith("/") ? path.substring(0, path.length() - 1) : path + "/";
      Map<HttpMethod, Route> otherRoutes = routes.get(other);
      if (otherRoutes != null && otherRoutes.containsKey(method)) {
        String location = other + (request.rawQuery().isEmpty() ? "" : "?" + request.rawQuery());
        FullHttpResponse redirect =
            response(method.equals(HttpMethod.GET) ? 301 : 307, Unpooled.EMPTY_BUFFER);
        redirect.headers().set(HttpHeaderNames.LOCATION, location);
        return redirect;
      }
    }
    String allowed = allowed(byMethod, method);
    if (method.equals(HttpMethod.OPTIONS) && allowed != null) {
      FullHttpResponse options = response(200, Unpooled.EMPTY_BUFFER);
      options.headers().set(HttpHeaderNames.ALLOW, allowed);
      return options;
    }
    if (allowed != null) {
      FullHttpResponse notAllowed = v1Error(405, "METHOD_NOT_ALLOWED");
      notAllowed.headers().set(HttpHeaderNames.ALLOW, allowed);
      return notAllowed;
    }
    return v1Error(404, "NOT_FOUND");
  }

  /** httprouter's Allow header: the path's other methods and OPTIONS, sorted; null for none. */
  private static String allowed(Map<HttpMethod, Route> byMethod, HttpMethod requested) {
    if (byMethod == null) {
      return null;
    }
    List<String> methods = new ArrayList<>();
    for (HttpMethod method : byMethod.keySet()) {
      if (!method.equals(requested) && !method.equals(HttpMethod.OPTIONS)) {
        methods.add(method.name());
      }
    }
    if (methods.isEmpty()) {
      return null;
    }
    methods.add(HttpMethod.OPTIONS.name());
    Collections.sort(methods);
    return String.join(", ", methods);
  }

  /** nsqd's RespondV1 for a 200. */
  private static FullHttpResponse v1(int status, Object data) {
    boolean json = !(data == null || data instanceof String || data instanceof byte[]);
    FullHttpResponse response = response(status, Unpooled.wrappedBuffer(bodyOf(data)));
    if (json) {
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
    } else if (response.content().isReadable()) {
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    }
    response.headers().set("X-NSQ-Content-Type", "nsq; version=1.0");
    return response;
  }

  private static FullHttpResponse v1Error(int status, String message) {
    FullHttpResponse response =
        response(status, Unpooled.wrappedBuffer(Json.bytes(Map.of("message", message))));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
    response.headers().set("X-NSQ-Content-Type", "nsq; version=1.0");
    return response;
  }

  private static FullHttpResponse plainText(int status, Object data) {
    FullHttpResponse response = response(status, Unpooled.wrappedBuffer(bodyOf(data)));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    return response;
  }

  private static byte[] bodyOf(Object data) {
    if (data == null) {
      return new byte[0];
    }
    if (data instanceof String text) {
      return text.getBytes(StandardCharsets.UTF_8);
    }
    if (data instanceof byte[] bytes) {
      return bytes;
    }
    return Json.bytes(data);
  }

  private static FullHttpResponse response(int status, ByteBuf content) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), content);
    HttpUtil.setContentLength(response, content.readableBytes());
    return response;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.log(System.Logger.Level.DEBUG, "{0}: {1}", name, cause.toString());
    ctx.close();
  }

  /**
   * Gathers request bodies up to nsqd's --max-body-size. A larger one is refused with nsqd's answer
   * for the endpoint (/pub: MSG_TOO_BIG, otherwise BODY_TOO_BIG) before it is read. The connection
   * stays open while the aggregator reads and drops the rest of the body: closing it while the
   * client still sends would reset it, and a reset destroys the answer before the client has read
   * it.
   */
  private static final class BodyLimit extends HttpObjectAggregator {
    BodyLimit(int maxBodySize) {
      super(maxBodySize);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      String path =
          oversized instanceof HttpRequest request
              ? new QueryStringDecoder(request.uri()).path()
              : "";
      FullHttpResponse response =
          v1Error(413, path.equals("/pub") ? "MSG_TOO_BIG" : "BODY_TOO_BIG");
      ctx.writeAndFlush(response);
    }
  }
}
