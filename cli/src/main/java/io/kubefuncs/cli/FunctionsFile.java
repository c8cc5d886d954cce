package io.kubefuncs.cli;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import io.kubefuncs.internal.UnknownKeys;
import io.kubefuncs.nsq.internal.NsqNames;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a functions file: the values of the function chart ({@code image}, {@code defaults}, {@code
 * functions: [{name, topic, channel, replicas, env, ...}]}) with, per function, a {@code local}
 * block that the chart ignores and {@code kubefuncs dev} runs:
 *
 * <pre>
 * functions:
 * - name: test
 *   local:
 *     command: [java, -jar, examples/pong/target/pong.jar]
 *     dir: .            # relative to this file's folder (the default)
 *     env: [{name: LOG_LEVEL, value: debug}]
 * </pre>
 *
 * Keys are checked against the chart's, so that a misspelt key fails here as it would fail {@code
 * helm install}; what only matters on a cluster (image, resources, probes...) is accepted and left
 * alone.
 */
final class FunctionsFile {
  /** The top-level keys of the function chart's values.schema.json. */
  static final Set<String> CHART_KEYS =
      Set.of(
          "global",
          "kubefuncs-common",
          "nameOverride",
          "fullnameOverride",
          "clusterDomain",
          "image",
          "imagePullSecrets",
          "kubefuncs",
          "nsq",
          "networkPolicy",
          "tracing",
          "defaults",
          "functions");

  /** The keys of the chart's {@code defaults}; a function may set each of them too. */
  static final Set<String> DEFAULTS_KEYS =
      Set.of(
          "replicas",
          "channel",
          "command",
          "args",
          "env",
          "resources",
          "nodeSelector",
          "tolerations",
          "affinity",
          "podAnnotations",
          "podLabels",
          "terminationGracePeriodSeconds",
          "livenessProbe",
          "readinessProbe",
          "startupProbe",
          "autoscaling",
          "podDisruptionBudget",
          "podSecurityContext",
          "securityContext");

  /** Keys only a function has. */
  static final Set<String> FUNCTION_ONLY_KEYS = Set.of("name", "topic", "image", "local");

  static final Set<String> LOCAL_KEYS = Set.of("command", "dir", "env", "build", "watch");

  // The chart's pattern for names: they name Kubernetes objects.
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final int MAX_NAME_LENGTH = 40;

  private final YamlDocument doc;
  private final Path base;

  private FunctionsFile(YamlDocument doc, Path base) {
    this.doc = doc;
    this.base = base;
  }

  /**
   * The functions of {@code file}; any mistake is an {@link InvalidInputException} saying where.
   */
  static List<FunctionSpec> read(Path file) throws IOException {
    Path base = file.toAbsolutePath().normalize().getParent();
    return new FunctionsFile(YamlDocument.read(file), base).functions();
  }

  static List<FunctionSpec> parse(String text, String source, Path base) {
    return new FunctionsFile(YamlDocument.parse(text, source), base).functions();
  }

