package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubefuncs.internal.Durations;
import io.kubefuncs.testkit.RuntimeContract;
import io.kubefuncs.testkit.RuntimeContract.Variable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The Java SDK against the function runtime contract (proto/testdata/function-runtime.json): each
 * variable's default, every accepted text of its grammar read to the value the contract gives,
 * every refused one refused naming the variable. The Go SDK runs the same checks
 * (clients/go/contract_test.go), and docs/function-runtime.md is checked to be its table.
 */
class FunctionRuntimeContractTest {
  private static final RuntimeContract CONTRACT = RuntimeContract.load();
  private static final String TOPIC = "orders";

  /** How each variable shows in the configuration read, as the contract writes values. */
  private static final Map<String, Function<FunctionConfig, Object>> READ = new LinkedHashMap<>();

  static {
    READ.put("TOPIC", FunctionConfig::topic);
    READ.put("CHANNEL", FunctionConfig::channel);
    READ.put("NSQ_NSQD_ADDR", c -> host(c.nsqdAddress()));
    READ.put("NSQ_NSQD_PORT", c -> port(c.nsqdAddress()));
    READ.put("NSQ_LOOKUPD_ADDR", c -> c.lookupdAddress() == null ? null : host(c.lookupdAddress()));
    READ.put("NSQ_LOOKUPD_PORT", c -> port(c.lookupdAddress()));
    READ.put("HEALTHZ_ADDR", c -> c.healthzHost() + ":" + c.healthzPort());
    READ.put("KUBEFUNCS_MAX_IN_FLIGHT", FunctionConfig::maxInFlight);
    READ.put("KUBEFUNCS_MAX_ATTEMPTS", FunctionConfig::maxAttempts);
    READ.put("KUBEFUNCS_DEAD_LETTER_TOPIC", FunctionConfig::deadLetterTopic);
    READ.put("KUBEFUNCS_HANDLER_TIMEOUT", c -> c.handlerTimeout().toMillis());
    READ.put("KUBEFUNCS_DRAIN_TIMEOUT", c -> c.drainTimeout().toMillis());
    READ.put("KUBEFUNCS_MAX_MESSAGE_SIZE", FunctionConfig::maxMessageSize);
    READ.put("KUBEFUNCS_CLIENT_ID", FunctionConfig::clientId);
    READ.put("NSQ_TLS", c -> c.tls() != null);
    READ.put("NSQ_AUTH_SECRET", FunctionConfig::authSecret);
  }

  /**
   * Read through NsqTls when TLS is on; their grammars are checked by accepting and refusing only.
   */
  private static final List<String> READ_INTO_TLS =
      List.of("NSQ_TLS_CA_FILE", "NSQ_TLS_CERT_FILE", "NSQ_TLS_KEY_FILE", "NSQ_TLS_SERVER_NAME");

  @Test
  void theSdkReadsExactlyTheContractsVariables() {
    List<String> read = new java.util.ArrayList<>(READ.keySet());
    read.addAll(READ_INTO_TLS);
    assertThat(read)
        .containsExactlyInAnyOrderElementsOf(
            CONTRACT.variables().stream().map(Variable::name).toList());
  }

  @TestFactory
  List<DynamicTest> eachVariableHasTheContractsDefault() {
    return CONTRACT.variables().stream()
        .filter(v -> READ.containsKey(v.name()) && !v.required())
        .map(
            v ->
                DynamicTest.dynamicTest(
                    v.name(),
                    () -> {
                      Map<String, String> env = environment(v, null);
                      env.put("HOSTNAME", "pod-7");
                      FunctionConfig c = FunctionConfig.fromEnvironment(env);
                      Object expected =
                          v.defaultValue() == null ? null : value(v, v.defaultValue());
                      assertThat(READ.get(v.name()).apply(c)).as(v.name()).isEqualTo(expected);
                    }))
        .toList();
  }

  @Test
  void aRequiredVariableThatIsUnsetIsNamed() {
    for (Variable v : CONTRACT.variables()) {
      if (v.required()) {
        assertThatThrownBy(() -> FunctionConfig.fromEnvironment(Map.of()))
            .isInstanceOfSatisfying(
                ConfigException.class, e -> assertThat(e.variable()).isEqualTo(v.name()));
        assertThatThrownBy(() -> FunctionConfig.fromEnvironment(Map.of(v.name(), "  ")))
            .isInstanceOfSatisfying(
                ConfigException.class, e -> assertThat(e.variable()).isEqualTo(v.name()));
      }
    }
  }

