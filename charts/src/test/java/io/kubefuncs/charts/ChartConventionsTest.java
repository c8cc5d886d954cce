package io.kubefuncs.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Service;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What holds for every chart with its default values and with each full example under ci/: it
 * renders, every object is a valid Kubernetes object of an allowed API version, all references
 * resolve (ManifestChecks), the NOTES point at real Services, lint is clean (the library chart's
 * too), and every value is typed in values.schema.json and documented in the README.
 */
class ChartConventionsTest {

  static final List<String> CHARTS = Charts.ALL;

  static final List<String> LINTED =
      Stream.concat(Charts.ALL.stream(), Stream.of(Charts.LIBRARY)).toList();

  /** Each chart with its defaults and with each of its ci/*.yaml files. */
  static Stream<Arguments> variants() {
    return Charts.ALL.stream()
        .flatMap(
            chart ->
                Stream.concat(
                    Stream.of(Arguments.of(chart, "defaults", List.<Path>of())),
                    Charts.ciValues(chart).stream()
                        .map(f -> Arguments.of(chart, "ci/" + f.getFileName(), List.of(f)))));
  }

  static String release(String chart) {
    return chart.equals("function") ? "example" : "kubefuncs";
  }

  static String namespace(String chart) {
    return chart.equals("function") ? "default" : "kubefuncs";
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("variants")
  void rendersValidObjectsWhoseReferencesResolve(String chart, String label, List<Path> values) {
    Rendered rendered =
        Charts.render(chart, release(chart), namespace(chart), values.toArray(Path[]::new));

    if (!(chart.equals("function") && values.isEmpty())) {
      assertThat(rendered.manifests).as("objects rendered").isNotEmpty();
    }
    assertThat(ManifestChecks.problems(rendered)).as("problems in the rendered objects").isEmpty();
  }

  private static String valueOf(List<Path> valuesFiles, String pointer, String otherwise) {
    String value = otherwise;
    for (Path file : valuesFiles) {
      try {
        JsonNode node = StrictYaml.MAPPER.readTree(file.toFile()).at(pointer);
        value = node.isTextual() ? node.asText() : value;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return value;
  }

  private static final Pattern PORT_FORWARD =
      Pattern.compile("kubectl -n (\\S+) port-forward svc/(\\S+) (\\d+):(\\d+)");

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("variants")
  void notesPortForwardToRenderedServices(String chart, String label, List<Path> values) {
    String notes =
        Charts.notes(chart, release(chart), namespace(chart), values.toArray(Path[]::new));
    // The function chart points at the gateway of the kubefuncs release, not at its own objects.
    String targetRelease = release(chart);
    String targetNamespace = namespace(chart);
    Rendered target;
    if (chart.equals("function")) {
      targetRelease = valueOf(values, "/kubefuncs/release", "kubefuncs");
      targetNamespace = valueOf(values, "/kubefuncs/namespace", "kubefuncs");
      target = Charts.render("kubefuncs", targetRelease, targetNamespace);
    } else {
      target = Charts.render(chart, targetRelease, targetNamespace, values.toArray(Path[]::new));
    }

    Matcher m = PORT_FORWARD.matcher(notes);
    int forwards = 0;
    while (m.find()) {
      forwards++;
      assertThat(m.group(1)).as("namespace in: " + m.group()).isEqualTo(targetNamespace);
      Service service = target.get(Service.class, m.group(2));
      int port = Integer.parseInt(m.group(4));
      assertThat(service.getSpec().getPorts())
          .as("ports of " + m.group(2))
          .anyMatch(p -> p.getPort() == port);
      if (service.getMetadata().getName().endsWith("gateway")) {
        assertThat(notes).contains("curl localhost:" + m.group(3) + "/");
      }
    }
    boolean forwardable =
        target.all(Service.class).stream()
            .map(s -> s.getMetadata().getName())
            .anyMatch(n -> n.endsWith("-gateway") || n.endsWith("-admin"));
    if (forwardable) {
      assertThat(forwards).as("port-forward lines in NOTES:\n" + notes).isPositive();
    }
  }

  @ParameterizedTest
  @FieldSource("LINTED")
  void lintIsClean(String chart) {
    LintResult lint = Charts.lint(chart);

    assertThat(lint.isFailed()).as("lint failed: " + lint.getMessages()).isFalse();
    // Helm's only remaining remark is "[INFO] Chart.yaml: icon is recommended".
    assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
  }

  @ParameterizedTest
  @FieldSource("CHARTS")
  void everyValueIsInTheSchemaAndTheReadme(String chart) throws IOException {
    Path dir = Charts.DIR.resolve(chart);
    ObjectMapper yaml = StrictYaml.MAPPER;
    JsonNode values = yaml.readTree(dir.resolve("values.yaml").toFile());
    JsonNode schema = new ObjectMapper().readTree(dir.resolve("values.schema.json").toFile());
    String readme = Files.readString(dir.resolve("README.md"));

    List<String> problems = new ArrayList<>();
    walk(values, schema, schema, "", readme, problems);

    assertThat(problems).isEmpty();
  }

  /**
   * Descends values.yaml and the schema together. A value whose schema has no `properties` (a
   * free-form Kubernetes object, a list, a scalar) must be documented as a whole; a structured one
   * must be documented either as a whole or key by key; a list documented entry key by entry key
   * (`functions[].name`) must cover every key of its entries.
   */
  private static void walk(
      JsonNode value,
      JsonNode schemaNode,
      JsonNode root,
      String path,
      String readme,
      List<String> problems) {
    JsonNode properties = resolve(schemaNode, root).path("properties");
    for (Map.Entry<String, JsonNode> field : value.properties()) {
      String child = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
      if (!properties.has(field.getKey())) {
        problems.add(child + " is in values.yaml but not declared in values.schema.json");
        continue;
      }
      JsonNode childSchema = resolve(properties.get(field.getKey()), root);
      boolean documented = readme.contains("`" + child + "`");
      if (childSchema.has("properties") && field.getValue().isObject() && !documented) {
        walk(field.getValue(), childSchema, root, child, readme, problems);
      } else if (!documented) {
        problems.add(child + " is not documented in README.md");
      }
      // A list whose entries the README describes key by key (functions[].name, ...) must
      // describe every key its schema allows.
      if (!readme.contains("`" + child + "[].")) {
        continue;
      }
      JsonNode items = childSchema.path("items");
      for (Map.Entry<String, JsonNode> key : resolve(items, root).path("properties").properties()) {
        String entry = child + "[]." + key.getKey();
        if (!readme.contains("`" + entry + "`")) {
          problems.add(entry + " is not documented in README.md");
        }
      }
    }
  }

  private static JsonNode resolve(JsonNode node, JsonNode root) {
    JsonNode ref = node.path("$ref");
    return ref.isTextual() ? root.at(ref.asText().substring(1)) : node;
  }
}
