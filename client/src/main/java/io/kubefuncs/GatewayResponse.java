package io.kubefuncs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.google.protobuf.ByteString;
import io.kubefuncs.proto.HTTPResponse;
import java.nio.charset.StandardCharsets;

/**
 * An HTTP answer for the gateway to write back. Immutable; {@code with*} return copies.
 *
 * <pre>{@code
 * msg.respond(GatewayResponse.ok("pong\n"));
 * msg.respond(GatewayResponse.json(201, order).withHeader("Location", "/orders/" + order.id()));
 * }</pre>
 */
public final class GatewayResponse {
  private final HTTPResponse proto;

  private GatewayResponse(HTTPResponse proto) {
    this.proto = proto;
  }

  public static GatewayResponse ok(String body) {
    return of(200, body);
  }

  public static GatewayResponse ok(byte[] body) {
    return new GatewayResponse(
        HTTPResponse.newBuilder().setStatus(200).setBody(ByteString.copyFrom(body)).build());
  }

  /** A text answer ({@code text/plain; charset=utf-8}). */
  public static GatewayResponse of(int status, String body) {
    return new GatewayResponse(
        HTTPResponse.newBuilder()
            .setStatus(status)
            .putHeaders("Content-Type", "text/plain; charset=utf-8")
            .setBody(ByteString.copyFrom(body, StandardCharsets.UTF_8))
            .build());
  }

  /** {@code value} serialized as JSON ({@code application/json}). */
  public static GatewayResponse json(int status, Object value) {
    try {
      return new GatewayResponse(
          HTTPResponse.newBuilder()
              .setStatus(status)
              .putHeaders("Content-Type", "application/json")
              .setBody(ByteString.copyFrom(Json.MAPPER.writeValueAsBytes(value)))
              .build());
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "cannot serialize " + value.getClass().getName() + " as JSON: " + e.getMessage(), e);
    }
  }

  public static GatewayResponse status(int status) {
    return new GatewayResponse(HTTPResponse.newBuilder().setStatus(status).build());
  }

  public GatewayResponse withHeader(String name, String value) {
    return new GatewayResponse(proto.toBuilder().putHeaders(name, value).build());
  }

  public GatewayResponse withStatus(int status) {
    return new GatewayResponse(proto.toBuilder().setStatus(status).build());
  }

  public int statusCode() {
    return proto.getStatus() == 0 ? 200 : proto.getStatus();
  }

  public HTTPResponse toProto() {
    return proto;
  }
}
