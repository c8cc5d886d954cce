package io.kubefuncs.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A functions file carries, per function, a {@code local} block that only {@code kubefuncs dev}
 * reads (docs/local-development.md). The chart must accept it, typo-check it like every other key,
 * and render exactly what it renders without it.
 */
class LocalBlockTest {

  private static final Path REPO_FUNCTIONS = Charts.REPO.resolve("functions.yaml");

  @Test
  void theRepositorysFunctionsFileRendersAsIfLocalWereNotThere() throws IOException {
    String values = Files.readString(REPO_FUNCTIONS);
    assertThat(values).contains("local:");
    String withoutLocal = withoutLocalBlocks(values);
    assertThat(withoutLocal).doesNotContain("local:");

    String rendered = Charts.template("function", "example", "default", REPO_FUNCTIONS);

    assertThat(rendered)
        .isEqualTo(Charts.template("function", "example", "default", Charts.values(withoutLocal)));
    Container c = FunctionChartTest.container(Rendered.parse(rendered), "example-function-test");
    assertThat(c.getCommand()).isEmpty();
    assertThat(c.getArgs()).isEmpty();
    assertThat(c.getImage()).isEqualTo("ghcr.io/kubefuncs/pong:0.1.0");
    assertThat(FunctionChartTest.env(c)).startsWith("TOPIC=test", "CHANNEL=default");
    assertThat(Rendered.parse(rendered).all(Deployment.class)).hasSize(1);
  }

  @Test
  void everyKeyOfTheLocalBlockIsAccepted() {
    Path values =
        Charts.values(
            """
        image: {repository: x/y}
        functions:
        - name: orders
          local:
            command: [go, run, .]
            dir: services/orders
            env: [{name: LOG_LEVEL, value: debug}]
            build: [go, vet, ./...]
            watch: [main.go, internal]
        """);
    assertThat(Charts.render("function", "example", "default", values).all(Deployment.class))
        .hasSize(1);
  }

  @Test
  void aMisspeltLocalKeyIsRefusedLikeAnyOther() {
    Path values =
        Charts.values(
            "image: {repository: x/y}\nfunctions:\n- name: a\n  local: {comand: [java]}\n");
    assertThatThrownBy(() -> Charts.render("function", "example", "default", values))
        .hasMessageContaining(
            "- at '/functions/0/local': additional properties 'comand' not allowed");
  }

  /**
   * The values with every {@code local:} block (the key and the lines indented under it) cut out.
   */
  private static String withoutLocalBlocks(String yaml) {
    StringBuilder out = new StringBuilder();
    int skipDeeperThan = -1;
    for (String line : yaml.split("\n", -1)) {
      int indent = line.length() - line.stripLeading().length();
      if (skipDeeperThan >= 0 && (line.isBlank() || indent > skipDeeperThan)) {
        continue;
      }
      skipDeeperThan = -1;
      if (line.strip().equals("local:")) {
        skipDeeperThan = indent;
        continue;
      }
      out.append(line).append('\n');
    }
    return out.toString();
  }
}
