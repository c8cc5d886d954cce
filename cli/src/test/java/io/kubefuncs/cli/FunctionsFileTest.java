package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FunctionsFileTest {
  private static final Path BASE = Path.of("/work/project");

  private static List<FunctionSpec> parse(String yaml) {
    return FunctionsFile.parse(yaml, "functions.yaml", BASE);
  }

  @Test
  void readsTheRepositorysOwnFunctionsFile() throws IOException {
    List<FunctionSpec> functions = FunctionsFile.read(Repo.ROOT.resolve("functions.yaml"));

    assertThat(functions)
        .singleElement()
        .satisfies(
            fn -> {
              assertThat(fn.name()).isEqualTo("test");
              assertThat(fn.topic()).isEqualTo("test");
              assertThat(fn.command())
                  .startsWith("java")
                  .endsWith("-jar", "examples/pong/target/pong.jar");
              assertThat(fn.dir()).isEqualTo(Repo.ROOT.toAbsolutePath().normalize());
            });
  }

  @Test
  void appliesTheChartsDefaultsAndTheFunctionsOwnSettings() {
    List<FunctionSpec> functions =
        parse(
            """
        image: {repository: ghcr.io/x/y}
        defaults:
          replicas: 2
          channel: workers
          env: [{name: REGION, value: eu}]
          terminationGracePeriodSeconds: 5
        functions:
        - name: resize
          local: {command: [java, -jar, resize.jar]}
        - name: orders
          topic: orders.v2
          channel: billing
          replicas: 0
          env: [{name: MODE, value: strict}]
          local:
            command: [go, run, .]
            dir: services/orders
            env: [{name: MODE, value: local}, {name: DEBUG, value: "1"}]
        """);

    FunctionSpec resize = functions.get(0);
    assertThat(resize.topic()).isEqualTo("resize");
    assertThat(resize.channel()).isEqualTo("workers");
    assertThat(resize.replicas()).isEqualTo(2);
    assertThat(resize.env()).isEqualTo(Map.of("REGION", "eu"));
    assertThat(resize.dir()).isEqualTo(BASE);
    assertThat(resize.grace()).isEqualTo(Duration.ofSeconds(5));

    FunctionSpec orders = functions.get(1);
    assertThat(orders.topic()).isEqualTo("orders.v2");
    assertThat(orders.channel()).isEqualTo("billing");
    assertThat(orders.replicas()).isZero();
    // A function's env replaces the default list, as in the chart; local.env comes last and wins.
    assertThat(orders.env()).isEqualTo(Map.of("MODE", "local", "DEBUG", "1"));
    assertThat(orders.command()).containsExactly("go", "run", ".");
    assertThat(orders.dir()).isEqualTo(BASE.resolve("services/orders"));
  }

  @Test
  void withoutDefaultsAFunctionGetsTheChartsOwn() {
    FunctionSpec fn = parse("functions: [{name: a, local: {command: [a]}}]").get(0);

    assertThat(fn.channel()).isEqualTo("default");
    assertThat(fn.replicas()).isEqualTo(1);
    assertThat(fn.env()).isEmpty();
    assertThat(fn.grace()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void whatDevWatchesIsTheCommandsJarOrWithABuildTheSourcesOrWhatLocalWatchNames() {
    List<FunctionSpec> functions =
        parse(
            """
        functions:
        - name: jar
          local: {command: [java, -XX:+UseSerialGC, -jar, target/jar.jar, --port, "9000"], dir: jar}
        - name: built
          local: {command: [java, -jar, target/built.jar], dir: built, build: [./mvnw, -q, package]}
        - name: go
          local: {command: [go, run, .], dir: go, watch: [main.go, internal]}
        """);

    assertThat(functions.get(0).watched()).containsExactly(BASE.resolve("jar/target/jar.jar"));
    assertThat(functions.get(1).build()).containsExactly("./mvnw", "-q", "package");
    assertThat(functions.get(1).watched()).containsExactly(BASE.resolve("built"));
    assertThat(functions.get(2).watched())
        .containsExactly(BASE.resolve("go/main.go"), BASE.resolve("go/internal"));
    assertThatThrownBy(() -> parse("functions:\n- name: a\n  local: {command: [a], watch: src}\n"))
        .hasMessage(
            "functions.yaml:3: functions[0].local.watch: must be a list of paths relative to local.dir, e.g. [src, pom.xml], got \"src\" (a string)");
  }

  @Test
  void aYamlSyntaxErrorNamesFileAndLine() {
    assertThatThrownBy(
            () ->
                parse(
                    """
        functions:
        - name: test
          local: {command: [java, -jar]
        - name: other
        """))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage(
            "functions.yaml:4: not valid YAML: expected ',' or '}', but got - (while parsing a flow mapping from line 3)");
    assertThatThrownBy(() -> parse("functions:\n- name: a\n  name: b\n"))
        .hasMessageStartingWith("functions.yaml:3: not valid YAML: Duplicate field 'name'");
  }

  @Test
  void aValueOfTheWrongTypeNamesFileLineAndField() {
    assertThatThrownBy(
            () ->
                parse(
                    """
        functions:
        - name: test
          local: {command: [java]}
        - name: other
          replicas: two
          local: {command: [java]}
        """))
        .hasMessage(
            "functions.yaml:5: functions[1].replicas: must be a whole number of at least 0, got \"two\" (a string)");
  }

  @Test
  void aMisspeltKeyIsRefusedAsHelmWouldWithASuggestion() {
    assertThatThrownBy(
            () ->
                parse(
                    """
        functions:
        - name: test
          replica: 2
          local: {command: [java]}
        """))
        .hasMessage(
            "functions.yaml:3: functions[0].replica: unknown key; did you mean 'replicas'?");
    assertThatThrownBy(
            () -> parse("functions:\n- name: test\n  local: {command: [java], directory: x}\n"))
        .hasMessage(
            "functions.yaml:3: functions[0].local.directory: unknown key (known: build, command, dir, env, watch)");
  }

  @Test
  void aFunctionWithoutALocalCommandIsNamedWithItsLine() {
    assertThatThrownBy(
            () ->
                parse(
                    """
        image: {repository: ghcr.io/x/y}
        functions:
        - name: test
          local: {command: [java]}
        - name: orders
          replicas: 2
        """))
        .hasMessageStartingWith(
            "functions.yaml:5: functions[1]: function 'orders' has no local.command: kubefuncs dev runs every function");
    assertThatThrownBy(() -> parse("functions:\n- name: orders\n  local:\n    dir: x\n"))
        .hasMessageStartingWith(
            "functions.yaml:3: functions[0].local: function 'orders' has no local.command");
    assertThatThrownBy(() -> parse("functions:\n- name: orders\n  local: {command: []}\n"))
        .hasMessageStartingWith(
            "functions.yaml:3: functions[0].local.command: must be a non-empty list");
  }

  @Test
  void namesAndTopicsFollowTheChartsAndNsqsRules() {
    assertThatThrownBy(() -> parse("functions:\n- name: Resize_Images\n  local: {command: [a]}\n"))
        .hasMessageStartingWith(
            "functions.yaml:2: functions[0].name: 'Resize_Images' is not a function name");
    assertThatThrownBy(
            () -> parse("functions:\n- name: jobs\n  topic: jobs queue\n  local: {command: [a]}\n"))
        .hasMessageStartingWith(
            "functions.yaml:3: functions[0].topic: topic name 'jobs queue' is invalid");
    assertThatThrownBy(
            () ->
                parse(
                    "functions:\n- name: a\n  local: {command: [a]}\n- name: a\n  local: {command: [a]}\n"))
        .hasMessage(
            "functions.yaml:4: functions[1].name: function 'a' is listed twice (first on line 2); names must be unique");
  }

  @Test
  void envValuesMustBeStringsAndClusterOnlyValuesNeedALocalOne() {
    assertThatThrownBy(
            () ->
                parse(
                    "functions:\n- name: a\n  env: [{name: PORT, value: 8080}]\n  local: {command: [a]}\n"))
        .hasMessageStartingWith("functions.yaml:3: functions[0].env[0].value: must be a string");
    String secret =
        """
        functions:
        - name: a
          env:
          - name: TOKEN
            valueFrom: {secretKeyRef: {name: s, key: token}}
          local: {command: [a]%s}
        """;
    assertThatThrownBy(() -> parse(secret.formatted("")))
        .hasMessageStartingWith(
            "functions.yaml:5: functions[0].env[0].valueFrom: 'TOKEN' takes its value from the cluster");
    assertThat(parse(secret.formatted(", env: [{name: TOKEN, value: dev}]")).get(0).env())
        .isEqualTo(Map.of("TOKEN", "dev"));
  }

  @Test
  void anEmptyFileOrOneWithoutFunctionsSaysWhatIsMissing() {
    assertThatThrownBy(() -> parse("# nothing yet\n"))
        .hasMessageStartingWith("functions.yaml:1: the file is empty");
    assertThatThrownBy(() -> parse("image: {repository: x}\n"))
        .hasMessageStartingWith("functions.yaml:1: functions: no functions");
  }

  /**
   * The keys dev accepts are exactly the chart's, so that a file helm takes is a file dev takes,
   * and the reverse.
   */
  @Test
  void acceptsExactlyTheKeysOfTheChartsSchema() throws IOException {
    JsonNode schema =
        new ObjectMapper()
            .readTree(Repo.ROOT.resolve("charts/function/values.schema.json").toFile());

    assertThat(FunctionsFile.CHART_KEYS).isEqualTo(keys(schema.path("properties")));
    assertThat(FunctionsFile.DEFAULTS_KEYS)
        .isEqualTo(keys(schema.at("/properties/defaults/properties")));
    Set<String> functionKeys = new HashSet<>(FunctionsFile.DEFAULTS_KEYS);
    functionKeys.addAll(FunctionsFile.FUNCTION_ONLY_KEYS);
    assertThat(functionKeys).isEqualTo(keys(schema.at("/properties/functions/items/properties")));
    assertThat(FunctionsFile.LOCAL_KEYS)
        .isEqualTo(keys(schema.at("/properties/functions/items/properties/local/properties")));
  }

  private static Set<String> keys(JsonNode object) {
    Set<String> keys = new HashSet<>();
    object.fieldNames().forEachRemaining(keys::add);
    return keys;
  }
}
