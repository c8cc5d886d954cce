package io.kubefuncs.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import java.util.List;
import java.util.Map;

/**
 * The fields of a JSON object that clients and NSQ's own tools read, by name and JSON type. Values
 * are left to each test: versions, host names and times differ between brokers and do not matter.
 */
record JsonShape(List<Field> fields) {
  record Field(String name, JsonNodeType type) {}

  static JsonShape of(Field... fields) {
    return new JsonShape(List.of(fields));
  }

  static Field string(String name) {
    return new Field(name, JsonNodeType.STRING);
  }

  static Field number(String name) {
    return new Field(name, JsonNodeType.NUMBER);
  }

  static Field bool(String name) {
    return new Field(name, JsonNodeType.BOOLEAN);
  }

  static Field array(String name) {
    return new Field(name, JsonNodeType.ARRAY);
  }

  /** Every field is there with its type; other fields may be there too. */
  void assertPresentIn(JsonNode node, String what) {
    assertThat(node.isObject()).as("%s is a JSON object: %s", what, node).isTrue();
    for (Field field : fields) {
      assertThat(node.has(field.name()))
          .as("%s has field \"%s\": %s", what, field.name(), node)
          .isTrue();
      assertThat(node.get(field.name()).getNodeType())
          .as("type of %s.%s in %s", what, field.name(), node)
          .isEqualTo(field.type());
    }
  }

  /**
   * As {@link #assertPresentIn}, and no other field: for answers whose shape clients decode
   * strictly.
   */
  void assertExactly(JsonNode node, String what) {
    assertPresentIn(node, what);
    List<String> names = fields.stream().map(Field::name).toList();
    assertThat(node.properties())
        .as("fields of %s", what)
        .extracting(Map.Entry::getKey)
        .containsExactlyInAnyOrderElementsOf(names);
  }

  /** The strings of a JSON array such as {@code "topics"} or {@code "channels"}. */
  static List<String> strings(JsonNode array) {
    assertThat(array.isArray()).as("a JSON array: %s", array).isTrue();
    return array.valueStream().map(JsonNode::asText).toList();
  }
}
