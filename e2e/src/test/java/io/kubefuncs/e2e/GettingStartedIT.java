package io.kubefuncs.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * docs/getting-started.md, step by step, on a real cluster with the real helm and kubectl; then
 * what a production installation must survive: a function rolled to a new image under load, a
 * function pod deleted under asynchronous load, nsqd deleted; TLS and AUTH turned on for NSQ; and a
 * clean uninstall. The steps build on each other and run in order.
 */
@Order(1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith({StepTimes.class, GettingStartedIT.Diagnostics.class})
class GettingStartedIT {
  private static final String CORE = "kubefuncs";
  private static final String FUNCTIONS_NS = "default";
  private static final String FUNCTIONS = "example";
  private static final String FUNCTION_DEPLOYMENT = "example-function-test";
  private static final String GATEWAY_PODS =
      "app.kubernetes.io/instance=kubefuncs,app.kubernetes.io/name=gateway";
  private static final String FUNCTION_PODS =
      "app.kubernetes.io/instance=example,kubefuncs.io/function=test";

  /** The name nsqd's certificate carries, which functions and the gateway verify. */
  private static final String NSQD_SERVICE = "kubefuncs-nsq-nsqd.kubefuncs.svc.cluster.local";

  /** What examples/pong answers to every request. */
  private static final String PONG = "pong\n";

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Cluster cluster;
  private PortForward gateway;
  private Nsqd nsq;

  @BeforeAll
  void cluster() {
    cluster = Cluster.fromEnvironment();
    nsq = new Nsqd(cluster, CORE);
    System.out.println(
        "e2e: cluster "
            + cluster.kubectl("version").lines().reduce((a, b) -> b).orElse("?")
            + " (kubeconfig "
            + cluster.kubeconfig
            + ")");
  }

  @AfterAll
  void closeAll() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    http.close();
  }

  @Test
  @Order(1)
  @DisplayName("1. helm install NSQ and the gateway (kubefuncs chart, namespace kubefuncs)")
  void installCore() {
    cluster.helm("dependency", "build", "charts/kubefuncs");
    cluster.helm(
        "upgrade",
        "--install",
        "--namespace",
        CORE,
        "--create-namespace",
        "--wait",
        "--timeout",
        "5m",
        CORE,
        "./charts/kubefuncs");
    assertThat(cluster.kubectl("-n", CORE, "get", "pods", "-o", "name"))
        .contains("pod/kubefuncs-nsq-nsqd-", "pod/kubefuncs-nsq-lookupd-", "pod/kubefuncs-gateway-")
        .as("nsqadmin is opt-in")
        .doesNotContain("pod/kubefuncs-nsq-admin-");
    // Nothing of NSQ is opened on the node: no hostPort, no host network, and nsqd's ports
    // refuse (or never answer) a connection to the node's own address.
    for (JsonNode pod :
        cluster.kubectlJson("-n", CORE, "get", "pods", "-o", "json").path("items")) {
      assertThat(pod.path("spec").path("hostNetwork").asBoolean()).isFalse();
      assertThat(pod.path("spec").path("containers").findValues("hostPort"))
          .as(pod.path("metadata").path("name").asText())
          .isEmpty();
    }
    String node =
        cluster
            .kubectl(
                "get",
                "nodes",
                "-o",
                "jsonpath={.items[0].status.addresses[?(@.type==\"InternalIP\")].address}")
            .strip();
    for (int port : new int[] {4150, 4151}) {
      assertThat(connects(node, port)).as("%s:%d answers", node, port).isFalse();
    }
  }

  @Test
  @Order(2)
  @DisplayName("2. helm install the pong function (function chart, examples/functions.yaml)")
  void deployFunction() {
    cluster.helm(
        "upgrade",
        "--install",
        "--namespace",
        FUNCTIONS_NS,
        "--values",
        "examples/functions.yaml",
        "--wait",
        "--timeout",
        "5m",
        FUNCTIONS,
        "./charts/function");
    assertThat(
            cluster.kubectl(
                "-n",
                FUNCTIONS_NS,
                "get",
                "deployment",
                FUNCTION_DEPLOYMENT,
                "-o",
                "jsonpath={.status.readyReplicas}"))
        .isEqualTo("1");
  }

  @Test
  @Order(3)
  @DisplayName("3. port-forward the gateway; the first /test/hello answers pong within 5 s")
  void firstRequest() throws Exception {
    gateway = new PortForward(cluster, CORE, "svc/kubefuncs-gateway", 80);
    long start = System.nanoTime();
    HttpResponse<String> response = get("/test/hello", Duration.ofSeconds(30));
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        "e2e: first request answered %d %s in %.2f s%n",
        response.statusCode(), response.body().strip(), seconds);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(PONG);
    assertThat(seconds).as("seconds from the first request to its answer").isLessThanOrEqualTo(5.0);
  }

  @Test
  @Order(4)
  @DisplayName(
      "4. helm upgrade with examples/gateway.yaml; /ping/hello answers, gateway not restarted")
  void addRoute() {
    JsonNode before = gatewayPod();
    cluster.helm(
        "upgrade",
        "--install",
        "--namespace",
        CORE,
        "--values",
        "examples/gateway.yaml",
        "--wait",
        "--timeout",
        "5m",
        CORE,
        "./charts/kubefuncs");
    long start = System.nanoTime();
    // The kubelet refreshes a mounted ConfigMap on its own sync period (about a minute).
    await("/ping/hello answering pong")
        .atMost(Duration.ofSeconds(150))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> answers("/ping/hello", 200, PONG));
    System.out.printf(
        "e2e: new route served %.1f s after helm upgrade returned%n",
        (System.nanoTime() - start) / 1e9);
    assertThat(answers("/test/hello", 200, PONG)).as("the default route still answers").isTrue();
    JsonNode after = gatewayPod();
    assertThat(after.path("metadata").path("uid").asText())
        .isEqualTo(before.path("metadata").path("uid").asText());
    assertThat(restarts(after)).as("gateway container restarts").isEqualTo(restarts(before));
  }

  @Test
  @Order(5)
  @DisplayName("5. function rolled to a new image tag under steady load: no failed request")
  void rollFunctionUnderLoad() throws Exception {
    String tag = appVersion("function") + "-e2e";
    Load load = new Load(Load.get(gateway.url("/test/hello")), 200, 16, 300);
    try (load) {
      await("load running")
          .atMost(Duration.ofSeconds(30))
          .until(() -> load.ok() >= 300 || load.failed() > 0);
      cluster.helm(
          "upgrade",
          "--install",
          "--namespace",
          FUNCTIONS_NS,
          "--values",
          "examples/functions.yaml",
          "--set",
          "image.tag=" + tag,
          "--wait",
          "--timeout",
          "5m",
          FUNCTIONS,
          "./charts/function");
      cluster.kubectl(
          "-n",
          FUNCTIONS_NS,
          "rollout",
          "status",
          "deployment/" + FUNCTION_DEPLOYMENT,
          "--timeout=5m");
      await("the old pod gone")
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> functionPodImages().equals(List.of("ghcr.io/kubefuncs/pong:" + tag)));
      long settled = load.ok();
      await("load after the roll")
          .atMost(Duration.ofSeconds(30))
          .until(() -> load.ok() >= settled + 300);
    }
    System.out.println("e2e: load across the roll: " + load);
    assertThat(load.failures()).as("failed requests (first 10)").isEmpty();
    assertThat(load.failed()).isZero();
    assertThat(load.ok()).isGreaterThanOrEqualTo(600);
  }

  @Test
  @Order(6)
  @DisplayName("6. function pod deleted under async load: every accepted event handled")
  void deleteFunctionPodUnderAsyncLoad() throws Exception {
    String nsqd = nsqdPod();
    long before = channel(nsqd).get("message_count");
    HttpRequest async =
        HttpRequest.newBuilder(URI.create(gateway.url("/test/async")))
            .header("Prefer", "respond-async")
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString("event"))
            .build();
    Load load = new Load(async, 202, 8, 200);
    try (load) {
      await("async load running")
          .atMost(Duration.ofSeconds(30))
          .until(() -> load.ok() >= 600 || load.failed() > 0);
      cluster.kubectl("-n", FUNCTIONS_NS, "delete", "pod", "-l", FUNCTION_PODS, "--wait=false");
      long deleted = load.ok();
      await("async load after the delete")
          .atMost(Duration.ofSeconds(60))
          .until(() -> load.ok() >= deleted + 1000);
    }
    System.out.println("e2e: async load: " + load);
    assertThat(load.failures()).as("refused events (first 10)").isEmpty();
    long accepted = load.ok();
    await("every accepted event finished")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              Map<String, Long> c = channel(nsqd);
              return c.get("message_count") - before >= accepted
                  && c.get("depth") == 0
                  && c.get("in_flight_count") == 0
                  && c.get("deferred_count") == 0;
            });
    Map<String, Long> c = channel(nsqd);
    System.out.println("e2e: channel test/default after the async load: " + c);
    assertThat(nsq.topicMessages(nsqd, "test.dead")).as("events dead-lettered").isZero();
  }

  @Test
  @Order(7)
  @DisplayName("7. nsqd deleted: 503 while it is gone, 200 within 10 s of its return")
  void deleteNsqd() throws Exception {
    String old = nsqdPod();
    cluster.kubectl("-n", CORE, "delete", "pod", old, "--wait=false");
    Map<Integer, Integer> statuses = new LinkedHashMap<>();
    await("a 503 while nsqd is gone")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> statusOf("/test/hello", statuses) == 503);
    await("a new nsqd pod")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              String pod =
                  nsqdPod(); // "" while the old one terminates and before the new one exists
              return !pod.isEmpty() && !pod.equals(old);
            });
    String fresh = nsqdPod();
    cluster.kubectl("-n", CORE, "wait", "--for=condition=Ready", "pod/" + fresh, "--timeout=120s");
    long ready = System.nanoTime();
    await("pong after nsqd's return")
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> statusOf("/test/hello", statuses) == 200);
    System.out.printf(
        "e2e: answers seen across the nsqd restart (status=count): %s; pong %.1f s after the new nsqd was Ready%n",
        statuses, (System.nanoTime() - ready) / 1e9);
  }

  @Test
  @Order(8)
  @DisplayName("8. TLS and AUTH on: pong through the gateway; plain TCP and a wrong secret refused")
  void turnOnTlsAndAuth() throws Exception {
    // The guide's commands, in a directory of their own: the CA, nsqd's certificate, the secret.
    Path dir = Files.createDirectories(cluster.repo.resolve("e2e/target/nsq-security"));
    for (String file :
        List.of("ca.key", "ca.crt", "tls.key", "tls.csr", "tls.crt", "config.json")) {
      Files.deleteIfExists(dir.resolve(file));
    }
    run(
        dir,
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "365",
        "-subj",
        "/CN=kubefuncs-nsq-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt");
    run(
        dir,
        "openssl",
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-subj",
        "/CN=kubefuncs-nsq-nsqd",
        "-addext",
        "subjectAltName=DNS:" + NSQD_SERVICE,
        "-keyout",
        "tls.key",
        "-out",
        "tls.csr");
    run(
        dir,
        "openssl",
        "x509",
        "-req",
        "-in",
        "tls.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-days",
        "365",
        "-copy_extensions",
        "copy",
        "-out",
        "tls.crt");
    String secret = run(dir, "openssl", "rand", "-hex", "24").strip();
    Files.writeString(
        dir.resolve("config.json"),
        """
        {"ttl": 3600, "identities": [{"name": "kubefuncs", "secret": "%s",
          "authorizations": [{"topic": ".*", "channels": [".*"], "permissions": ["subscribe", "publish"]}]}]}
        """
            .formatted(secret));
    String crt = "--from-file=" + dir.resolve("tls.crt");
    String key = "--from-file=" + dir.resolve("tls.key");
    String ca = "--from-file=" + dir.resolve("ca.crt");
    cluster.kubectl(
        "-n",
        CORE,
        "create",
        "secret",
        "generic",
        "nsq-tls",
        "--type=kubernetes.io/tls",
        crt,
        key,
        ca);
    cluster.kubectl(
        "-n",
        CORE,
        "create",
        "secret",
        "generic",
        "nsq-auth",
        "--from-file=" + dir.resolve("config.json"));
    cluster.kubectl(
        "-n",
        CORE,
        "create",
        "secret",
        "generic",
        "nsq-auth-client",
        "--from-literal=secret=" + secret);
    cluster.kubectl("-n", FUNCTIONS_NS, "create", "secret", "generic", "nsq-tls", ca);
    cluster.kubectl(
        "-n",
        FUNCTIONS_NS,
        "create",
        "secret",
        "generic",
        "nsq-auth-client",
        "--from-literal=secret=" + secret);

    cluster.helm(
        "upgrade",
        "--namespace",
        CORE,
        "--reuse-values",
        "--wait",
        "--timeout",
        "5m",
        CORE,
        "./charts/kubefuncs",
        "--set",
        "global.nsq.tls.enabled=true,global.nsq.tls.secretName=nsq-tls",
        "--set",
        "global.nsq.auth.enabled=true,global.nsq.auth.existingSecret=nsq-auth,global.nsq.auth.secretName=nsq-auth-client");
    cluster.helm(
        "upgrade",
        "--namespace",
        FUNCTIONS_NS,
        "--reuse-values",
        "--wait",
        "--timeout",
        "5m",
        FUNCTIONS,
        "./charts/function",
        "--set",
        "nsq.tls.enabled=true,nsq.tls.secretName=nsq-tls,nsq.auth.secretName=nsq-auth-client");
    long upgraded = System.nanoTime();

    // The upgrade replaced the gateway pod the port-forward went to.
    gateway.close();
    gateway = new PortForward(cluster, CORE, "svc/kubefuncs-gateway", 80);
    await("pong with TLS and AUTH on")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> answers("/test/hello", 200, PONG));
    System.out.printf(
        "e2e: pong through TLS and AUTH %.1f s after both upgrades returned%n",
        (System.nanoTime() - upgraded) / 1e9);

    Path caFile = dir.resolve("ca.crt");
    assertThat(probeNsqd(probe -> probe.publishInPlainText("test")))
        .as("PUB without TLS")
        .isEqualTo("E_INVALID cannot PUB in current state (TLS required)");
    assertThat(probeNsqd(probe -> probe.authenticate(caFile, NSQD_SERVICE, "not-" + secret)))
        .as("AUTH with a wrong secret")
        .startsWith("E_AUTH_FAILED");
    // The same probe with the right secret gets in: the refusals are nsqd's policy, not the probe's
    // doing.
    assertThat(probeNsqd(probe -> probe.authenticate(caFile, NSQD_SERVICE, secret)))
        .as("AUTH with the secret")
        .contains("\"identity\":\"kubefuncs\"");
  }

  private interface ProbeCall {
    String on(NsqdProbe probe) throws Exception;
  }

  /**
   * One probe connection to nsqd, through a port-forward of its own: kubectl ends a port-forward
   * when a forwarded connection is reset, as one that nsqd closes on an error can be.
   */
  private String probeNsqd(ProbeCall call) throws Exception {
    try (PortForward nsqd = new PortForward(cluster, CORE, "pod/" + nsqdPod(), 4150)) {
      return call.on(new NsqdProbe(nsqd.port));
    }
  }

  @Test
  @Order(9)
  @DisplayName("9. helm uninstall both releases: no object left behind")
  void uninstall() throws Exception {
    gateway.close();
    gateway = null;
    cluster.helm("uninstall", "--namespace", FUNCTIONS_NS, "--wait", FUNCTIONS);
    cluster.helm("uninstall", "--namespace", CORE, "--wait", CORE);
    cluster.kubectl("-n", FUNCTIONS_NS, "delete", "secret", "nsq-tls", "nsq-auth-client");
    cluster.kubectl("-n", CORE, "delete", "secret", "nsq-tls", "nsq-auth", "nsq-auth-client");
    await("nothing left of the releases")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> leftovers().isEmpty());
    cluster.kubectl("delete", "namespace", CORE, "--wait=true", "--timeout=120s");
  }

  /**
   * Objects of either release anywhere, but in the namespaces of other installations that happen to
   * use the same release names (Helm lists them, in any state, once ours are uninstalled); and
   * anything but the defaults in namespace kubefuncs.
   */
  private List<String> leftovers() {
    List<String> namespaced =
        names(cluster.kubectl("api-resources", "--verbs=list", "--namespaced=true", "-o", "name"))
            .stream()
            .filter(t -> !t.equals("events") && !t.equals("events.events.k8s.io"))
            .toList();
    List<String> clusterWide =
        names(cluster.kubectl("api-resources", "--verbs=list", "--namespaced=false", "-o", "name"));
    List<String> others = new ArrayList<>();
    for (JsonNode release : jsonOf(cluster.helm("list", "-A", "--all", "-o", "json"))) {
      if (List.of(CORE, FUNCTIONS).contains(release.path("name").asText())) {
        others.add(release.path("namespace").asText());
      }
    }
    List<String> left = new ArrayList<>();
    for (String release : List.of(CORE, FUNCTIONS)) {
      String selector = "app.kubernetes.io/instance=" + release;
      for (String line :
          names(
              cluster.kubectl(
                  "get",
                  String.join(",", namespaced),
                  "-A",
                  "-l",
                  selector,
                  "--no-headers",
                  "-o",
                  "custom-columns=NAMESPACE:.metadata.namespace,KIND:.kind,NAME:.metadata.name"))) {
        String[] object = line.split("\\s+");
        if (!others.contains(object[0])) {
          left.add(object[0] + ": " + object[1] + "/" + object[2]);
        }
      }
      left.addAll(
          names(
              cluster.kubectl("get", String.join(",", clusterWide), "-l", selector, "-o", "name")));
    }
    for (String name :
        names(
            cluster.kubectl(
                "get",
                String.join(",", namespaced),
                "-n",
                CORE,
                "-o",
                "name",
                "--ignore-not-found"))) {
      if (!name.equals("configmap/kube-root-ca.crt") && !name.equals("serviceaccount/default")) {
        left.add(CORE + ": " + name);
      }
    }
    if (!left.isEmpty()) {
      System.out.println("e2e: still there: " + left);
    }
    return left;
  }

  private static JsonNode jsonOf(String output) {
    try {
      return Cluster.JSON.readTree(output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> names(String output) {
    return output.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
  }

  // ---- helpers ----

  /** A command of the guide other than kubectl and helm (openssl), in {@code dir}: its output. */
  private static String run(Path dir, String... command) throws Exception {
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("failed: " + String.join(" ", command));
    }
    return output;
  }

  private static boolean connects(String host, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 2_000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private HttpResponse<String> get(String path, Duration timeout) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(gateway.url(path))).timeout(timeout).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private boolean answers(String path, int status, String body) {
    try {
      HttpResponse<String> r = get(path, Duration.ofSeconds(10));
      return r.statusCode() == status && r.body().equals(body);
    } catch (Exception e) {
      return false;
    }
  }

  /** One request; its status (0 for a transport error or time-out) is counted in {@code seen}. */
  private int statusOf(String path, Map<Integer, Integer> seen) {
    int status;
    try {
      status = get(path, Duration.ofSeconds(3)).statusCode();
    } catch (Exception e) {
      status = 0;
    }
    seen.merge(status, 1, Integer::sum);
    return status;
  }

  private JsonNode gatewayPod() {
    JsonNode items =
        cluster
            .kubectlJson("-n", CORE, "get", "pods", "-l", GATEWAY_PODS, "-o", "json")
            .path("items");
    assertThat(items.size()).as("gateway pods").isEqualTo(1);
    return items.get(0);
  }

  private static int restarts(JsonNode pod) {
    int n = 0;
    for (JsonNode s : pod.path("status").path("containerStatuses")) {
      n += s.path("restartCount").asInt();
    }
    return n;
  }

  private List<String> functionPodImages() {
    List<String> images = new ArrayList<>();
    for (JsonNode pod :
        cluster
            .kubectlJson("-n", FUNCTIONS_NS, "get", "pods", "-l", FUNCTION_PODS, "-o", "json")
            .path("items")) {
      images.add(pod.path("spec").path("containers").get(0).path("image").asText());
    }
    return images;
  }

  private String nsqdPod() {
    return nsq.pod();
  }

  private Map<String, Long> channel(String pod) {
    return nsq.channel(pod, "test", "default");
  }

  private String appVersion(String chart) throws Exception {
    Matcher m =
        Pattern.compile("(?m)^appVersion:\\s*\"?([^\"\\s]+)\"?")
            .matcher(Files.readString(cluster.repo.resolve("charts/" + chart + "/Chart.yaml")));
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  /** On a failed step, what a person would look at first: the pods and the recent logs. */
  static final class Diagnostics implements TestWatcher {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      GettingStartedIT test = (GettingStartedIT) context.getRequiredTestInstance();
      if (test.cluster == null) {
        return;
      }
      try {
        System.out.println(test.cluster.kubectl("get", "pods", "-A", "-o", "wide"));
        for (String ns : List.of(CORE, FUNCTIONS_NS)) {
          System.out.println(
              test.cluster.kubectl(
                  "-n",
                  ns,
                  "logs",
                  "-l",
                  "app.kubernetes.io/part-of=kubefuncs",
                  "--all-containers",
                  "--prefix",
                  "--tail=40",
                  "--ignore-errors"));
        }
      } catch (AssertionError | RuntimeException e) {
        System.out.println("e2e: no diagnostics: " + e.getMessage());
      }
    }
  }
}
