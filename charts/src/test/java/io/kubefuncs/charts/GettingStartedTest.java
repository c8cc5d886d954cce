package io.kubefuncs.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/getting-started.md, step by step: the commands it shows, run through Helm, render exactly
 * the objects it describes. Each command is quoted from the guide, so the two cannot drift apart.
 */
class GettingStartedTest {

  private static final Path GUIDE = Charts.REPO.resolve("docs/getting-started.md");
  private static final Path FUNCTIONS = Charts.REPO.resolve("examples/functions.yaml");
  private static final Path GATEWAY = Charts.REPO.resolve("examples/gateway.yaml");

  static final String INSTALL_CORE =
      "helm upgrade --install --namespace kubefuncs --create-namespace --wait kubefuncs ./charts/kubefuncs";
  static final String INSTALL_FUNCTIONS =
      "helm upgrade --install --namespace default --values examples/functions.yaml --wait example ./charts/function";
  static final String PORT_FORWARD =
      "kubectl -n kubefuncs port-forward svc/kubefuncs-gateway 8080:80";
  static final String ADD_ROUTE =
      "helm upgrade --install --namespace kubefuncs --values examples/gateway.yaml --wait kubefuncs ./charts/kubefuncs";

  static final List<String> CORE_OBJECTS =
      List.of(
          "ConfigMap/kubefuncs-gateway",
          "DaemonSet/kubefuncs-nsq-nsqd",
          "Deployment/kubefuncs-gateway",
          "NetworkPolicy/kubefuncs-gateway",
          "NetworkPolicy/kubefuncs-nsq-lookupd",
          "NetworkPolicy/kubefuncs-nsq-nsqd",
          "Service/kubefuncs-gateway",
          "Service/kubefuncs-nsq-lookupd",
          "Service/kubefuncs-nsq-lookupd-headless",
          "Service/kubefuncs-nsq-nsqd",
          "ServiceAccount/kubefuncs-gateway",
          "StatefulSet/kubefuncs-nsq-lookupd");

  @Test
  void theGuideShowsTheseCommands() throws IOException {
    String guide = Files.readString(GUIDE);
    assertThat(guide)
        .contains(
            "helm dependency build charts/kubefuncs",
            INSTALL_CORE,
            "helm upgrade --install --namespace kubefuncs kubefuncs kubefuncs/kubefuncs",
            INSTALL_FUNCTIONS,
            PORT_FORWARD,
            "curl localhost:8080/test/hello",
            ADD_ROUTE,
            "curl localhost:8080/ping/hello");
    // The values files shown in the guide are the ones in examples/.
    assertThat(guide)
        .contains(
            Files.readString(FUNCTIONS)
                .lines()
                .filter(l -> !l.startsWith("#") && !l.isBlank() && !l.contains("# tag"))
                .toList()
                .toArray(String[]::new));
    assertThat(guide).contains("gateway:\n  config:\n    routes:\n      /ping/: test\n");
  }

  @Test
  void step1InstallsNsqAndTheGatewayWithTheTestRoute() throws IOException {
    Rendered core = Charts.render("kubefuncs", "kubefuncs", "kubefuncs");

    assertThat(core.ids()).containsExactlyElementsOf(CORE_OBJECTS);
    assertThat(routes(core)).containsExactly(Map.entry("/test/", "test"));
    assertThat(Charts.notes("kubefuncs", "kubefuncs", "kubefuncs"))
        .contains(PORT_FORWARD, "curl localhost:8080/test/hello");
  }

  @Test
  void step2DeploysOneFunctionOnTopicTest() {
    Rendered functions = Charts.render("function", "example", "default", FUNCTIONS);

    assertThat(functions.ids())
        .containsExactly("Deployment/example-function-test", "NetworkPolicy/example-function");
    Container c =
        functions
            .get(Deployment.class, "example-function-test")
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    assertThat(c.getImage()).isEqualTo("ghcr.io/kubefuncs/pong:0.1.0");
    assertThat(FunctionChartTest.env(c))
        .contains(
            "TOPIC=test",
            "CHANNEL=default",
            "NSQ_NSQD_ADDR=kubefuncs-nsq-nsqd.kubefuncs.svc.cluster.local",
            "NSQ_LOOKUPD_ADDR=kubefuncs-nsq-lookupd.kubefuncs.svc.cluster.local");
    assertThat(Charts.notes("function", "example", "default", FUNCTIONS))
        .contains(PORT_FORWARD, "curl localhost:8080/test/hello");
  }

  @Test
  void step4AddsThePingRouteAndChangesNothingElse() throws IOException {
    Rendered before = Charts.render("kubefuncs", "kubefuncs", "kubefuncs");
    Rendered after = Charts.render("kubefuncs", "kubefuncs", "kubefuncs", GATEWAY);

    assertThat(after.ids()).containsExactlyElementsOf(CORE_OBJECTS);
    assertThat(routes(after))
        .containsOnly(Map.entry("/test/", "test"), Map.entry("/ping/", "test"));
    // Only the routes ConfigMap differs, so no pod restarts: the gateway reloads the file.
    for (Manifest m : after.manifests) {
      if (!m.kind().equals("ConfigMap")) {
        assertThat(m.tree()).as(m.id()).isEqualTo(before.manifest(m.kind(), m.name()).tree());
      }
    }
    assertThat(Charts.notes("kubefuncs", "kubefuncs", "kubefuncs", GATEWAY))
        .contains(PORT_FORWARD, "curl localhost:8080/test/hello", "curl localhost:8080/ping/hello");
  }

