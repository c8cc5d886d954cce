package io.kubefuncs.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The function runtime contract, {@code proto/testdata/function-runtime.json}: every variable a
 * function process reads, its grammar and default. The Java SDK, {@code kubefuncs dev}, the
 * function chart and the docs are tested against this one file, and so is the Go SDK (in Go), so
 * that none of them drifts from the others.
 */
public final class RuntimeContract {
  /** The file, relative to the repository root. */
  public static final String FILE = "proto/testdata/function-runtime.json";

  /**
   * A variable's grammar: what text it takes. {@code valid} maps accepted texts to the value they
   * stand for (for durations, milliseconds); {@code invalid} texts must be refused with an error
   * naming the variable. Grammars without examples (files, secrets, free text) have none.
   */
  public record Grammar(
      String name,
      String description,
      Optional<Pattern> pattern,
      Map<String, JsonNode> valid,
      List<String> invalid) {
    /** Whether {@code value} is written in this grammar; true for grammars without a pattern. */
    public boolean matches(String value) {
      return pattern.map(p -> p.matcher(value).find()).orElse(true);
    }
  }

  /** One variable; {@code defaultValue} is null when the variable has none (unset, or required). */
  public record Variable(
      String name,
      Grammar grammar,
      boolean required,
      JsonNode defaultValue,
      String requires,
      String meaning) {}

  private final Map<String, Variable> variables;
  private final Map<String, Grammar> grammars;
  private final List<Pattern> alsoRead;

  private RuntimeContract(
      Map<String, Variable> variables, Map<String, Grammar> grammars, List<Pattern> alsoRead) {
    this.variables = variables;
    this.grammars = grammars;
    this.alsoRead = alsoRead;
  }

  /** Reads the contract from the repository, found from a module's directory or the root. */
  public static RuntimeContract load() {
    for (Path p : List.of(Path.of(FILE), Path.of("..").resolve(FILE))) {
      if (Files.isRegularFile(p)) {
        return read(p);
      }
    }
    throw new IllegalStateException(
        "no " + FILE + " here or one folder up: run from the repository or a module's folder");
  }

  static RuntimeContract read(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    Map<String, Grammar> grammars = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : root.required("grammars").properties()) {
      JsonNode g = e.getValue();
      Map<String, JsonNode> valid = new LinkedHashMap<>();
      g.path("valid").properties().forEach(v -> valid.put(v.getKey(), v.getValue()));
      List<String> invalid = new ArrayList<>();
      g.path("invalid").forEach(v -> invalid.add(v.asText()));
      Optional<Pattern> pattern =
          g.has("pattern")
              ? Optional.of(Pattern.compile(g.get("pattern").asText()))
              : Optional.empty();
      grammars.put(
          e.getKey(),
          new Grammar(e.getKey(), g.required("description").asText(), pattern, valid, invalid));
    }
    Map<String, Variable> variables = new LinkedHashMap<>();
    for (JsonNode v : root.required("variables")) {
      String grammarName = v.required("grammar").asText();
      Grammar grammar = grammars.get(grammarName);
      if (grammar == null) {
        throw new IllegalStateException(
            file + ": " + v.get("name").asText() + " has no grammar " + grammarName);
      }
      variables.put(
          v.required("name").asText(),
          new Variable(
              v.get("name").asText(),
              grammar,
              v.path("required").asBoolean(),
              v.get("default"),
              v.path("requires").asText(null),
              v.required("meaning").asText()));
    }
    List<Pattern> alsoRead = new ArrayList<>();
    root.path("alsoRead")
        .forEach(a -> alsoRead.add(Pattern.compile(a.required("pattern").asText())));
    return new RuntimeContract(
        Collections.unmodifiableMap(variables),
        Collections.unmodifiableMap(grammars),
        List.copyOf(alsoRead));
  }

  /** The variables, in the contract's order. */
  public List<Variable> variables() {
    return List.copyOf(variables.values());
  }

  /** The variable {@code name}; throws if the contract has none of that name. */
  public Variable variable(String name) {
    Variable v = variables.get(name);
    if (v == null) {
      throw new IllegalArgumentException(name + " is not in " + FILE);
    }
    return v;
  }

  /** The grammar {@code name}. */
  public Grammar grammar(String name) {
    Grammar g = grammars.get(name);
    if (g == null) {
      throw new IllegalArgumentException("no grammar " + name + " in " + FILE);
    }
    return g;
  }

  /**
   * Whether {@code name} is one of the contract's variables: what a test that starts a function in
   * a child JVM takes out of the environment the child would inherit, before it sets its own.
   */
  public boolean declares(String name) {
    return variables.containsKey(name);
  }

  /**
   * Whether a function may be given {@code name}: a contract variable, or one it reads from
   * elsewhere (OTEL_*, HOSTNAME).
   */
  public boolean knows(String name) {
    return variables.containsKey(name)
        || alsoRead.stream().anyMatch(p -> p.matcher(name).matches());
  }
}
