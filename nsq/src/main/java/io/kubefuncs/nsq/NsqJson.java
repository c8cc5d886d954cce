package io.kubefuncs.nsq;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.kubefuncs.nsq.internal.JsonTokens;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The IDENTIFY body and nsqd's answer to it, with jackson-core's streaming parser ({@link
 * JsonTokens}); nsqlookupd's answers are read by the lookupd client.
 *
 * <p>Unknown fields are skipped; a known field of the wrong shape or a body that is not JSON throws
 * {@link IOException}, which the callers turn into an error naming the server.
 */
final class NsqJson {
  private NsqJson() {}

  static byte[] identifyBody(NsqConfig config) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JsonTokens.FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("client_id", config.clientId);
      g.writeStringField("hostname", config.hostname);
      g.writeStringField("user_agent", config.userAgent);
      g.writeBooleanField("feature_negotiation", true);
      g.writeNumberField("heartbeat_interval", config.heartbeatInterval.toMillis());
      g.writeBooleanField("tls_v1", config.tls != null);
      g.writeBooleanField("snappy", false);
      g.writeBooleanField("deflate", false);
      if (config.msgTimeout != null) {
        g.writeNumberField("msg_timeout", config.msgTimeout.toMillis());
      }
      if (config.outputBufferSize != 0) {
        g.writeNumberField("output_buffer_size", config.outputBufferSize);
      }
      if (config.outputBufferTimeout != null) {
        g.writeNumberField("output_buffer_timeout", config.outputBufferTimeout.toMillis());
      }
      g.writeEndObject();
    } catch (IOException e) { // a ByteArrayOutputStream does not fail
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static IdentifyResponse identifyResponse(byte[] json) throws IOException {
    try (JsonParser p = JsonTokens.FACTORY.createParser(json)) {
      JsonTokens.expect(p, p.nextToken(), JsonToken.START_OBJECT);
      String version = "";
      long maxRdyCount = 0, maxMsgTimeout = 0, msgTimeout = 0, maxMsgSize = 0, outputBufferSize = 0;
      boolean authRequired = false, tls = false, snappy = false, deflate = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "version" -> version = JsonTokens.string(p, value);
          case "max_rdy_count" -> maxRdyCount = JsonTokens.number(p, value);
          case "max_msg_timeout" -> maxMsgTimeout = JsonTokens.number(p, value);
          case "msg_timeout" -> msgTimeout = JsonTokens.number(p, value);
          case "max_msg_size" -> maxMsgSize = JsonTokens.number(p, value);
          case "output_buffer_size" -> outputBufferSize = JsonTokens.number(p, value);
          case "auth_required" -> authRequired = JsonTokens.bool(p, value);
          case "tls_v1" -> tls = JsonTokens.bool(p, value);
          case "snappy" -> snappy = JsonTokens.bool(p, value);
          case "deflate" -> deflate = JsonTokens.bool(p, value);
          default -> p.skipChildren();
        }
      }
      JsonTokens.end(p);
      return new IdentifyResponse(
          version,
          maxRdyCount,
          maxMsgTimeout,
          msgTimeout,
          authRequired,
          tls,
          snappy,
          deflate,
          maxMsgSize,
          outputBufferSize);
    }
  }
}