  private List<FunctionSpec> functions() {
    JsonPointer top = JsonPointer.empty();
    JsonNode root = doc.root();
    if (root.isMissingNode()) {
      throw doc.problem(top, "the file is empty; it needs a 'functions:' list");
    }
    requireObject(root, top);
    checkKeys(root, top, CHART_KEYS);
    JsonNode defaults = root.path("defaults");
    JsonPointer defaultsAt = top.appendProperty("defaults");
    if (!defaults.isMissingNode()) {
      requireObject(defaults, defaultsAt);
      checkKeys(defaults, defaultsAt, DEFAULTS_KEYS);
    }
    JsonPointer listAt = top.appendProperty("functions");
    JsonNode list = root.path("functions");
    if (!list.isArray() || list.isEmpty()) {
      throw doc.problem(
          listAt,
          list.isMissingNode() || list.isNull() || list.isArray()
              ? "no functions: list at least one, e.g. 'functions: [{name: hello, local: {command: [...]}}]'"
              : "must be a list of functions, got " + kind(list));
    }
    List<FunctionSpec> out = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < list.size(); i++) {
      JsonPointer at = listAt.appendIndex(i);
      FunctionSpec fn = function(list.get(i), at, defaults, defaultsAt);
      Integer first = seen.putIfAbsent(fn.name(), doc.line(at));
      if (first != null) {
        throw doc.problem(
            at.appendProperty("name"),
            "function '"
                + fn.name()
                + "' is listed twice (first on line "
                + first
                + "); names must be unique");
      }
      out.add(fn);
    }
    return out;
  }

  private FunctionSpec function(
      JsonNode fn, JsonPointer at, JsonNode defaults, JsonPointer defaultsAt) {
    requireObject(fn, at);
    Set<String> known = new HashSet<>(DEFAULTS_KEYS);
    known.addAll(FUNCTION_ONLY_KEYS);
    checkKeys(fn, at, known);

    JsonPointer nameAt = at.appendProperty("name");
    if (!fn.has("name")) {
      throw doc.problem(at, "a function needs a name");
    }
    String name = text(fn.get("name"), nameAt);
    if (!NAME.matcher(name).matches() || name.length() > MAX_NAME_LENGTH) {
      throw doc.problem(
          nameAt,
          "'"
              + name
              + "' is not a function name: lower-case letters, digits and '-', "
              + "starting and ending with a letter or digit, at most "
              + MAX_NAME_LENGTH
              + " characters");
    }
    String topic =
        fn.has("topic") ? nsqName(fn.get("topic"), at.appendProperty("topic"), true) : name;
    Setting channel = setting(fn, at, defaults, defaultsAt, "channel");
    String channelName = channel == null ? "default" : nsqName(channel.node, channel.at, false);
    Setting replicas = setting(fn, at, defaults, defaultsAt, "replicas");
    int replicaCount = replicas == null ? 1 : wholeNumber(replicas.node, replicas.at);
    Setting grace = setting(fn, at, defaults, defaultsAt, "terminationGracePeriodSeconds");
    int graceSeconds = grace == null ? 30 : wholeNumber(grace.node, grace.at);

    Map<String, String> env = new HashMap<>();
    Map<String, JsonPointer> unresolved = new LinkedHashMap<>();
    Setting chartEnv = setting(fn, at, defaults, defaultsAt, "env");
    if (chartEnv != null) {
      env(chartEnv.node, chartEnv.at, env, unresolved);
    }

    JsonPointer localAt = at.appendProperty("local");
    JsonNode local = fn.path("local");
    if (local.isMissingNode() || local.isNull() || (local.isObject() && !local.has("command"))) {
      throw doc.problem(
          local.isObject() ? localAt : at,
          "function '"
              + name
              + "' has no local.command: kubefuncs dev runs "
              + "every function as a local process; add e.g. 'local: {command: [java, -jar, target/"
              + name
              + ".jar]}'");
    }
    requireObject(local, localAt);
    checkKeys(local, localAt, LOCAL_KEYS);
    List<String> command = command(local.get("command"), localAt.appendProperty("command"));
    Path dir = base;
    if (local.has("dir")) {
      dir = base.resolve(text(local.get("dir"), localAt.appendProperty("dir"))).normalize();
    }
    List<String> build =
        local.has("build")
            ? command(local.get("build"), localAt.appendProperty("build"))
            : List.of();
    List<Path> watch = new ArrayList<>();
    if (local.has("watch")) {
      for (String path : strings(local.get("watch"), localAt.appendProperty("watch"))) {
        watch.add(dir.resolve(path).normalize());
      }
    }
    if (local.has("env")) {
      env(local.get("env"), localAt.appendProperty("env"), env, unresolved);
    }
    if (!unresolved.isEmpty()) {
      Map.Entry<String, JsonPointer> first = unresolved.entrySet().iterator().next();
      throw doc.problem(
          first.getValue(),
          "'"
              + first.getKey()
              + "' takes its value from the cluster (valueFrom), "
              + "which kubefuncs dev cannot read: give it a value under local.env");
    }
    return new FunctionSpec(
        name,
        topic,
        channelName,
        replicaCount,
        Map.copyOf(env),
        command,
        dir,
        Duration.ofSeconds(graceSeconds),
        build,
        List.copyOf(watch));
  }

  /** A value and where it was written: on the function, or else in {@code defaults}. */
  private record Setting(JsonNode node, JsonPointer at) {}

  private static Setting setting(
      JsonNode fn, JsonPointer at, JsonNode defaults, JsonPointer defaultsAt, String key) {
    if (fn.has(key) && !fn.get(key).isNull()) {
      return new Setting(fn.get(key), at.appendProperty(key));
    }
    if (defaults.has(key) && !defaults.get(key).isNull()) {
      return new Setting(defaults.get(key), defaultsAt.appendProperty(key));
    }
    return null;
  }

  /**
   * Kubernetes env entries {@code {name, value}} or {@code {name, valueFrom}}, in order. Values
   * must be strings, as the Kubernetes API refuses {@code value: 8080}.
   */
  private void env(
      JsonNode list, JsonPointer at, Map<String, String> env, Map<String, JsonPointer> unresolved) {
    if (!list.isArray()) {
      throw doc.problem(at, "must be a list of {name, value}, got " + kind(list));
    }
    for (int i = 0; i < list.size(); i++) {
      JsonPointer entryAt = at.appendIndex(i);
      JsonNode entry = list.get(i);
      requireObject(entry, entryAt);
      if (!entry.has("name")) {
        throw doc.problem(entryAt, "an environment variable needs a name");
      }
      String name = text(entry.get("name"), entryAt.appendProperty("name"));
      if (name.isEmpty()) {
        throw doc.problem(entryAt.appendProperty("name"), "must not be empty");
      }
      if (entry.has("value")) {
        JsonNode value = entry.get("value");
        if (!value.isTextual()) {
          throw doc.problem(
              entryAt.appendProperty("value"),
              "must be a string (Kubernetes refuses other types): quote it, \""
                  + value.asText()
                  + "\"");
        }
        env.put(name, value.asText());
        unresolved.remove(name);
      } else if (entry.has("valueFrom")) {
        unresolved.putIfAbsent(name, entryAt.appendProperty("valueFrom"));
      } else {
        env.put(name, "");
        unresolved.remove(name);
      }
    }
  }

  private List<String> command(JsonNode node, JsonPointer at) {
    if (node == null || !node.isArray() || node.isEmpty()) {
      throw doc.problem(
          at,
          "must be a non-empty list: the program, then its arguments, e.g. [java, -jar, target/app.jar]");
    }
    List<String> command = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      command.add(text(node.get(i), at.appendIndex(i)));
    }
    return List.copyOf(command);
  }

  private List<String> strings(JsonNode node, JsonPointer at) {
    if (!node.isArray()) {
      throw doc.problem(
          at,
          "must be a list of paths relative to local.dir, e.g. [src, pom.xml], got " + kind(node));
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      out.add(text(node.get(i), at.appendIndex(i)));
    }
    return out;
  }

  private String nsqName(JsonNode node, JsonPointer at, boolean topic) {
    String name = text(node, at);
    try {
      return topic ? NsqNames.checkTopic(name) : NsqNames.checkChannel(name);
    } catch (IllegalArgumentException e) {
      throw doc.problem(at, e.getMessage());
    }
  }

  private String text(JsonNode node, JsonPointer at) {
    if (!node.isTextual()) {
      throw doc.problem(at, "must be a string, got " + kind(node));
    }
    return node.asText();
  }

  private int wholeNumber(JsonNode node, JsonPointer at) {
    if (!node.isIntegralNumber() || node.asLong() < 0 || node.asLong() > Integer.MAX_VALUE) {
      throw doc.problem(at, "must be a whole number of at least 0, got " + kind(node));
    }
    return node.asInt();
  }

  private void requireObject(JsonNode node, JsonPointer at) {
    if (!node.isObject()) {
      throw doc.problem(at, "must be a map of keys to values, got " + kind(node));
    }
  }

  private void checkKeys(JsonNode node, JsonPointer at, Set<String> known) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!known.contains(key)) {
        throw doc.problem(at.appendProperty(key), UnknownKeys.message(key, known));
      }
    }
  }

  /** How a value looks in YAML, for messages: {@code "two" (a string)}. */
  private static String kind(JsonNode node) {
    if (node.isTextual()) {
      return "\"" + node.asText() + "\" (a string)";
    }
    if (node.isNumber()) {
      return node.asText() + " (a number)";
    }
    if (node.isBoolean()) {
      return node.asText() + " (a boolean)";
    }
    if (node.isArray()) {
      return "a list";
    }
    if (node.isObject()) {
      return "a map";
    }
    return "nothing";
  }
}
