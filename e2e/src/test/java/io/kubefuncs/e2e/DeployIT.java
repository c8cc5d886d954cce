package io.kubefuncs.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code kubefuncs deploy} and {@code kubefuncs status} on a real cluster, in a namespace of their
 * own (kf-deploy, removed afterwards): NSQ and the gateway installed there with the kubefuncs
 * chart, as the guide does; a project made by {@code kubefuncs init}, deployed with no Docker and
 * no registry (its image built by Jib on a JRE image tar, loaded into the node's containerd);
 * called through the gateway; shown by status; then changed, deployed again, and answering the new
 * way; and deployed once more unchanged, which changes nothing. Then the same for a Go project,
 * whose image deploy writes itself.
 *
 * <p>How the image reaches the cluster: {@code KUBEFUNCS_E2E_LOAD} (default: this checkout's {@code
 * scripts/kube load}); what it is built on: {@code KUBEFUNCS_E2E_BASE_IMAGE} (default: {@code
 * tar://<checkout>/.tools/images/jre.tar}, which scripts/images writes).
 */
@Order(2)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(StepTimes.class)
class DeployIT {
  private static final String NS = "kf-deploy";
  private static final String CORE = "kubefuncs";

  /**
   * The function, its project folder, release, topic and route; its image is
   * kubefuncs.local/deployit.
   */
  private static final String NAME = "deployit";

  /** The Go function, made by init --lang go. */
  private static final String GO_NAME = "deploygo";

  private static final Duration DEPLOY_TIMEOUT = Duration.ofMinutes(10);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Cluster cluster;
  private Path work;
  private Path project;
  private Path goProject;
  private PortForward gateway;
  private String firstImage;

  @BeforeAll
  void setUp() throws IOException {
    cluster = Cluster.fromEnvironment();
    work = Files.createDirectories(cluster.repo.resolve("e2e/target/deploy-it"));
    project = work.resolve(NAME);
    goProject = work.resolve(GO_NAME);
    deleteTree(project);
    deleteTree(goProject);
  }

  @AfterAll
  void cleanUp() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    http.close();
    cluster.helm(
        "uninstall", "--namespace", NS, "--ignore-not-found", "--wait", NAME, GO_NAME, CORE);
    cluster.kubectl("delete", "namespace", NS, "--ignore-not-found", "--wait=true", "--timeout=3m");
  }

  @Test
  @Order(1)
  @DisplayName("1. helm install NSQ and the gateway in kf-deploy, with routes to the functions")
  void installCore() {
    cluster.installKubefuncs(
        NS,
        CORE,
        "--set-json",
        "gateway.config.routes={\"/"
            + NAME
            + "/\":\""
            + NAME
            + "\",\"/"
            + GO_NAME
            + "/\":\""
            + GO_NAME
            + "\"}");
  }

  @Test
  @Order(2)
  @DisplayName("2. kubefuncs init a Java project, its NSQ the one in kf-deploy")
  void init() throws Exception {
    Run init = kubefuncs("init", project.toString());
    assertThat(init.code).as(init.output).isZero();
    useNsqOfThisNamespace(project);
  }

  @Test
  @Order(3)
  @DisplayName("3. kubefuncs deploy: built, loaded, installed and ready")
  void deploy() throws Exception {
    Run deploy = deployProject(project);
    assertThat(deploy.code).as(deploy.output).isZero();
    assertThat(deploy.output.lines().map(l -> l.split(" ")[0]).toList())
        .containsSubsequence("kubefuncs", "check", "build", "image", "load", "helm", "deployed");
    assertThat(
            cluster.kubectl(
                "-n",
                NS,
                "get",
                "deployment",
                NAME + "-function-" + NAME,
                "-o",
                "jsonpath={.status.readyReplicas}"))
        .isEqualTo("1");
  }

  @Test
  @Order(4)
  @DisplayName("4. the function answers through the gateway")
  void callThroughGateway() throws Exception {
    gateway = new PortForward(cluster, NS, "svc/kubefuncs-gateway", 80);
    await("/" + NAME + "/ answering")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> answer(NAME).equals("hello from " + NAME + "\n"));
  }

  @Test
  @Order(5)
  @DisplayName("5. kubefuncs status shows it with its replicas, route and queue")
  void status() {
    Run table =
        kubefuncs(
            "status",
            "-n",
            NS,
            "--kubeconfig",
            cluster.kubeconfig.toString(),
            "--kubectl",
            cluster.kubectl.toString());
    assertThat(table.code).as(table.output).isZero();
    System.out.println(
        table
            .output
            .strip()
            .lines()
            .map(l -> "e2e: status  " + l)
            .reduce((a, b) -> a + "\n" + b)
            .orElse(""));
    assertThat(table.output)
        .containsPattern(
            "(?m)^"
                + NAME
                + " +"
                + NAME
                + " +1/1 +0 +"
                + NAME
                + "/default +0 +0 +0 +/"
                + NAME
                + "/ +kubefuncs.local/"
                + NAME
                + ":[0-9a-f]{12}$");
    assertThat(table.output).containsPattern("(?m)^/" + NAME + "/ +" + NAME + " +" + NAME + "$");

    JsonNode fn = statusJson(NAME);
    firstImage = fn.path("image").asText();
    assertThat(fn.path("ready").asInt()).isEqualTo(1);
    assertThat(fn.path("replicas").asInt()).isEqualTo(1);
    assertThat(fn.path("routes").toString()).isEqualTo("[\"/" + NAME + "/\"]");
    assertThat(fn.path("depth").isNumber()).as("nsqd's /stats was read").isTrue();
  }

  @Test
  @Order(6)
  @DisplayName("6. a changed function deployed again answers the new way")
  void deployChange() throws Exception {
    // The answer and the project's own tests of it, which the build runs.
    try (Stream<Path> files = Files.walk(project.resolve("src"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Files.writeString(f, Files.readString(f).replace("hello from ", "hello again from "));
      }
    }
    Run deploy = deployProject(project);
    assertThat(deploy.code).as(deploy.output).isZero();
    await("the new answer")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> answer(NAME).equals("hello again from " + NAME + "\n"));
    JsonNode fn = statusJson(NAME);
    assertThat(fn.path("image").asText())
        .as("a new image, a new tag")
        .isNotEqualTo(firstImage)
        .startsWith("kubefuncs.local/" + NAME + ":");
    assertThat(fn.path("ready").asInt()).isEqualTo(1);
  }

  @Test
  @Order(7)
  @DisplayName("7. deployed again unchanged: the same image tag, the Deployment untouched")
  void deployUnchanged() {
    String image = statusJson(NAME).path("image").asText();
    String generation = deploymentGeneration();
    Run deploy = deployProject(project);
    assertThat(deploy.code).as(deploy.output).isZero();
    assertThat(deploy.output)
        .as("Jib builds the same image from the same code")
        .contains("image  " + image + " ");
    assertThat(statusJson(NAME).path("image").asText()).isEqualTo(image);
    assertThat(deploymentGeneration())
        .as("the Deployment's generation: no rollout")
        .isEqualTo(generation);
  }

  @Test
  @Order(8)
  @DisplayName("8. a Go project made by init --lang go: deployed as a static binary, answering")
  void deployGo() throws Exception {
    Run init = kubefuncs("init", "--lang", "go", goProject.toString());
    assertThat(init.code).as(init.output).isZero();
    useNsqOfThisNamespace(goProject);
    Run deploy = deployProject(goProject);
    assertThat(deploy.code).as(deploy.output).isZero();
    assertThat(deploy.output.lines().map(l -> l.split(" ")[0]).toList())
        .containsSubsequence(
            "kubefuncs", "check", "test", "build", "image", "load", "helm", "deployed");
    await("/" + GO_NAME + "/ answering")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> answer(GO_NAME).equals("hello from " + GO_NAME + "\n"));
    JsonNode fn = statusJson(GO_NAME);
    assertThat(fn.path("ready").asInt()).isEqualTo(1);
    assertThat(fn.path("image").asText()).startsWith("kubefuncs.local/" + GO_NAME + ":");
  }

  /**
   * What a user of another namespace than the kubefuncs chart's default writes in functions.yaml.
   */
  private static void useNsqOfThisNamespace(Path dir) throws IOException {
    Files.writeString(
        dir.resolve("functions.yaml"),
        "kubefuncs:\n  namespace: " + NS + "\n",
        StandardOpenOption.APPEND);
  }

  private String deploymentGeneration() {
    return cluster.kubectl(
        "-n",
        NS,
        "get",
        "deployment",
        NAME + "-function-" + NAME,
        "-o",
        "jsonpath={.metadata.generation}");
  }

  private JsonNode statusJson(String name) {
    Run json =
        kubefuncs(
            "status",
            "-n",
            NS,
            "-o",
            "json",
            "--kubeconfig",
            cluster.kubeconfig.toString(),
            "--kubectl",
            cluster.kubectl.toString());
    assertThat(json.code).as(json.output).isZero();
    try {
      for (JsonNode fn : Cluster.JSON.readTree(json.output).path("functions")) {
        if (fn.path("name").asText().equals(name)) {
          return fn;
        }
      }
    } catch (IOException e) {
      throw new AssertionError(json.output, e);
    }
    throw new AssertionError("status does not list " + name + ":\n" + json.output);
  }

  /** kubefuncs deploy; a Java project's image on the JRE image, a Go project's on none. */
  private Run deployProject(Path dir) {
    String load = env("KUBEFUNCS_E2E_LOAD", cluster.repo.resolve("scripts/kube") + " load");
    List<String> args =
        new ArrayList<>(
            List.of(
                "deploy",
                dir.toString(),
                "--namespace",
                NS,
                "--load",
                load,
                "--kubeconfig",
                cluster.kubeconfig.toString(),
                "--kubectl",
                cluster.kubectl.toString(),
                "--helm",
                cluster.helm.toString()));
    if (Files.exists(dir.resolve("pom.xml"))) {
      args.add("--base-image");
      args.add(
          env(
              "KUBEFUNCS_E2E_BASE_IMAGE",
              "tar://" + cluster.repo.resolve(".tools/images/jre.tar")));
    }
    long start = System.nanoTime();
    Run deploy = kubefuncs(args.toArray(String[]::new));
    System.out.printf(
        "e2e: kubefuncs deploy exited %d after %.1f s:%n%s",
        deploy.code,
        (System.nanoTime() - start) / 1e9,
        deploy.output.lines().map(l -> "e2e:   " + l + "\n").reduce("", String::concat));
    return deploy;
  }

  private String answer(String function) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(gateway.url("/" + function + "/")))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.body() : r.statusCode() + " " + r.body();
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e.toString();
    }
  }

  private record Run(int code, String output) {}

  /** The packaged command (cli/target/kubefuncs.jar) on this JDK, both outputs together. */
  private Run kubefuncs(String... args) {
    Path jar = cluster.repo.resolve("cli/target/kubefuncs.jar");
    assertThat(jar).as("the command, packaged by the Maven build").isRegularFile();
    String javaHome = System.getProperty("java.home");
    List<String> command =
        new ArrayList<>(
            List.of(Path.of(javaHome, "bin", "java").toString(), "-jar", jar.toString()));
    command.addAll(List.of(args));
    try {
      Path out = Files.createTempFile(work, "kubefuncs-", ".out");
      ProcessBuilder pb =
          cluster.builder(command).redirectErrorStream(true).redirectOutput(out.toFile());
      // The project's ./mvnw builds with the JDK that runs this test.
      pb.environment().put("JAVA_HOME", javaHome);
      Process p = pb.start();
      if (!p.waitFor(DEPLOY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(
            "timed out after " + DEPLOY_TIMEOUT + ": " + command + "\n" + Files.readString(out));
      }
      return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted((a, b) -> b.compareTo(a)).toList()) {
        Files.delete(p);
      }
    }
  }
}