  @TestFactory
  List<DynamicTest> everyAcceptedTextReadsToTheContractsValue() {
    return CONTRACT.variables().stream()
        .flatMap(
            v ->
                v.grammar().valid().entrySet().stream()
                    .map(
                        e ->
                            DynamicTest.dynamicTest(
                                v.name() + "=" + e.getKey(),
                                () -> {
                                  assertThat(v.grammar().matches(e.getKey().strip()))
                                      .as("the grammar's pattern takes its own example")
                                      .isTrue();
                                  FunctionConfig c =
                                      FunctionConfig.fromEnvironment(environment(v, e.getKey()));
                                  if (READ.containsKey(v.name())) {
                                    assertThat(READ.get(v.name()).apply(c))
                                        .isEqualTo(value(v, e.getValue()));
                                  }
                                })))
        .toList();
  }

  @TestFactory
  List<DynamicTest> everyRefusedTextIsRefusedNamingTheVariable() {
    return CONTRACT.variables().stream()
        .flatMap(
            v ->
                v.grammar().invalid().stream()
                    .map(
                        text ->
                            DynamicTest.dynamicTest(
                                v.name() + "=" + text,
                                () ->
                                    assertThatThrownBy(
                                            () ->
                                                FunctionConfig.fromEnvironment(
                                                    environment(v, text)))
                                        .isInstanceOfSatisfying(
                                            ConfigException.class,
                                            e -> {
                                              assertThat(e.variable()).isEqualTo(v.name());
                                              assertThat(e.getMessage()).contains(text.strip());
                                            }))))
        .toList();
  }

  @Test
  void theDocsTableIsTheContract() throws Exception {
    Path doc = Path.of("..", "docs", "function-runtime.md");
    Pattern row =
        Pattern.compile("^\\| `([A-Z0-9_]+)` \\| ([^|]+) \\| `([a-z]+)` \\|", Pattern.MULTILINE);
    Matcher m = row.matcher(Files.readString(doc));
    Map<String, String> documented = new LinkedHashMap<>();
    Map<String, String> grammars = new HashMap<>();
    while (m.find()) {
      documented.put(m.group(1), m.group(2).strip());
      grammars.put(m.group(1), m.group(3));
    }
    Map<String, String> expected = new LinkedHashMap<>();
    for (Variable v : CONTRACT.variables()) {
      expected.put(
          v.name(),
          v.required()
              ? "(required)"
              : v.defaultValue() == null ? "unset" : "`" + v.defaultValue().asText() + "`");
      assertThat(grammars.get(v.name()))
          .as(v.name() + "'s grammar in " + doc)
          .isEqualTo(v.grammar().name());
    }
    assertThat(documented)
        .as(doc + " lists the contract's variables, in its order, with its defaults")
        .containsExactlyEntriesOf(expected);
  }

  /**
   * The environment that sets {@code v} to {@code text} (null: leaves it unset), with what it needs
   * beside it.
   */
  private static Map<String, String> environment(Variable v, String text) {
    Map<String, String> env = new HashMap<>();
    env.put("TOPIC", TOPIC);
    if (text != null) {
      env.put(v.name(), text);
    }
    if (v.name().equals("NSQ_LOOKUPD_PORT")) {
      env.put("NSQ_LOOKUPD_ADDR", "lookupd");
    }
    if (v.requires() != null) {
      env.put(v.requires(), "true");
    }
    return env;
  }

  /** A contract value as the configuration holds it. */
  private static Object value(Variable v, JsonNode node) {
    return switch (v.grammar().name()) {
      case "port", "positive", "bytes" -> node.asInt();
      case "boolean" -> node.asBoolean();
      case "duration" ->
          node.isNumber() ? node.asLong() : Durations.parse(node.asText()).toMillis();
      default ->
          switch (node.asText()) {
            case "<TOPIC>.dead" -> TOPIC + ".dead";
            case "$HOSTNAME" -> "pod-7";
            default -> node.asText();
          };
    };
  }

  private static String host(String address) {
    return address.substring(0, address.lastIndexOf(':'));
  }

  private static Integer port(String address) {
    return address == null
        ? null
        : Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }
}
