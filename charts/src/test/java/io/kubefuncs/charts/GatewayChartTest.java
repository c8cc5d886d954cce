package io.kubefuncs.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gateway chart: the container contract and the routes file. */
class GatewayChartTest {

  private static final Path FULL = Charts.DIR.resolve("gateway/ci/full-values.yaml");
  private static final String NAME = "kubefuncs-gateway";

  private static Rendered render(Path... values) {
    return Charts.render("gateway", "kubefuncs", "kubefuncs", values);
  }

  private static Container gateway(Rendered rendered) {
    return rendered
        .get(Deployment.class, NAME)
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0);
  }

  static JsonNode routesFile(Rendered rendered) throws IOException {
    String file = rendered.get(ConfigMap.class, NAME).getData().get("routes.yaml");
    return StrictYaml.MAPPER.readTree(file);
  }

  @Test
  void withATracingEndpointTheGatewayGetsTheOtelSettingsBeforeItsOwnEnv() {
    Container c =
        gateway(
            render(
                Charts.values(
                    """
        tracing: {otlpEndpoint: "http://otel-collector.observability:4318"}
        env: [{name: OTEL_SERVICE_NAME, value: edge}]
        """)));

    assertThat(c.getEnv())
        .extracting(e -> e.getName() + "=" + e.getValue())
        .containsExactly(
            "OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector.observability:4318",
            "OTEL_TRACES_SAMPLER=parentbased_always_on",
            "OTEL_SERVICE_NAME=edge");
  }

  @Test
  void defaultsAreADeploymentItsServiceItsRoutesAndItsAccount() {
    assertThat(render().ids())
        .containsExactly(
            "ConfigMap/" + NAME,
            "Deployment/" + NAME,
            "NetworkPolicy/" + NAME,
            "Service/" + NAME,
            "ServiceAccount/" + NAME);
  }

  @Test
  void theDashboardIsOffByDefaultAndTheTokenUnmounted() {
    Rendered rendered = render();
    assertThat(gateway(rendered).getArgs()).noneMatch(a -> a.startsWith("--dashboard"));
    assertThat(
            rendered
                .get(Deployment.class, NAME)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getAutomountServiceAccountToken())
        .isFalse();
    assertThat(rendered.all(Role.class)).isEmpty();
    assertThat(rendered.all(RoleBinding.class)).isEmpty();
  }

  @Test
  void theDashboardListensOnLoopbackAndMayListThePodsOfItsNamespaceOnly() {
    Rendered rendered = render(Charts.values("dashboard: {enabled: true}\n"));
    List<String> args = gateway(rendered).getArgs();
    assertThat(args.get(args.indexOf("--dashboard-addr") + 1)).isEqualTo("127.0.0.1:8081");
    assertThat(
            rendered
                .get(Deployment.class, NAME)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getAutomountServiceAccountToken())
        .isTrue();
    assertThat(rendered.get(Service.class, NAME).getSpec().getPorts())
        .as("never behind the Service")
        .extracting(p -> p.getName())
        .containsExactly("http");

    Role role = rendered.get(Role.class, NAME + "-dashboard");
    assertThat(role.getRules())
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getApiGroups()).containsExactly("");
              assertThat(rule.getResources()).containsExactly("pods");
              assertThat(rule.getVerbs()).containsExactly("get", "list");
            });
    RoleBinding binding = rendered.get(RoleBinding.class, NAME + "-dashboard");
    assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
    assertThat(binding.getSubjects())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.getKind()).isEqualTo("ServiceAccount");
              assertThat(s.getName())
                  .isEqualTo(
                      rendered
                          .get(Deployment.class, NAME)
                          .getSpec()
                          .getTemplate()
                          .getSpec()
                          .getServiceAccountName());
              assertThat(s.getNamespace()).isEqualTo("kubefuncs");
            });
  }

  @Test
  void aPolicyAdmitsTrafficToTheHttpPortOnly() {
    Rendered rendered = render();
    NetworkPolicy policy = rendered.get(NetworkPolicy.class, NAME);
    assertThat(
            rendered.get(Deployment.class, NAME).getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
    assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
    assertThat(policy.getSpec().getIngress())
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getPorts())
                  .extracting(p -> p.getPort().getStrVal())
                  .containsExactly("http");
              assertThat(rule.getFrom()).as("the public door: from anywhere").isNullOrEmpty();
            });
  }

  @Test
  void theContainerGetsTheGatewayFlags() {
    Container c = gateway(render());

    assertThat(c.getImage()).isEqualTo("ghcr.io/kubefuncs/gateway:0.1.0");
    assertThat(c.getCommand()).as("the image's entrypoint runs the gateway").isNullOrEmpty();
    assertThat(c.getArgs())
        .containsExactly(
            "--listen-addr",
            ":8080",
            "--config",
            "/etc/kubefuncs/gateway/routes.yaml",
            "--lookupd-addr",
            "kubefuncs-nsq-lookupd.kubefuncs.svc.cluster.local:4161",
            "--nsqd-addr",
            "kubefuncs-nsq-nsqd.kubefuncs.svc.cluster.local:4150",
            "--nsqd-http-addr",
            "kubefuncs-nsq-nsqd.kubefuncs.svc.cluster.local:4151",
            "--header-timeout",
            "10s",
            "--body-timeout",
            "10s",
            "--idle-timeout",
            "75s",
            "--write-timeout",
            "10s",
            "--max-connections",
            "4096",
            "--max-body-bytes",
            "1047552",
            "--body-budget-bytes",
            "67108864",
            "--abuse-cooldown",
            "10s");
    assertThat(c.getEnv()).isNullOrEmpty();
  }

  @Test
  void httpHealthAndMetricsShareThePort8080() {
    Rendered rendered = render();
    Deployment deployment = rendered.get(Deployment.class, NAME);
    Container c = gateway(rendered);

    assertThat(c.getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getName()).isEqualTo("http"))
        .satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(8080));
    for (var probe : List.of(c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe())) {
      assertThat(probe.getHttpGet().getPath()).isEqualTo("/healthz");
      assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
    }
    assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("prometheus.io/scrape", "true")
        .containsEntry("prometheus.io/port", "8080")
        .containsEntry("prometheus.io/path", "/metrics");
    Service service = rendered.get(Service.class, NAME);
    assertThat(service.getSpec().getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getPort()).isEqualTo(80))
        .satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("http"));
  }

  @Test
  void theRoutesFileIsTheOriginalShapeWithTheDefaultRoute() throws IOException {
    JsonNode routes = routesFile(render());
    assertThat(routes.properties()).extracting(Map.Entry::getKey).containsExactly("routes");
    assertThat(routes.get("routes").properties())
        .singleElement()
        .satisfies(
            route -> {
              assertThat(route.getKey()).isEqualTo("/test/");
              assertThat(route.getValue().asText()).isEqualTo("test");
            });
  }

  @Test
  void theRoutesFileIsMountedWhereTheFlagPointsAndCanBeReloaded() {
    Rendered rendered = render();
    Deployment deployment = rendered.get(Deployment.class, NAME);
    Container c = gateway(rendered);
    String config = c.getArgs().get(c.getArgs().indexOf("--config") + 1);
    String directory = config.substring(0, config.lastIndexOf('/'));
    String file = config.substring(config.lastIndexOf('/') + 1);

    VolumeMount mount =
        c.getVolumeMounts().stream()
            .filter(m -> m.getMountPath().equals(directory))
            .findFirst()
            .orElseThrow();
    // A subPath mount would pin the file at its first version: no live reload.
    assertThat(mount.getSubPath()).isNull();
    Volume volume =
        deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(v -> v.getName().equals(mount.getName()))
            .findFirst()
            .orElseThrow();
    assertThat(volume.getConfigMap().getName()).isEqualTo(NAME);
    assertThat(rendered.get(ConfigMap.class, NAME).getData()).containsKey(file);
    // /tmp is the only other writable place, for the JVM.
    assertThat(c.getVolumeMounts())
        .extracting(VolumeMount::getMountPath)
        .containsExactlyInAnyOrder(directory, "/tmp");
  }

  @Test
  void routeChangesReachRunningPodsWithoutARestartUnlessAskedFor() {
    Path moreRoutes = Charts.values("config: {routes: {/ping/: test}}\n");
    Map<String, String> live =
        render(moreRoutes)
            .get(Deployment.class, NAME)
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotations();
    assertThat(live).doesNotContainKey("checksum/config");

    Path restart = Charts.values("restartOnConfigChange: true\n");
    String before = checksum(render(restart));
    String after = checksum(render(restart, moreRoutes));
    assertThat(before).isNotBlank().isNotEqualTo(after);
  }

  private static String checksum(Rendered rendered) {
    return rendered
        .get(Deployment.class, NAME)
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get("checksum/config");
  }

  @Test
  void clientLimitsTheGatewayWouldRefuseAreRefusedByTheSchema() {
    for (String bad :
        List.of(
            "clientLimits: {headerTimeout: 0s}",
            "clientLimits: {idleTimeout: 1.5s}",
            "clientLimits: {writeTimeout: 10}",
            "clientLimits: {maxConnections: 0}",
            "clientLimits: {maxBodyBytes: -5}",
            "clientLimits: {bodyBudgetBytes: 64MiB}",
            "clientLimits: {abuseCooldown: -1s}",
            "clientLimits: {abuseCooldown: 0}",
            "clientLimits: {readTimeout: 5s}")) {
      assertThatThrownBy(() -> render(Charts.values(bad + "\n")))
          .as(bad)
          .hasMessageContaining("clientLimits");
    }
  }

  @Test
  void theFullExampleAddsAutoscalingBudgetIngressAndServiceMonitor() throws IOException {
    Rendered rendered = render(FULL);

    assertThat(rendered.ids())
        .containsExactly(
            "ConfigMap/" + NAME,
            "Deployment/" + NAME,
            "HorizontalPodAutoscaler/" + NAME,
            "Ingress/" + NAME,
            "NetworkPolicy/" + NAME,
            "PodDisruptionBudget/" + NAME,
            "Role/" + NAME + "-dashboard",
            "RoleBinding/" + NAME + "-dashboard",
            "Service/" + NAME,
            "ServiceAccount/kubefuncs-gateway-edge",
            "ServiceMonitor/" + NAME);
    assertThat(rendered.get(Deployment.class, NAME).getSpec().getReplicas())
        .as("replicas are the HPA's")
        .isNull();
    HorizontalPodAutoscaler hpa = rendered.get(HorizontalPodAutoscaler.class, NAME);
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(20);
    assertThat(hpa.getSpec().getMetrics().get(0).getResource().getTarget().getAverageUtilization())
        .isEqualTo(60);

    Ingress ingress = rendered.get(Ingress.class, NAME);
    assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("nginx");
    assertThat(ingress.getSpec().getRules().get(0).getHost()).isEqualTo("gateway.example.com");
    assertThat(ingress.getSpec().getTls().get(0).getSecretName()).isEqualTo("gateway-tls");

    ServiceMonitor monitor = rendered.get(ServiceMonitor.class, NAME);
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
    assertThat(monitor.getSpec().getEndpoints())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getPort()).isEqualTo("http");
              assertThat(e.getPath()).isEqualTo("/metrics");
              assertThat(e.getInterval()).isEqualTo("15s");
            });

    Container c = gateway(rendered);
    assertThat(c.getImage()).isEqualTo("ghcr.io/kubefuncs/gateway:0.1.0-rc1");
    assertThat(c.getArgs())
        .containsSubsequence(
            "--lookupd-addr",
            "nsq-lookupd.messaging.svc.cluster.local:4161",
            "--nsqd-addr",
            "nsq-nsqd.messaging.svc.cluster.local:4150",
            "--nsqd-http-addr",
            "nsq-nsqd.messaging.svc.cluster.local:4151",
            "--header-timeout",
            "5s",
            "--body-timeout",
            "30s",
            "--idle-timeout",
            "2m",
            "--write-timeout",
            "15s",
            "--max-connections",
            "20000",
            "--max-body-bytes",
            "524288",
            "--body-budget-bytes",
            "268435456",
            "--abuse-cooldown",
            "0s",
            "--gateway-id=$(POD_NAME)");
    assertThat(c.getEnv()).anyMatch(e -> e.getName().equals("KUBEFUNCS_LOG_LEVEL"));
    assertThat(rendered.get(NetworkPolicy.class, NAME).getSpec().getIngress().get(0).getFrom())
        .singleElement()
        .satisfies(
            peer ->
                assertThat(peer.getNamespaceSelector().getMatchLabels())
                    .containsEntry("kubernetes.io/metadata.name", "ingress-nginx"));
    assertThat(routesFile(rendered).get("routes").properties())
        .extracting(Map.Entry::getKey)
        .containsExactlyInAnyOrder("/test/", "/ping/", "/api/v1/orders/");
  }
}
