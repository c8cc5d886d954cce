package io.kubefuncs.devbroker;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request's query parameters, parsed as Go's url.ParseQuery parses them: a semicolon or a bad
 * escape makes the query invalid (nsqd then answers {@code INVALID_REQUEST}), the first value of a
 * repeated key is the one that counts.
 */
final class QueryParams {
  private final Map<String, List<String>> values;

  private QueryParams(Map<String, List<String>> values) {
    this.values = values;
  }

  /** Parses {@code rawQuery}; throws IllegalArgumentException where Go returns an error. */
  static QueryParams parse(String rawQuery) {
    Map<String, List<String>> values = new LinkedHashMap<>();
    IllegalArgumentException error = null;
    for (String pair : rawQuery.split("&", -1)) {
      if (pair.contains(";")) {
        error =
            error != null
                ? error
                : new IllegalArgumentException("invalid semicolon separator in query");
        continue;
      }
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      try {
        String key = unescape(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : unescape(pair.substring(eq + 1));
        values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
      } catch (IllegalArgumentException e) {
        error = error != null ? error : e;
      }
    }
    if (error != null) {
      throw error;
    }
    return new QueryParams(values);
  }

  boolean has(String key) {
    return values.containsKey(key);
  }

  /** The first value, or null when the key is absent. */
  String get(String key) {
    List<String> all = values.get(key);
    return all == null ? null : all.get(0);
  }

  /**
   * nsqd's boolean parameters: {@code true}/{@code 1} and {@code false}/{@code 0}; any other value
   * counts as {@code ifUnrecognised}, no value at all as {@code ifAbsent}.
   */
  boolean bool(String key, boolean ifAbsent, boolean ifUnrecognised) {
    String value = get(key);
    if (value == null) {
      return ifAbsent;
    }
    return switch (value) {
      case "true", "1" -> true;
      case "false", "0" -> false;
      default -> ifUnrecognised;
    };
  }

  /**
   * Go's QueryUnescape. Netty hands over the request line one char per byte, so chars are bytes.
   */
  private static String unescape(String text) {
    if (text.indexOf('%') < 0 && text.indexOf('+') < 0) {
      return text;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '+') {
        out.write(' ');
      } else if (c == '%') {
        if (i + 2 >= text.length() || hex(text.charAt(i + 1)) < 0 || hex(text.charAt(i + 2)) < 0) {
          throw new IllegalArgumentException("invalid URL escape");
        }
        out.write(hex(text.charAt(i + 1)) << 4 | hex(text.charAt(i + 2)));
        i += 2;
      } else {
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
