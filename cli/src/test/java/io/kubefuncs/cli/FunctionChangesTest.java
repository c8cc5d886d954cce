package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What an edit of the functions file changes, from two parses of it. */
class FunctionChangesTest {
  private static List<FunctionSpec> parse(String yaml) {
    return FunctionsFile.parse(yaml, "functions.yaml", Path.of("/work/project"));
  }

  @Test
  void addedRemovedScaledAndChangedFunctionsAreToldApartAndTheRestIsLeftAlone() {
    List<FunctionSpec> before =
        parse(
            """
        functions:
        - {name: same, local: {command: [a]}}
        - {name: scaled, local: {command: [a]}}
        - {name: changed, local: {command: [a]}}
        - {name: gone, local: {command: [a]}}
        """);
    List<FunctionSpec> after =
        parse(
            """
        functions:
        - {name: same, local: {command: [a]}}
        - {name: scaled, replicas: 3, local: {command: [a]}}
        - {name: changed, replicas: 2, env: [{name: A, value: b}], local: {command: [a]}}
        - {name: new, local: {command: [a]}}
        """);

    FunctionChanges changes = FunctionChanges.between(before, after);

    assertThat(changes.added()).extracting(FunctionSpec::name).containsExactly("new");
    assertThat(changes.removed()).extracting(FunctionSpec::name).containsExactly("gone");
    assertThat(changes.scaled())
        .extracting(FunctionSpec::name, FunctionSpec::replicas)
        .containsExactly(tuple("scaled", 3));
    assertThat(changes.changed()).extracting(FunctionSpec::name).containsExactly("changed");
    assertThat(FunctionChanges.between(before, before).isEmpty()).isTrue();
  }
}
