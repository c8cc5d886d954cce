package io.kubefuncs.nsq;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The few JSON documents of NSQ: the IDENTIFY body and nsqd's answer to it, and nsqlookupd's
 * answers. Read and written with jackson-core's streaming parser rather than databind, which loaded
 * about 570 classes at a function's start for these five small documents.
 *
 * <p>Unknown fields are skipped; a known field of the wrong shape or a body that is not JSON throws
 * {@link IOException}, which the callers turn into an error naming the server.
 */
final class NsqJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private NsqJson() {}

  static byte[] identifyBody(NsqConfig config) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
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
    try (JsonParser p = FACTORY.createParser(json)) {
      expect(p, p.nextToken(), JsonToken.START_OBJECT);
      String version = "";
      long maxRdyCount = 0, maxMsgTimeout = 0, msgTimeout = 0, maxMsgSize = 0;
      boolean authRequired = false, tls = false, snappy = false, deflate = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "version" -> version = string(p, value);
          case "max_rdy_count" -> maxRdyCount = number(p, value);
          case "max_msg_timeout" -> maxMsgTimeout = number(p, value);
          case "msg_timeout" -> msgTimeout = number(p, value);
          case "max_msg_size" -> maxMsgSize = number(p, value);
          case "auth_required" -> authRequired = bool(p, value);
          case "tls_v1" -> tls = bool(p, value);
          case "snappy" -> snappy = bool(p, value);
          case "deflate" -> deflate = bool(p, value);
          default -> p.skipChildren();
        }
      }
      end(p);
      return new IdentifyResponse(
          version,
          maxRdyCount,
          maxMsgTimeout,
          msgTimeout,
          authRequired,
          tls,
          snappy,
          deflate,
          maxMsgSize);
    }
  }

  /**
   * What nsqlookupd answered to /lookup, /nodes, /channels or /topics: the plain v1 body, or the
   * older {@code {"status_code":..,"data":{..}}} envelope around the same fields.
   */
  record LookupdBody(List<NsqdNode> producers, List<String> channels, List<String> topics) {}

  static LookupdBody lookupdBody(byte[] json) throws IOException {
    try (JsonParser p = FACTORY.createParser(json)) {
      expect(p, p.nextToken(), JsonToken.START_OBJECT);
      LookupdBody body = new LookupdBody(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
      LookupdBody data = null;
      boolean envelope = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "status_code" -> {
            envelope = true;
            p.skipChildren();
          }
          case "data" -> {
            if (value == JsonToken.START_OBJECT) {
              data = new LookupdBody(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
              while (p.nextToken() == JsonToken.FIELD_NAME) {
                String inner = p.currentName();
                lookupdField(p, inner, p.nextToken(), data);
              }
            } else {
              p.skipChildren();
            }
          }
          default -> lookupdField(p, field, value, body);
        }
      }
      end(p);
      return envelope && data != null ? data : body;
    }
  }

  private static void lookupdField(JsonParser p, String field, JsonToken value, LookupdBody into)
      throws IOException {
    switch (field) {
      case "producers" -> {
        expect(p, value, JsonToken.START_ARRAY);
        while (p.nextToken() != JsonToken.END_ARRAY) {
          into.producers().add(node(p));
        }
      }
      case "channels" -> strings(p, value, into.channels());
      case "topics" -> strings(p, value, into.topics());
      default -> p.skipChildren();
    }
  }

  private static NsqdNode node(JsonParser p) throws IOException {
    expect(p, p.currentToken(), JsonToken.START_OBJECT);
    String broadcastAddress = null, hostname = null, version = null;
    int tcpPort = 0, httpPort = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "broadcast_address" -> broadcastAddress = string(p, value);
        case "hostname" -> hostname = string(p, value);
        case "version" -> version = string(p, value);
        case "tcp_port" -> tcpPort = Math.toIntExact(number(p, value));
        case "http_port" -> httpPort = Math.toIntExact(number(p, value));
        default -> p.skipChildren();
      }
    }
    return new NsqdNode(broadcastAddress, hostname, tcpPort, httpPort, version);
  }

  private static void strings(JsonParser p, JsonToken value, List<String> into) throws IOException {
    if (value == JsonToken.VALUE_NULL) { // Go marshals an empty slice that was never made as null
      return;
    }
    expect(p, value, JsonToken.START_ARRAY);
    while (p.nextToken() != JsonToken.END_ARRAY) {
      into.add(string(p, p.currentToken()));
    }
  }

  private static String string(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    expect(p, value, JsonToken.VALUE_STRING);
    return p.getText();
  }

  private static long number(JsonParser p, JsonToken value) throws IOException {
    expect(p, value, JsonToken.VALUE_NUMBER_INT);
    return p.getLongValue();
  }

  private static boolean bool(JsonParser p, JsonToken value) throws IOException {
    if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
      expect(p, value, JsonToken.VALUE_TRUE);
    }
    return value == JsonToken.VALUE_TRUE;
  }

  private static void expect(JsonParser p, JsonToken actual, JsonToken expected)
      throws IOException {
    if (actual != expected) {
      throw new IOException(
          "expected "
              + expected
              + " at "
              + p.currentLocation().offsetDescription()
              + ", found "
              + (actual == null ? "the end" : actual.toString()));
    }
  }

  /** The object ended; nothing may follow it. */
  private static void end(JsonParser p) throws IOException {
    expect(p, p.currentToken(), JsonToken.END_OBJECT);
    JsonToken after = p.nextToken();
    if (after != null) {
      throw new IOException(
          "unexpected "
              + after
              + " after the object at "
              + p.currentLocation().offsetDescription());
    }
  }
}
