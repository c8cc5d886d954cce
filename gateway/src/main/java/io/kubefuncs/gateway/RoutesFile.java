package io.kubefuncs.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.kubefuncs.internal.Durations;
import io.kubefuncs.internal.UnknownKeys;
import io.kubefuncs.nsq.internal.NsqNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a routes file, YAML or JSON, in either of two shapes. The gateway's own:
 *
 * <pre>
 * routes:
 *   /test/: test                       # prefix: topic
 *   /reports/: {topic: reports, timeout: 120s, async: true}
 * </pre>
 *
 * or the kubefuncs chart's values, so that the file a chart is installed with can be read as it is:
 *
 * <pre>
 * gateway:
 *   config:
 *     routes:
 *       /test/: test
 *       /old/: null                    # in the chart, removes a default route: skipped
 * </pre>
 *
 * Every mistake is reported as {@code file:line: field: why}.
 */
public final class RoutesFile {
  private static final JsonFactory YAML = new YAMLFactory();
  private static final Field ROOT = new Field(JsonPointer.empty(), "");
  private static final Field ROUTES = ROOT.child("routes");
  private static final Field CHART_CONFIG = ROOT.child("gateway").child("config");
  private static final Field CHART_ROUTES = CHART_CONFIG.child("routes");
  private static final Set<String> ROUTE_KEYS = Set.of("topic", "timeout", "async");

  private final String source;
  private final Map<String, Integer> lines;
  private final Duration defaultTimeout;

  private RoutesFile(String source, Map<String, Integer> lines, Duration defaultTimeout) {
    this.source = source;
    this.lines = lines;
    this.defaultTimeout = defaultTimeout;
  }

  /**
   * Parses {@code file}; a mistake throws {@link InvalidRoutesException} naming file, line and
   * field.
   */
  public static Routes read(Path file, Duration defaultTimeout) throws IOException {
    return parse(Files.readString(file), file.toString(), defaultTimeout);
  }

  static Routes parse(String text, String source, Duration defaultTimeout) {
    Map<String, Integer> lines = new HashMap<>();
    JsonNode root;
    try (JsonParser parser = YAML.createParser(text)) {
      JsonToken first = next(parser, lines);
      root = first == null ? MissingNode.getInstance() : node(parser, first, lines);
      // To the end, as a whole-file parse would: a mistake after the routes is still one.
      while (next(parser, lines) != null) {}
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      // SnakeYAML's message goes on for lines with excerpts of the file; its first line says what
      // is wrong.
      String why = e.getOriginalMessage().strip().lines().findFirst().orElse("");
      throw new InvalidRoutesException(
          source + (at != null ? ":" + at.getLineNr() : "") + ": not YAML or JSON: " + why);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading a String: cannot happen
    }
    return new RoutesFile(source, lines, defaultTimeout).routes(root);
  }

  /**
   * The next token, its line recorded by JSON pointer: Jackson's trees keep no locations. The first
   * token of a pointer is its key's.
   */
  private static JsonToken next(JsonParser parser, Map<String, Integer> lines) throws IOException {
    JsonToken t = parser.nextToken();
    if (t != null) {
      lines.putIfAbsent(
          parser.getParsingContext().pathAsPointer().toString(),
          parser.currentTokenLocation().getLineNr());
    }
    return t;
  }

  /**
   * The value that starts at {@code t}, as Jackson's {@code readTree} would give it, built in the
   * same pass that records the lines: an {@code ObjectMapper} cost the gateway's start 20 ms and
   * more to set up, for a file of a few lines.
   */
  private static JsonNode node(JsonParser parser, JsonToken t, Map<String, Integer> lines)
      throws IOException {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    return switch (t) {
      case START_OBJECT -> {
        ObjectNode object = nodes.objectNode();
        for (JsonToken k = next(parser, lines);
            k == JsonToken.FIELD_NAME;
            k = next(parser, lines)) {
          String name = parser.currentName();
          object.set(name, node(parser, next(parser, lines), lines));
        }
        yield object;
      }
      case START_ARRAY -> {
        ArrayNode array = nodes.arrayNode();
        for (JsonToken v = next(parser, lines); v != JsonToken.END_ARRAY; v = next(parser, lines)) {
          array.add(node(parser, v, lines));
        }
        yield array;
      }
      case VALUE_STRING -> nodes.textNode(parser.getText());
      case VALUE_NUMBER_INT -> nodes.numberNode(parser.getBigIntegerValue());
      case VALUE_NUMBER_FLOAT -> nodes.numberNode(parser.getDoubleValue()); // YAML has .inf
      case VALUE_TRUE, VALUE_FALSE -> nodes.booleanNode(t == JsonToken.VALUE_TRUE);
      case VALUE_NULL -> nodes.nullNode();
      default -> nodes.pojoNode(parser.getEmbeddedObject()); // YAML's !!binary: no route's shape
    };
  }

