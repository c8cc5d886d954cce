package io.kubefuncs.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.kubefuncs.charts.Rendered.Workload;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The nsq chart: the topology functions rely on. */
class NsqChartTest {

  private static final Path FULL = Charts.DIR.resolve("nsq/ci/full-values.yaml");
  private static final Path DAEMONSET_METRICS =
      Charts.DIR.resolve("nsq/ci/daemonset-metrics-values.yaml");

  private static Rendered render(Path... values) {
    return Charts.render("nsq", "kubefuncs", "kubefuncs", values);
  }

  private static Container container(Workload w, String name) {
    return w.template().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError(w.id() + " has no container " + name));
  }

  private static List<String> argsStartingWith(Container c, String prefix) {
    return c.getArgs().stream().filter(a -> a.startsWith(prefix)).toList();
  }

  private static EnvVar env(Container c, String name) {
    return c.getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("container " + c.getName() + " has no env " + name));
  }

  @Test
  void defaultsAreADaemonSetOneLookupdTheirPoliciesAndNoNsqadmin() {
    assertThat(render().ids())
        .containsExactly(
            "DaemonSet/kubefuncs-nsq-nsqd",
            "NetworkPolicy/kubefuncs-nsq-lookupd",
            "NetworkPolicy/kubefuncs-nsq-nsqd",
            "Service/kubefuncs-nsq-lookupd",
            "Service/kubefuncs-nsq-lookupd-headless",
            "Service/kubefuncs-nsq-nsqd",
            "StatefulSet/kubefuncs-nsq-lookupd");
  }

  @Test
  void nsqadminIsOptInAndAdmitsNobodyThroughThePodNetwork() {
    Rendered rendered = render(Charts.values("admin: {enabled: true}\n"));
    assertThat(rendered.ids())
        .contains("Deployment/kubefuncs-nsq-admin", "Service/kubefuncs-nsq-admin");
    NetworkPolicy admin = rendered.get(NetworkPolicy.class, "kubefuncs-nsq-admin");
    assertThat(admin.getSpec().getPolicyTypes()).containsExactly("Ingress");
    assertThat(admin.getSpec().getIngress()).isEmpty();
  }

  @Test
  void onlyKubefuncsPodsReachNsqdAndLookupdAndOnlyNsqdRegisters() {
    Rendered rendered = render();
    NetworkPolicy nsqd = rendered.get(NetworkPolicy.class, "kubefuncs-nsq-nsqd");
    assertThat(nsqd.getSpec().getPodSelector().getMatchLabels())
        .containsEntry("app.kubernetes.io/component", "nsqd");
    assertThat(nsqd.getSpec().getIngress())
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getPorts())
                  .extracting(p -> p.getPort().getIntVal())
                  .containsExactly(4150, 4151);
              assertThat(rule.getFrom())
                  .singleElement()
                  .satisfies(
                      peer -> {
                        assertThat(peer.getPodSelector().getMatchLabels())
                            .containsExactly(Map.entry("app.kubernetes.io/part-of", "kubefuncs"));
                        assertThat(peer.getNamespaceSelector().getMatchLabels()).isNullOrEmpty();
                      });
            });
    NetworkPolicy lookupd = rendered.get(NetworkPolicy.class, "kubefuncs-nsq-lookupd");
    assertThat(lookupd.getSpec().getIngress()).hasSize(2);
    assertThat(lookupd.getSpec().getIngress().get(0).getPorts())
        .extracting(p -> p.getPort().getIntVal())
        .containsExactly(4160);
    assertThat(lookupd.getSpec().getIngress().get(0).getFrom())
        .singleElement()
        .satisfies(
            peer ->
                assertThat(peer.getPodSelector().getMatchLabels())
                    .containsEntry("app.kubernetes.io/component", "nsqd"));
    assertThat(lookupd.getSpec().getIngress().get(1).getPorts())
        .extracting(p -> p.getPort().getIntVal())
        .containsExactly(4161);
    assertThat(render(Charts.values("networkPolicy: {enabled: false}\n")).all(NetworkPolicy.class))
        .isEmpty();
  }

  @Test
  void everyNsqContainerRunsTheNsq130Image() {
    Rendered rendered = render(FULL);
    List<String> images =
        rendered.workloads().stream()
            .flatMap(w -> w.template().getSpec().getContainers().stream())
            .filter(c -> !c.getName().equals("exporter") && !c.getName().equals("nsq-auth"))
            .map(Container::getImage)
            .distinct()
            .toList();
    assertThat(images).containsExactly("nsqio/nsq:v1.3.0");
  }

  @Test
  void nsqdOpensNoPortOnTheNodeAndItsServiceStaysOnTheNode() {
    Rendered rendered = render();
    Workload nsqd = rendered.workload("DaemonSet", "kubefuncs-nsq-nsqd");
    Container c = container(nsqd, "nsqd");

    assertThat(c.getPorts())
        .extracting(
            ContainerPort::getName, ContainerPort::getContainerPort, ContainerPort::getHostPort)
        .containsExactly(tuple("tcp", 4150, null), tuple("http", 4151, null));
    assertThat(nsqd.template().getSpec().getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    // Consumers connect to the address nsqd registers: its own.
    assertThat(c.getArgs()).contains("--broadcast-address=$(POD_IP)", "--tcp-address=0.0.0.0:4150");
    assertThat(env(c, "POD_IP").getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("status.podIP");
    assertThat(c.getCommand()).containsExactly("/nsqd");
    // Publishers reach the nsqd of their own node through the Service.
    assertThat(
            rendered.get(Service.class, "kubefuncs-nsq-nsqd").getSpec().getInternalTrafficPolicy())
        .isEqualTo("Local");
    assertThat(
            render(FULL)
                .get(Service.class, "kubefuncs-nsq-nsqd")
                .getSpec()
                .getInternalTrafficPolicy())
        .isNull();
  }

  static Stream<Arguments> lookupdReplicas() {
    return Stream.of(
        Arguments.of("defaults", List.of(), 1, "cluster.local"),
        Arguments.of(
            "ci/daemonset-metrics-values.yaml", List.of(DAEMONSET_METRICS), 2, "cluster.local"),
        Arguments.of("ci/full-values.yaml", List.of(FULL), 3, "cluster.example"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lookupdReplicas")
  void everyNsqdKnowsEveryLookupdAndNsqadminTheirService(
      String label, List<Path> values, int replicas, String domain) {
    Rendered rendered = render(values.toArray(Path[]::new));
    StatefulSet lookupd = rendered.get(StatefulSet.class, "kubefuncs-nsq-lookupd");
    assertThat(lookupd.getSpec().getReplicas()).isEqualTo(replicas);
    // Per-pod names come from the governing headless Service: <pod>.<service>.<ns>.svc.<domain>.
    String service = lookupd.getSpec().getServiceName();
    assertThat(rendered.get(Service.class, service).getSpec().getClusterIP()).isEqualTo("None");
    List<String> hosts =
        IntStream.range(0, replicas)
            .mapToObj(
                i -> "kubefuncs-nsq-lookupd-" + i + "." + service + ".kubefuncs.svc." + domain)
            .toList();
    Container lookupdContainer =
        container(rendered.workload("StatefulSet", "kubefuncs-nsq-lookupd"), "nsqlookupd");
    assertThat(lookupdContainer.getPorts())
        .extracting(ContainerPort::getContainerPort)
        .containsExactly(4160, 4161);

    Workload nsqd =
        rendered.workloads().stream()
            .filter(w -> w.name().equals("kubefuncs-nsq-nsqd"))
            .findFirst()
            .orElseThrow();
    assertThat(argsStartingWith(container(nsqd, "nsqd"), "--lookupd-tcp-address="))
        .containsExactlyElementsOf(
            hosts.stream().map(h -> "--lookupd-tcp-address=" + h + ":4160").toList());
    rendered
        .find(Deployment.class, "kubefuncs-nsq-admin")
        .ifPresent(
            admin ->
                assertThat(
                        argsStartingWith(
                            admin.getSpec().getTemplate().getSpec().getContainers().get(0),
                            "--lookupd-http-address="))
                    .containsExactly(
                        "--lookupd-http-address=kubefuncs-nsq-lookupd.kubefuncs.svc."
                            + domain
                            + ":4161"));
  }

  @Test
  void lookupdsAreResolvableBeforeTheyAreReady() {
    Service headless = render().get(Service.class, "kubefuncs-nsq-lookupd-headless");
    // nsqd resolves each lookupd by name at start-up; it must not wait for readiness to do so.
    assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
    Service clients = render().get(Service.class, "kubefuncs-nsq-lookupd");
    assertThat(clients.getSpec().getPorts())
        .extracting(ServicePort::getName, ServicePort::getPort)
        .containsExactly(tuple("tcp", 4160), tuple("http", 4161));
  }

  @Test
  void statefulSetModeGivesEachNsqdAVolumeAndAStableAddress() {
    Rendered rendered = render(FULL);
    assertThat(rendered.all(DaemonSet.class)).isEmpty();
    StatefulSet nsqd = rendered.get(StatefulSet.class, "kubefuncs-nsq-nsqd");
    Workload workload = rendered.workload("StatefulSet", "kubefuncs-nsq-nsqd");
    Container c = container(workload, "nsqd");

    assertThat(nsqd.getSpec().getReplicas()).isEqualTo(3);
    var claim = nsqd.getSpec().getVolumeClaimTemplates().get(0);
    assertThat(claim.getMetadata().getName()).isEqualTo("data");
    assertThat(claim.getSpec().getStorageClassName()).isEqualTo("fast-ssd");
    assertThat(claim.getSpec().getResources().getRequests().get("storage").toString())
        .isEqualTo("50Gi");
    assertThat(c.getVolumeMounts())
        .anyMatch(m -> m.getName().equals("data") && m.getMountPath().equals("/data"));
    assertThat(c.getArgs())
        .contains("--data-path=/data", "--mem-queue-size=20000", "--max-msg-size=4194304");
    assertThat(workload.template().getSpec().getVolumes())
        .noneMatch(v -> v.getName().equals("data"));
    // Without hostPorts, nsqd is reached by its pod DNS name, through the headless Service.
    assertThat(c.getPorts()).allMatch(p -> p.getHostPort() == null);
    String headless = nsqd.getSpec().getServiceName();
    assertThat(headless).isEqualTo("kubefuncs-nsq-nsqd-headless");
    assertThat(c.getArgs())
        .contains("--broadcast-address=$(POD_NAME)." + headless + ".kubefuncs.svc.cluster.example");
    assertThat(env(c, "POD_NAME").getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.name");
    assertThat(rendered.all(PodDisruptionBudget.class))
        .extracting(p -> p.getMetadata().getName())
        .containsExactlyInAnyOrder("kubefuncs-nsq-nsqd", "kubefuncs-nsq-lookupd");
  }

  @Test
  void nsqdGetsTheEnvironmentItIsGivenAfterItsOwn() {
    Container plain = container(render().workload("DaemonSet", "kubefuncs-nsq-nsqd"), "nsqd");
    Container tuned =
        container(
            render(Charts.values("nsqd: {env: [{name: GOMAXPROCS, value: \"1\"}]}\n"))
                .workload("DaemonSet", "kubefuncs-nsq-nsqd"),
            "nsqd");

    assertThat(plain.getEnv()).extracting(EnvVar::getName).containsExactly("POD_IP");
    assertThat(tuned.getEnv()).extracting(EnvVar::getName).containsExactly("POD_IP", "GOMAXPROCS");
    assertThat(env(tuned, "GOMAXPROCS").getValue()).isEqualTo("1");
  }

  @Test
  void statefulSetWithoutPersistenceKeepsDataInAnEmptyDir() {
    Rendered rendered =
        render(Charts.values("nsqd: {kind: StatefulSet, persistence: {enabled: false}}\n"));
    StatefulSet nsqd = rendered.get(StatefulSet.class, "kubefuncs-nsq-nsqd");
    assertThat(nsqd.getSpec().getVolumeClaimTemplates()).isNullOrEmpty();
    assertThat(nsqd.getSpec().getTemplate().getSpec().getVolumes())
        .anyMatch(v -> v.getName().equals("data") && v.getEmptyDir() != null);
    assertThat(ManifestChecks.problems(rendered)).isEmpty();
  }

  @Test
  void withoutTheExporterNothingAsksPrometheusToScrapeNsqd() {
    Workload nsqd = render().workload("DaemonSet", "kubefuncs-nsq-nsqd");
    assertThat(nsqd.template().getSpec().getContainers())
        .extracting(Container::getName)
        .containsExactly("nsqd");
    assertThat(nsqd.template().getMetadata().getAnnotations()).isNullOrEmpty();
  }

  @ParameterizedTest
  @MethodSource("metricsVariants")
  void theExporterIsScrapedWhereItListens(String label, Path values, String kind) {
    Rendered rendered = render(values);
    Workload nsqd = rendered.workload(kind, "kubefuncs-nsq-nsqd");
    Container exporter = container(nsqd, "exporter");
    int port = exporter.getPorts().get(0).getContainerPort();
    Map<String, String> annotations = nsqd.template().getMetadata().getAnnotations();

    assertThat(annotations)
        .containsEntry("prometheus.io/scrape", "true")
        .containsEntry("prometheus.io/port", String.valueOf(port))
        .containsEntry("prometheus.io/path", "/metrics");
    assertThat(exporter.getArgs())
        .contains("-web.listen=:" + port, "-nsqd.addr=http://127.0.0.1:4151/stats");
    assertThat(rendered.get(Service.class, "kubefuncs-nsq-nsqd").getSpec().getPorts())
        .anyMatch(p -> p.getName().equals("metrics") && p.getPort() == port);
  }

  static Stream<Arguments> metricsVariants() {
    return Stream.of(
        Arguments.of("DaemonSet", DAEMONSET_METRICS, "DaemonSet"),
        Arguments.of("StatefulSet", FULL, "StatefulSet"));
  }

  @Test
  void nsqadminCanBeLeftOut() {
    assertThat(render(DAEMONSET_METRICS).ids()).noneMatch(id -> id.contains("admin"));
  }
}
