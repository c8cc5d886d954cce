package io.kubefuncs.nsq.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What nsqlookupd answered to /lookup, /nodes, /channels or /topics: the plain v1 body, or the
 * older {@code {"status_code":..,"data":{..}}} envelope around the same fields. Unknown fields are
 * skipped; a known field of the wrong shape throws {@link IOException}.
 */
record LookupdBody(List<NsqdNode> producers, List<String> channels, List<String> topics) {

  static LookupdBody parse(byte[] json) throws IOException {
    try (JsonParser p = JsonTokens.FACTORY.createParser(json)) {
      JsonTokens.expect(p, p.nextToken(), JsonToken.START_OBJECT);
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
      JsonTokens.end(p);
      return envelope && data != null ? data : body;
    }
  }

  private static void lookupdField(JsonParser p, String field, JsonToken value, LookupdBody into)
      throws IOException {
    switch (field) {
      case "producers" -> {
        JsonTokens.expect(p, value, JsonToken.START_ARRAY);
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
    JsonTokens.expect(p, p.currentToken(), JsonToken.START_OBJECT);
    String broadcastAddress = null, hostname = null, version = null;
    int tcpPort = 0, httpPort = 0;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken value = p.nextToken();
      switch (field) {
        case "broadcast_address" -> broadcastAddress = JsonTokens.string(p, value);
        case "hostname" -> hostname = JsonTokens.string(p, value);
        case "version" -> version = JsonTokens.string(p, value);
        case "tcp_port" -> tcpPort = Math.toIntExact(JsonTokens.number(p, value));
        case "http_port" -> httpPort = Math.toIntExact(JsonTokens.number(p, value));
        default -> p.skipChildren();
      }
    }
    return new NsqdNode(broadcastAddress, hostname, tcpPort, httpPort, version);
  }

  private static void strings(JsonParser p, JsonToken value, List<String> into) throws IOException {
    if (value == JsonToken.VALUE_NULL) { // Go marshals an empty slice that was never made as null
      return;
    }
    JsonTokens.expect(p, value, JsonToken.START_ARRAY);
    while (p.nextToken() != JsonToken.END_ARRAY) {
      into.add(JsonTokens.string(p, p.currentToken()));
    }
  }
}
