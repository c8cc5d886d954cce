package io.kubefuncs.devbroker;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * IDENTIFY's JSON body, decoded as Go's encoding/json decodes it into nsqd's identifyDataV2: keys
 * match case-insensitively, unknown keys and nulls are ignored, and a value of the wrong type (a
 * string for a number, a fraction for an integer) fails the whole body.
 */
record IdentifyData(
    String clientId,
    String hostname,
    String userAgent,
    long heartbeatInterval,
    long outputBufferSize,
    long outputBufferTimeout,
    long msgTimeout,
    long sampleRate,
    boolean featureNegotiation,
    boolean tlsV1,
    boolean snappy,
    boolean deflate,
    long deflateLevel) {

  static IdentifyData parse(byte[] body) throws GoJson.InvalidBody {
    JsonNode root = GoJson.object(body);
    String clientId = "";
    String hostname = "";
    String userAgent = "";
    long heartbeatInterval = 0;
    long outputBufferSize = 0;
    long outputBufferTimeout = 0;
    long msgTimeout = 0;
    long sampleRate = 0;
    boolean featureNegotiation = false;
    boolean tlsV1 = false;
    boolean snappy = false;
    boolean deflate = false;
    long deflateLevel = 0;
    for (Iterator<Map.Entry<String, JsonNode>> fields = root.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      JsonNode value = field.getValue();
      if (value.isNull()) {
        continue;
      }
      String key = field.getKey();
      switch (key.toLowerCase(Locale.ROOT)) {
        case "client_id" -> clientId = GoJson.string(key, value);
        case "hostname" -> hostname = GoJson.string(key, value);
        case "user_agent" -> userAgent = GoJson.string(key, value);
        case "heartbeat_interval" ->
            heartbeatInterval = GoJson.integer(key, value, Long.MIN_VALUE, Long.MAX_VALUE);
        case "output_buffer_size" ->
            outputBufferSize = GoJson.integer(key, value, Long.MIN_VALUE, Long.MAX_VALUE);
        case "output_buffer_timeout" ->
            outputBufferTimeout = GoJson.integer(key, value, Long.MIN_VALUE, Long.MAX_VALUE);
        case "msg_timeout" ->
            msgTimeout = GoJson.integer(key, value, Long.MIN_VALUE, Long.MAX_VALUE);
        case "sample_rate" ->
            sampleRate = GoJson.integer(key, value, Integer.MIN_VALUE, Integer.MAX_VALUE);
        case "deflate_level" ->
            deflateLevel = GoJson.integer(key, value, Long.MIN_VALUE, Long.MAX_VALUE);
        case "feature_negotiation" -> featureNegotiation = GoJson.bool(key, value);
        case "tls_v1" -> tlsV1 = GoJson.bool(key, value);
        case "snappy" -> snappy = GoJson.bool(key, value);
        case "deflate" -> deflate = GoJson.bool(key, value);
        default -> {
          // Go ignores keys the struct does not have.
        }
      }
    }
    return new IdentifyData(
        clientId,
        hostname,
        userAgent,
        heartbeatInterval,
        outputBufferSize,
        outputBufferTimeout,
        msgTimeout,
        sampleRate,
        featureNegotiation,
        tlsV1,
        snappy,
        deflate,
        deflateLevel);
  }
}
