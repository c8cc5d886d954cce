package io.kubefuncs;

import io.kubefuncs.proto.HTTPRequest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The HTTP request the gateway turned into an event: a read-only view of its {@code HTTPRequest}
 * payload.
 */
public final class GatewayRequest {
  private final HTTPRequest proto;

  GatewayRequest(HTTPRequest proto) {
    this.proto = proto;
  }

  /** GET when the sender did not say (the original gateway forwarded no method). */
  public String method() {
    return proto.getMethod().isEmpty() ? "GET" : proto.getMethod();
  }

  /** Path and query, as the client sent them. */
  public String url() {
    return proto.getUrl();
  }

  public String path() {
    String url = proto.getUrl();
    int q = url.indexOf('?');
    return q < 0 ? url : url.substring(0, q);
  }

  /** The raw query string without '?', or empty. */
  public String query() {
    String url = proto.getUrl();
    int q = url.indexOf('?');
    return q < 0 ? "" : url.substring(q + 1);
  }

  /** The first value of a query parameter, decoded; null when absent. */
  public String queryParameter(String name) {
    for (String pair : query().split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      if (key.equals(name)) {
        return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  public Map<String, String> headers() {
    return proto.getHeadersMap();
  }

  /** A header by name, ignoring case as HTTP does; null when absent. */
  public String header(String name) {
    String exact = proto.getHeadersMap().get(name);
    if (exact != null) {
      return exact;
    }
    for (Map.Entry<String, String> e : proto.getHeadersMap().entrySet()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  public byte[] body() {
    return proto.getBody().toByteArray();
  }

  public String bodyAsString() {
    return proto.getBody().toStringUtf8();
  }

  /** The body parsed as JSON into {@code type}. */
  public <T> T bodyAs(Class<T> type) {
    try {
      return Json.MAPPER.readValue(proto.getBody().newInput(), type);
    } catch (IOException e) {
      throw new PayloadException(
          "request body is not JSON for " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }

  public String remoteAddress() {
    return proto.getRemoteAddr();
  }

  public HTTPRequest toProto() {
    return proto;
  }
}
