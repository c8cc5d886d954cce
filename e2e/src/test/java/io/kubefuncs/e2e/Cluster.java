package io.kubefuncs.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The cluster under test, reached only through the kubeconfig it is given and the kubectl and helm
 * it is told to use: never the ambient {@code KUBECONFIG}, {@code ~/.kube/config} or whatever
 * kubectl happens to be on the PATH.
 */
final class Cluster {
  static final ObjectMapper JSON = new ObjectMapper();

  final Path repo;
  final Path kubeconfig;
  final Path kubectl;
  final Path helm;
  private final Path helmHome;

  private Cluster(Path repo, Path kubeconfig, Path kubectl, Path helm) {
    this.repo = repo;
    this.kubeconfig = kubeconfig;
    this.kubectl = kubectl;
    this.helm = helm;
    this.helmHome = repo.resolve("e2e/target/helm-home");
  }

  /**
   * {@code KUBEFUNCS_E2E_KUBECONFIG} names the user's own cluster; without it, the throwaway
   * cluster of {@code scripts/kube up}. The binaries default to the ones scripts/kube builds.
   */
  static Cluster fromEnvironment() {
    Path repo = Path.of(System.getProperty("kubefuncs.repo", "..")).toAbsolutePath().normalize();
    Path tools = repo.resolve(".tools/kube");
    Path kubeconfig = path("KUBEFUNCS_E2E_KUBECONFIG", tools.resolve("kubeconfig"));
    Path kubectl = path("KUBEFUNCS_E2E_KUBECTL", tools.resolve("bin/kubectl"));
    Path helm = path("KUBEFUNCS_E2E_HELM", tools.resolve("bin/helm"));
    for (Path p : List.of(kubeconfig, kubectl, helm)) {
      if (!Files.exists(p)) {
        throw new IllegalStateException(
            p
                + " does not exist: start the throwaway cluster with scripts/kube up, or name your own with"
                + " KUBEFUNCS_E2E_KUBECONFIG (and KUBEFUNCS_E2E_KUBECTL, KUBEFUNCS_E2E_HELM); see docs/testing.md");
      }
    }
    return new Cluster(repo, kubeconfig, kubectl, helm);
  }

  private static Path path(String env, Path fallback) {
    String value = System.getenv(env);
    return value == null || value.isBlank() ? fallback : Path.of(value).toAbsolutePath();
  }

  String kubectl(String... args) {
    return run(command(kubectl, args), Duration.ofMinutes(5));
  }

  JsonNode kubectlJson(String... args) {
    try {
      return JSON.readTree(kubectl(args));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs helm. When a {@code --wait} in a namespace fails, the error also shows the pods and the
   * latest events there, which say why (Pending, image, probe), where helm only says the deadline
   * passed.
   */
  String helm(String... args) {
    try {
      return run(command(helm, args), Duration.ofMinutes(10));
    } catch (AssertionError e) {
      List<String> list = List.of(args);
      int ns = list.indexOf("--namespace");
      if (!list.contains("--wait") || ns < 0 || ns + 1 >= list.size()) {
        throw e;
      }
      throw new AssertionError(e.getMessage() + state(list.get(ns + 1)), e);
    }
  }

  /** The pods of every namespace (and so the node's load) and the namespace's last 40 events. */
  private String state(String namespace) {
    try {
      List<String> events =
          kubectl("-n", namespace, "get", "events", "--sort-by=.lastTimestamp").lines().toList();
      return "\n--- pods\n"
          + kubectl("get", "pods", "-A", "-o", "wide")
          + "--- last events in "
          + namespace
          + "\n"
          + String.join("\n", events.subList(Math.max(0, events.size() - 40), events.size()));
    } catch (AssertionError e) {
      return "\n(the namespace's state could not be read: " + e.getMessage() + ")";
    }
  }

  /**
   * NSQ and the gateway as a user installs them: the kubefuncs chart of this checkout as {@code
   * release} in {@code namespace} (created if need be), {@code values} ({@code --set ...}) given,
   * waiting until its pods are ready.
   */
  void installKubefuncs(String namespace, String release, String... values) {
    helm("dependency", "build", "charts/kubefuncs");
    List<String> args =
        new ArrayList<>(
            List.of(
                "upgrade",
                "--install",
                "--namespace",
                namespace,
                "--create-namespace",
                "--wait",
                "--timeout",
                "5m"));
    args.addAll(List.of(values));
    args.add(release);
    args.add("./charts/kubefuncs");
    helm(args.toArray(String[]::new));
  }

  /** A long-running kubectl (port-forward), with the same isolation as every other call. */
  Process startKubectl(String... args) throws IOException {
    return builder(command(kubectl, args)).redirectErrorStream(true).start();
  }

  private List<String> command(Path binary, String... args) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.add("--kubeconfig");
    command.add(kubeconfig.toString());
    command.addAll(List.of(args));
    return command;
  }

  /**
   * A process with the same isolation as kubectl and helm here: no ambient KUBECONFIG, Helm homes
   * of the test's own.
   */
  ProcessBuilder builder(List<String> command) {
    ProcessBuilder pb = new ProcessBuilder(command).directory(repo.toFile());
    Map<String, String> env = pb.environment();
    env.remove("KUBECONFIG");
    // Helm's repositories, cache and plugins of this test only, not the user's.
    env.put("HELM_CONFIG_HOME", helmHome.resolve("config").toString());
    env.put("HELM_CACHE_HOME", helmHome.resolve("cache").toString());
    env.put("HELM_DATA_HOME", helmHome.resolve("data").toString());
    return pb;
  }

  /** Runs a command to completion; its standard output, or an error with both of its outputs. */
  private String run(List<String> command, Duration timeout) {
    try {
      Path out = Files.createTempFile("e2e-", ".out");
      Path err = Files.createTempFile("e2e-", ".err");
      try {
        Process p =
            builder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          throw new AssertionError("timed out after " + timeout + ": " + String.join(" ", command));
        }
        String output = Files.readString(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
          throw new AssertionError(
              "exit "
                  + p.exitValue()
                  + ": "
                  + String.join(" ", command)
                  + "\n"
                  + output
                  + Files.readString(err, StandardCharsets.UTF_8));
        }
        return output;
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
