package io.kubefuncs.devbroker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;

/**
 * JSON in, accepted and refused as Go's encoding/json does when it decodes into a struct: the body
 * must be one object (or {@code null}, which changes nothing), and a known key's value must have
 * the field's type, so a string where a number belongs, or a fraction where an integer belongs,
 * fails the body.
 */
final class GoJson {
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** A body Go's decoder would refuse. */
  static final class InvalidBody extends Exception {
    InvalidBody(String message) {
      super(message, null, false, false);
    }
  }

  private GoJson() {}

  /** The body's object; an empty object for {@code null}. */
  static JsonNode object(byte[] body) throws InvalidBody {
    JsonNode root;
    try {
      root = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new InvalidBody(e.getOriginalMessage());
    } catch (IOException e) {
      throw new InvalidBody(e.getMessage());
    }
    if (root == null || root.isMissingNode()) {
      throw new InvalidBody("unexpected end of JSON input");
    }
    if (root.isNull()) {
      return JsonNodeFactory.instance.objectNode();
    }
    if (!root.isObject()) {
      throw new InvalidBody("cannot unmarshal " + root.getNodeType() + " into a struct");
    }
    return root;
  }

  static String string(String key, JsonNode value) throws InvalidBody {
    if (!value.isTextual()) {
      throw new InvalidBody(key + " is not a string");
    }
    return value.textValue();
  }

  static long integer(String key, JsonNode value, long min, long max) throws InvalidBody {
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw new InvalidBody(key + " is not an integer");
    }
    long n = value.longValue();
    if (n < min || n > max) {
      throw new InvalidBody(key + " is out of range");
    }
    return n;
  }

  static boolean bool(String key, JsonNode value) throws InvalidBody {
    if (!value.isBoolean()) {
      throw new InvalidBody(key + " is not a boolean");
    }
    return value.booleanValue();
  }
}
