package io.kubefuncs.gateway;

import com.google.protobuf.ByteString;
import io.kubefuncs.proto.HTTPRequest;
import io.kubefuncs.proto.HTTPResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * HTTP to events and back, as the wire format fixes it (DESIGN.md): a request becomes an {@code
 * HTTPRequest} payload, a function's {@code HTTPResponse} becomes the response. Nothing here
 * touches a connection, so every rule has a table test.
 */
final class HttpEvents {
  /**
   * Hop-by-hop and framing headers: the gateway frames each response itself (Content-Length,
   * keep-alive), so a function's own would contradict it, e.g. Transfer-Encoding next to
   * Content-Length.
   */
  private static final Set<String> NOT_FROM_FUNCTIONS =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "content-length");

  private HttpEvents() {}

  /**
   * The event payload of {@code request}, whose target is {@code uri} (the normalised one), from
   * {@code remote}.
   */
  static HTTPRequest request(FullHttpRequest request, String uri, SocketAddress remote) {
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
    if (remote instanceof InetSocketAddress address) {
      b.setRemoteAddr(address.getAddress().getHostAddress() + ":" + address.getPort());
    }
    return b.build();
  }

  /**
   * The response for a function's answer: {@code null} when it answered without HTTP specifics
   * (Empty, or a payload of another type), which is a 200 with no body.
   *
   * @throws IllegalArgumentException if the answer is no HTTP response a client could take
   */
  static FullHttpResponse response(HTTPResponse r) {
    if (r == null) {
      return new DefaultFullHttpResponse(
          HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
    }
    int status = r.getStatus() == 0 ? 200 : r.getStatus();
    if (status < 200 || status > 599) {
      // 1xx would leave the client waiting for a final response that never comes.
      throw new IllegalArgumentException(
          "status " + status + " is not a final HTTP status (200 to 599)");
    }
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(status),
            Unpooled.wrappedBuffer(r.getBody().asReadOnlyByteBuffer()));
    r.getHeadersMap()
        .forEach(
            (k, v) -> {
              if (!NOT_FROM_FUNCTIONS.contains(k.toLowerCase(Locale.ROOT))) {
                response.headers().set(k, v);
              }
            });
    return response;
  }
}