  private Routes routes(JsonNode root) {
    if (root.has("routes")) {
      checkKeys(ROOT, root, Set.of("routes"));
      return routes(ROUTES, root.get("routes"), false);
    }
    JsonNode config = root.at(CHART_CONFIG.at());
    if (config.isObject()) {
      // Chart values hold much besides the routes, but the gateway's config section holds only
      // them.
      checkKeys(CHART_CONFIG, config, Set.of("routes"));
      if (config.has("routes")) {
        return routes(CHART_ROUTES, config.get("routes"), true);
      }
    }
    if (root.isObject() && !root.has("gateway")) {
      checkKeys(ROOT, root, Set.of("routes", "gateway"));
    }
    throw new InvalidRoutesException(
        source
            + ":"
            + line(JsonPointer.empty())
            + ": no routes: expected the gateway's routes file "
            + "('routes: {/test/: test}') or kubefuncs chart values ('gateway: {config: {routes: {/test/: test}}}')");
  }

  private Routes routes(Field field, JsonNode routes, boolean chart) {
    if (!routes.isObject()) {
      throw problem(field, "must be a map of path prefix to topic");
    }
    List<Route> list = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : routes.properties()) {
      // In chart values, null removes one of the chart's default routes; here there are none to
      // remove.
      if (!(chart && e.getValue().isNull())) {
        list.add(route(field.child(e.getKey()), e.getKey(), e.getValue()));
      }
    }
    return new Routes(list);
  }

  private Route route(Field route, String prefix, JsonNode value) {
    if (!prefix.startsWith("/")) {
      throw problem(route, "a path prefix must start with '/'");
    }
    String topic;
    Duration timeout = defaultTimeout;
    boolean async = false;
    if (value.isTextual()) {
      topic = value.asText();
    } else if (value.isObject()) {
      topic = value.path("topic").asText(null);
      if (value.has("timeout")) {
        timeout = duration(where(route.child("timeout")), value.get("timeout").asText());
      }
      if (value.has("async")) {
        if (!value.get("async").isBoolean()) {
          throw problem(route.child("async"), "must be true or false");
        }
        async = value.get("async").asBoolean();
      }
      checkKeys(route, value, ROUTE_KEYS);
    } else {
      throw problem(route, "must be a topic name or {topic, timeout, async}");
    }
    Field topicField = value.isObject() ? route.child("topic") : route;
    if (topic == null) {
      throw problem(topicField, "missing");
    }
    try {
      NsqNames.checkTopic(topic);
    } catch (IllegalArgumentException e) {
      throw problem(topicField, e.getMessage());
    }
    return new Route(prefix, topic, timeout, async);
  }

  private static Duration duration(String where, String text) {
    Duration d;
    try {
      d = Durations.parse(text);
    } catch (IllegalArgumentException e) {
      throw new InvalidRoutesException(where + ": " + e.getMessage());
    }
    if (d.isZero() || d.isNegative()) {
      throw new InvalidRoutesException(where + ": must be positive");
    }
    return d;
  }

  /**
   * A key nobody reads is a typo until proven otherwise: an error naming the likely intended key.
   */
  private void checkKeys(Field field, JsonNode node, Set<String> known) {
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (!known.contains(e.getKey())) {
        throw problem(field.child(e.getKey()), UnknownKeys.message(e.getKey(), known));
      }
    }
  }

  private InvalidRoutesException problem(Field field, String why) {
    return new InvalidRoutesException(where(field) + ": " + why);
  }

  /** {@code file:line: field}, the line of the field or, when it is absent, of what holds it. */
  private String where(Field field) {
    return source + ":" + line(field.at()) + ": " + field.name();
  }

  private int line(JsonPointer at) {
    for (JsonPointer p = at; p != null; p = p.head()) {
      Integer line = lines.get(p.toString());
      if (line != null) {
        return line;
      }
    }
    return 1;
  }

  /** A place in the file: its pointer, for its line, and its name as messages write it. */
  private record Field(JsonPointer at, String name) {
    Field child(String key) {
      return new Field(at.appendProperty(key), name.isEmpty() ? key : name + "." + key);
    }
  }

  /** A routes file that cannot be used; the message says where and why. */
  public static final class InvalidRoutesException extends RuntimeException {
    InvalidRoutesException(String message) {
      super(message);
    }
  }
}
