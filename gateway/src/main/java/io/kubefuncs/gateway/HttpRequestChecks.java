package io.kubefuncs.gateway;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Set;

/**
 * What RFC 9112 asks of a server beyond what Netty's codec checks, at the headers, before any body
 * is buffered: a supported version (505), a method the gateway serves (501), exactly one Host on
 * HTTP/1.1 and at most one on 1.0 (400), and a target it can route (400). A request that fails is
 * marked as a decoding failure, so the aggregator passes it on without its body and the gateway
 * answers it in turn, then closes. A good one gets its target normalised ({@link RequestTarget}):
 * routes and the function see the same path.
 */
@ChannelHandler.Sharable
final class HttpRequestChecks extends ChannelInboundHandlerAdapter {
  static final HttpRequestChecks INSTANCE = new HttpRequestChecks();

  /** CONNECT asks for a tunnel, which a gateway to functions does not make. */
  static final Set<HttpMethod> SERVED =
      Set.of(
          HttpMethod.GET,
          HttpMethod.HEAD,
          HttpMethod.POST,
          HttpMethod.PUT,
          HttpMethod.DELETE,
          HttpMethod.PATCH,
          HttpMethod.OPTIONS,
          HttpMethod.TRACE);

  /** A request refused at its headers, with the answer it gets. */
  static final class Refused extends RuntimeException {
    final HttpResponseStatus status;
    final String code;

    Refused(HttpResponseStatus status, String code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  private HttpRequestChecks() {}

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()) {
      check(request);
    }
    ctx.fireChannelRead(msg);
  }

  private static void check(HttpRequest request) {
    HttpVersion version = request.protocolVersion();
    boolean http11 = version.equals(HttpVersion.HTTP_1_1);
    if (!http11 && !version.equals(HttpVersion.HTTP_1_0)) {
      refuse(
          request,
          HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
          "http_version_not_supported",
          version.text() + " is not served; use HTTP/1.1 or HTTP/1.0");
      return;
    }
    if (!SERVED.contains(request.method())) {
      refuse(
          request,
          HttpResponseStatus.NOT_IMPLEMENTED,
          "method_not_implemented",
          "method "
              + request.method()
              + " is not served; the gateway serves "
              + SERVED.stream().map(HttpMethod::name).sorted().toList());
      return;
    }
    List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
    if (hosts.size() > 1 || (http11 && hosts.isEmpty())) {
      refuse(
          request,
          HttpResponseStatus.BAD_REQUEST,
          "bad_request",
          hosts.isEmpty()
              ? "an HTTP/1.1 request must have a Host header"
              : "a request must have one Host header, not " + hosts.size());
      return;
    }
    String target = RequestTarget.normalise(request.uri());
    if (target == null) {
      refuse(
          request,
          HttpResponseStatus.BAD_REQUEST,
          "bad_request",
          "the request target must be a path (/...) or an http(s):// URL, got "
              + abbreviate(request.uri()));
      return;
    }
    request.setUri(target);
  }

  private static void refuse(
      HttpRequest request, HttpResponseStatus status, String code, String message) {
    request.setDecoderResult(DecoderResult.failure(new Refused(status, code, message)));
  }

  private static String abbreviate(String s) {
    return s.length() <= 100 ? s : s.substring(0, 100) + "...";
  }
}
