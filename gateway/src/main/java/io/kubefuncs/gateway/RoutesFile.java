package io.kubefuncs.gateway;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.kubefuncs.Durations;
import io.kubefuncs.nsq.NsqNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads a routes file, YAML or JSON, in the shape of the original chart values:
 *
 * <pre>
 * routes:
 *   /test/: test                       # prefix: topic
 *   /reports/: {topic: reports, timeout: 120s, async: true}
 * </pre>
 */
public final class RoutesFile {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private RoutesFile() {}

  /** Parses {@code file}; a mistake throws {@link InvalidRoutesException} naming file, line and field. */
  public static Routes read(Path file, Duration defaultTimeout) throws IOException {
    return parse(Files.readString(file), file.toString(), defaultTimeout);
  }

  static Routes parse(String text, String source, Duration defaultTimeout) {
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw new InvalidRoutesException(source + (at != null ? ":" + at.getLineNr() : "") + ": not YAML or JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject() || !root.has("routes")) {
      throw new InvalidRoutesException(source + ": needs a top-level 'routes:' map of path prefix to topic");
    }
    JsonNode routes = root.get("routes");
    if (!routes.isObject()) {
      throw new InvalidRoutesException(source + ": 'routes' must be a map of path prefix to topic");
    }
    List<Route> list = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = routes.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      list.add(route(source, e.getKey(), e.getValue(), defaultTimeout));
    }
    return new Routes(list);
  }

  private static Route route(String source, String prefix, JsonNode value, Duration defaultTimeout) {
    String where = source + ": routes." + prefix;
    if (!prefix.startsWith("/")) {
      throw new InvalidRoutesException(where + ": a path prefix must start with '/'");
    }
    String topic;
    Duration timeout = defaultTimeout;
    boolean async = false;
    if (value.isTextual()) {
      topic = value.asText();
    } else if (value.isObject()) {
      topic = value.path("topic").asText(null);
      if (value.has("timeout")) {
        timeout = duration(where + ".timeout", value.get("timeout").asText());
      }
      if (value.has("async")) {
        if (!value.get("async").isBoolean()) {
          throw new InvalidRoutesException(where + ".async: must be true or false");
        }
        async = value.get("async").asBoolean();
      }
      for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (!name.equals("topic") && !name.equals("timeout") && !name.equals("async")) {
          throw new InvalidRoutesException(where + "." + name + ": unknown field (known: topic, timeout, async)");
        }
      }
    } else {
      throw new InvalidRoutesException(where + ": must be a topic name or {topic, timeout, async}");
    }
    if (topic == null) {
      throw new InvalidRoutesException(where + ".topic: missing");
    }
    try {
      NsqNames.checkTopic(topic);
    } catch (IllegalArgumentException e) {
      throw new InvalidRoutesException(where + ": " + e.getMessage());
    }
    return new Route(prefix, topic, timeout, async);
  }

  static Duration duration(String where, String text) {
    Duration d;
    try {
      d = Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new InvalidRoutesException(where + ": '" + text + "' is not a duration like 500ms, 30s or 2m");
    }
    if (d.isZero() || d.isNegative()) {
      throw new InvalidRoutesException(where + ": must be positive");
    }
    return d;
  }

  /** A routes file that cannot be used; the message says where and why. */
  public static final class InvalidRoutesException extends RuntimeException {
    InvalidRoutesException(String message) {
      super(message);
    }
  }
}
