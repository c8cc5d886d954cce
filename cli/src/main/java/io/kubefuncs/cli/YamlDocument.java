package io.kubefuncs.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * A YAML (or JSON) file read as a tree that remembers the line of every key and value, so that a
 * mistake anywhere in it is reported as {@code file:line: field: problem}. Jackson's trees keep no
 * locations, so the file is read twice: once as tokens for the lines, once as a tree.
 */
final class YamlDocument {
  private static final JsonFactory YAML =
      YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final ObjectMapper MAPPER = new ObjectMapper(YAML);

  private final String source;
  private final JsonNode root;
  private final Map<String, Integer> lines;

  private YamlDocument(String source, JsonNode root, Map<String, Integer> lines) {
    this.source = source;
    this.root = root;
    this.lines = lines;
  }

  /** Reads {@code file}; a missing file or a syntax error is an {@link InvalidInputException}. */
  static YamlDocument read(Path file) throws IOException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(file + ": no such file");
    }
    return parse(text, file.toString());
  }

  static YamlDocument parse(String text, String source) {
    Map<String, Integer> lines = new HashMap<>();
    try (JsonParser parser = YAML.createParser(text)) {
      for (JsonToken t = parser.nextToken(); t != null; t = parser.nextToken()) {
        lines.putIfAbsent(
            parser.getParsingContext().pathAsPointer().toString(),
            parser.currentTokenLocation().getLineNr());
      }
      JsonNode root = MAPPER.readTree(text);
      return new YamlDocument(source, root == null ? MissingNode.getInstance() : root, lines);
    } catch (JsonProcessingException e) {
      throw syntaxError(source, e);
    } catch (IOException e) {
      throw new InvalidInputException(source + ": cannot read: " + e.getMessage());
    }
  }

  /**
   * One line: where the parser gave up, and what it was reading. SnakeYAML's own message spans
   * several lines with excerpts of the file, which a terminal shows anyway.
   */
  private static InvalidInputException syntaxError(String source, JsonProcessingException e) {
    if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
      String context =
          yaml.getContext() == null
              ? ""
              : " ("
                  + yaml.getContext()
                  + (yaml.getContextMark() == null
                      ? ""
                      : " from line " + (yaml.getContextMark().getLine() + 1))
                  + ")";
      return new InvalidInputException(
          source
              + ":"
              + (yaml.getProblemMark().getLine() + 1)
              + ": not valid YAML: "
              + yaml.getProblem()
              + context);
    }
    JsonLocation at = e.getLocation();
    String where = at != null && at.getLineNr() > 0 ? source + ":" + at.getLineNr() : source;
    return new InvalidInputException(where + ": not valid YAML: " + e.getOriginalMessage().strip());
  }

  JsonNode root() {
    return root;
  }

  /** The line of the value at {@code at}, or of its nearest enclosing value when it is absent. */
  int line(JsonPointer at) {
    for (JsonPointer p = at; p != null; p = p.head()) {
      Integer line = lines.get(p.toString());
      if (line != null) {
        return line;
      }
    }
    return 1;
  }

  /** {@code file:line: field: problem}, the field written as {@code functions[0].local.command}. */
  InvalidInputException problem(JsonPointer at, String problem) {
    String field = field(at);
    return new InvalidInputException(
        source + ":" + line(at) + ": " + (field.isEmpty() ? "" : field + ": ") + problem);
  }

  /** The path of {@code at} as a reader would write it: indices in brackets, keys after dots. */
  String field(JsonPointer at) {
    StringBuilder out = new StringBuilder();
    JsonNode node = root;
    for (JsonPointer p = at; p != null && !p.matches(); p = p.tail()) {
      String segment = p.getMatchingProperty();
      if (node != null && node.isArray()) {
        out.append('[').append(segment).append(']');
        node = node.get(p.getMatchingIndex());
      } else {
        if (!out.isEmpty()) {
          out.append('.');
        }
        out.append(segment);
        node = node == null ? null : node.get(segment);
      }
    }
    return out.toString();
  }
}
