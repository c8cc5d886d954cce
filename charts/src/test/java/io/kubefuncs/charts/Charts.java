package io.kubefuncs.charts;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs real Helm (helm-java, in-process) on the charts of this module. Helm's native library is
 * loaded once per JVM; the kubefuncs chart's file:// dependencies are vendored once per JVM.
 */
final class Charts {

  /** The charts directory: this Maven module's base directory. */
  static final Path DIR = Path.of(System.getProperty("kubefuncs.charts.dir", "")).toAbsolutePath();

  /** The repository root, where examples/ and docs/ live. */
  static final Path REPO = DIR.getParent();

  static final List<String> ALL = List.of("nsq", "gateway", "function", "kubefuncs");

  /**
   * The library chart of named templates that nsq, gateway and function share; it renders nothing.
   */
  static final String LIBRARY = "kubefuncs-common";

  /**
   * Helm's offline default is Kubernetes v1.20, below the charts' kubeVersion constraint; a real
   * install uses the cluster's version instead.
   */
  static final String KUBE_VERSION = "1.30.0";

  private static boolean vendored;

  private Charts() {}

  static Path chart(String name) {
    if (name.equals("kubefuncs")) {
      vendorDependencies();
    }
    return DIR.resolve(name);
  }

  /**
   * Packages nsq and gateway into kubefuncs/charts/ as pinned by Chart.lock (the .tgz files are
   * git-ignored). Fails if Chart.yaml and Chart.lock disagree: run `helm dependency update
   * charts/kubefuncs` after changing the dependencies.
   */
  static synchronized void vendorDependencies() {
    if (!vendored) {
      new Helm(DIR.resolve("kubefuncs")).dependency().build().call();
      vendored = true;
    }
  }

  /** `helm template` with the given values files, parsed strictly. */
  static Rendered render(String chart, String release, String namespace, Path... valuesFiles) {
    return Rendered.parse(template(chart, release, namespace, valuesFiles));
  }

  static String template(String chart, String release, String namespace, Path... valuesFiles) {
    return template(chart, release, namespace, Map.of(), valuesFiles);
  }

  /**
   * `helm template` with values files and then `--set key=value` assignments, as Helm orders them.
   */
  static String template(
      String chart,
      String release,
      String namespace,
      Map<String, String> sets,
      Path... valuesFiles) {
    TemplateCommand command =
        new Helm(chart(chart))
            .template()
            .withName(release)
            .withNamespace(namespace)
            .withKubeVersion(KUBE_VERSION);
    for (Path values : valuesFiles) {
      command = command.withValuesFile(values);
    }
    for (Map.Entry<String, String> set : sets.entrySet()) {
      command = command.set(set.getKey(), set.getValue());
    }
    return command.call();
  }

  /** The NOTES.txt Helm prints after an install, from a client-only dry run. */
  static String notes(String chart, String release, String namespace, Path... valuesFiles) {
    var command =
        new Helm(chart(chart))
            .install()
            .withName(release)
            .withNamespace(namespace)
            .withKubeVersion(KUBE_VERSION)
            .dryRun()
            .clientOnly();
    for (Path values : valuesFiles) {
      command = command.withValuesFile(values);
    }
    String output = command.call().getOutput();
    int start = output.indexOf("NOTES:\n");
    if (start < 0) {
      throw new AssertionError(chart + " printed no NOTES:\n" + output);
    }
    return output.substring(start + "NOTES:\n".length());
  }

  /** `helm lint --strict`: warnings fail as well as errors. */
  static LintResult lint(String chart) {
    return new Helm(chart(chart)).lint().strict().call();
  }

  /** The chart's ci/*.yaml values files: full examples that every generic check runs against. */
  static List<Path> ciValues(String chart) {
    Path ci = DIR.resolve(chart).resolve("ci");
    if (!Files.isDirectory(ci)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(ci)) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A values file of the test resources. */
  static Path testValues(String name) {
    return DIR.resolve("src/test/resources/values").resolve(name);
  }

  /** Writes YAML to a temporary values file (for small per-test variations). */
  static Path values(String yaml) {
    try {
      Path file = Files.createTempFile("kubefuncs-values-", ".yaml");
      file.toFile().deleteOnExit();
      return Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