  @Test
  void bothRoutesReachTheFunctionOfStep2() throws IOException {
    Rendered after = Charts.render("kubefuncs", "kubefuncs", "kubefuncs", GATEWAY);
    Container function =
        Charts.render("function", "example", "default", FUNCTIONS)
            .get(Deployment.class, "example-function-test")
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0);
    String topic =
        function.getEnv().stream()
            .filter(e -> e.getName().equals("TOPIC"))
            .findFirst()
            .orElseThrow()
            .getValue();

    assertThat(routes(after).values()).containsOnly(topic);
  }

  /**
   * Step 6 as the guide writes it: the `--set` assignments of its two `helm upgrade` commands (on
   * top of the values the releases already have, --reuse-values), the Secrets it creates, and the
   * name it puts in nsqd's certificate, which must be the one the charts make clients verify.
   */
  @Test
  void step6TurnsOnTlsAndAuthWithTheSecretsAndCertificateNameItMakes() throws IOException {
    String step = section(Files.readString(GUIDE), "## 6. ", "## 7. ");
    Rendered core =
        Rendered.parse(
            Charts.template(
                "kubefuncs", "kubefuncs", "kubefuncs", sets(step, "./charts/kubefuncs"), GATEWAY));
    Rendered functions =
        Rendered.parse(
            Charts.template(
                "function", "example", "default", sets(step, "./charts/function"), FUNCTIONS));

    List<String> objects = new ArrayList<>(CORE_OBJECTS);
    objects.addAll(
        List.of(
            "Deployment/kubefuncs-nsq-auth",
            "NetworkPolicy/kubefuncs-nsq-auth",
            "Service/kubefuncs-nsq-auth"));
    assertThat(core.ids()).containsExactlyInAnyOrderElementsOf(objects);
    Matcher san = Pattern.compile("subjectAltName=DNS:(\\S+)").matcher(step);
    assertThat(san.find()).as("the certificate's name in step 6").isTrue();
    Map<String, Set<String>> secrets = new LinkedHashMap<>();
    Matcher created =
        Pattern.compile("kubectl -n (\\S+) create secret generic (\\S+)").matcher(step);
    while (created.find()) {
      secrets.computeIfAbsent(created.group(1), n -> new TreeSet<>()).add(created.group(2));
    }

    Container nsqd =
        core.workload("DaemonSet", "kubefuncs-nsq-nsqd")
            .template()
            .getSpec()
            .getContainers()
            .get(0);
    assertThat(nsqd.getArgs())
        .contains("--tls-required=tcp-https", "--auth-http-address=kubefuncs-nsq-auth:4181");
    for (Rendered release : List.of(core, functions)) {
      for (Deployment d : release.all(Deployment.class)) {
        var pod = d.getSpec().getTemplate().getSpec();
        String namespace = release == core ? "kubefuncs" : "default";
        for (var volume : pod.getVolumes()) {
          if (volume.getSecret() != null) {
            assertThat(secrets.get(namespace))
                .as("Secrets step 6 creates in " + namespace)
                .contains(volume.getSecret().getSecretName());
          }
        }
        if (d.getMetadata().getName().endsWith("nsq-auth")) {
          continue;
        }
        Container c = pod.getContainers().get(0);
        assertThat(FunctionChartTest.env(c))
            .as(d.getMetadata().getName())
            .contains(
                "NSQ_TLS=true",
                "NSQ_TLS_SERVER_NAME=" + san.group(1),
                "NSQ_AUTH_SECRET<-nsq-auth-client/secret");
        assertThat(secrets.get(namespace)).contains("nsq-auth-client");
      }
    }
  }

  private static String section(String guide, String from, String to) {
    int start = guide.indexOf(from);
    assertThat(start).as("the guide has a section " + from).isNotNegative();
    return guide.substring(start, guide.indexOf(to, start));
  }

  /**
   * The `--set` assignments of the guide's `helm upgrade` command of a chart, backslash lines
   * joined.
   */
  private static Map<String, String> sets(String text, String chart) {
    Map<String, String> sets = new LinkedHashMap<>();
    for (String command : text.replace("\\\n", " ").lines().toList()) {
      if (command.startsWith("helm upgrade") && command.contains(" " + chart)) {
        Matcher set = Pattern.compile("--set (\\S+)").matcher(command);
        while (set.find()) {
          for (String assignment : set.group(1).split(",")) {
            String[] kv = assignment.split("=", 2);
            sets.put(kv[0], kv[1]);
          }
        }
      }
    }
    assertThat(sets).as("--set in the guide's helm upgrade of " + chart).isNotEmpty();
    return sets;
  }

  private static Map<String, String> routes(Rendered core) throws IOException {
    JsonNode routes = GatewayChartTest.routesFile(core).get("routes");
    Map<String, String> map = new LinkedHashMap<>();
    routes.properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
    return map;
  }
}
