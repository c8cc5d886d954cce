package io.kubefuncs.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.kubefuncs.charts.keda.ScaledObject;
import io.kubefuncs.testkit.RuntimeContract;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The function chart: one Deployment per function with the environment of the client libraries. */
class FunctionChartTest {

  private static final Path FULL = Charts.DIR.resolve("function/ci/full-values.yaml");
  private static final Path ONE =
      Charts.values("image: {repository: ghcr.io/kubefuncs/pong}\nfunctions:\n- name: test\n");

  static Rendered render(Path... values) {
    return Charts.render("function", "example", "default", values);
  }

  static Container container(Rendered rendered, String deployment) {
    return rendered
        .get(Deployment.class, deployment)
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0);
  }

  /** name=value, name<-fieldPath for downward API variables, name<-secret/key for Secret keys. */
  static List<String> env(Container c) {
    return c.getEnv().stream().map(FunctionChartTest::describe).toList();
  }

  private static String describe(EnvVar e) {
    var from = e.getValueFrom();
    if (from != null && from.getFieldRef() != null) {
      return e.getName() + "<-" + from.getFieldRef().getFieldPath();
    }
    if (from != null && from.getSecretKeyRef() != null) {
      return e.getName()
          + "<-"
          + from.getSecretKeyRef().getName()
          + "/"
          + from.getSecretKeyRef().getKey();
    }
    return e.getName() + "=" + e.getValue();
  }

  private static ScaledObject scaledObject(Rendered rendered, String name) {
    return (ScaledObject) rendered.manifest("ScaledObject", name).object();
  }

  @Test
  void withATracingEndpointEveryFunctionGetsTheOtelSettingsAndItsOwnServiceName() {
    Rendered rendered =
        render(
            Charts.values(
                """
        image: {repository: x/y}
        functions:
        - name: orders
        - name: billing
          env: [{name: OTEL_TRACES_SAMPLER, value: always_on}]
        tracing: {otlpEndpoint: "http://otel-collector.observability:4318", sampler: parentbased_traceidratio, samplerArg: "0.25"}
        """));

    assertThat(env(container(rendered, "example-function-orders")))
        .endsWith(
            "HEALTHZ_ADDR=:8080",
            "KUBEFUNCS_MAX_MESSAGE_SIZE=1048576",
            "OTEL_SERVICE_NAME=orders",
            "OTEL_EXPORTER_OTLP_ENDPOINT=http://otel-collector.observability:4318",
            "OTEL_TRACES_SAMPLER=parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG=0.25");
    // A function's own env comes last, so it wins.
    assertThat(env(container(rendered, "example-function-billing")))
        .containsSubsequence(
            "OTEL_SERVICE_NAME=billing",
            "OTEL_TRACES_SAMPLER=parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER=always_on");
    assertThat(env(container(render(ONE), "example-function-test")))
        .noneMatch(e -> e.startsWith("OTEL_"));
  }

  /**
   * Everything the chart sets, TLS, AUTH and tracing on, is a variable of the function runtime
   * contract, in its grammar.
   */
  @Test
  void theChartSetsOnlyTheRuntimeContractsVariables() {
    RuntimeContract contract = RuntimeContract.load();
    Container c =
        container(
            render(
                Charts.values(
                    """
        image: {repository: x/y}
        functions:
        - name: orders
        nsq:
          tls: {enabled: true, secretName: nsq-tls, clientAuth: true}
          auth: {secretName: functions-auth, secretKey: token}
        tracing: {otlpEndpoint: "http://otel-collector.observability:4318", sampler: always_on}
        """)),
            "example-function-orders");
    assertThat(c.getEnv())
        .hasSizeGreaterThan(15)
        .allSatisfy(
            e -> {
              assertThat(contract.knows(e.getName()))
                  .as(e.getName() + " is a variable of " + RuntimeContract.FILE)
                  .isTrue();
              if (e.getValue() != null && !e.getName().startsWith("OTEL_")) {
                RuntimeContract.Grammar grammar = contract.variable(e.getName()).grammar();
                assertThat(grammar.matches(e.getValue()))
                    .as(e.getName() + "=" + e.getValue() + " is a " + grammar.name())
                    .isTrue();
              }
            });
  }

  @Test
  void withoutFunctionsNothingIsRendered() {
    assertThat(render().manifests).isEmpty();
  }

  @Test
  void aFunctionGetsTheEnvironmentOfTheClientLibraries() {
    Container c = container(render(ONE), "example-function-test");

    assertThat(env(c))
        .containsExactly(
            "TOPIC=test",
            "CHANNEL=default",
            "NSQ_NSQD_ADDR=kubefuncs-nsq-nsqd.kubefuncs.svc.cluster.local",
            "NSQ_NSQD_PORT=4150",
            "NSQ_LOOKUPD_ADDR=kubefuncs-nsq-lookupd.kubefuncs.svc.cluster.local",
            "NSQ_LOOKUPD_PORT=4161",
            "HEALTHZ_ADDR=:8080",
            "KUBEFUNCS_MAX_MESSAGE_SIZE=1048576");
    assertThat(c.getImage()).isEqualTo("ghcr.io/kubefuncs/pong:0.1.0");
    assertThat(c.getPorts())
        .extracting(p -> p.getName(), p -> p.getContainerPort())
        .containsExactly(tuple("http", 8080));
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
  }

  @Test
  void aPolicyAdmitsTrafficToEveryFunctionsHealthPortOnly() {
    Rendered rendered = render(FULL);
    NetworkPolicy policy = rendered.get(NetworkPolicy.class, "example-function");
    Map<String, String> selector = policy.getSpec().getPodSelector().getMatchLabels();
    for (Deployment d : rendered.all(Deployment.class)) {
      assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
          .as(d.getMetadata().getName())
          .containsAllEntriesOf(selector);
    }
    assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
    assertThat(policy.getSpec().getIngress())
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getPorts())
                  .extracting(p -> p.getPort().getStrVal())
                  .containsExactly("http");
              assertThat(rule.getFrom()).isNullOrEmpty();
            });
    assertThat(
            render(ONE, Charts.values("networkPolicy: {enabled: false}\n"))
                .all(NetworkPolicy.class))
        .isEmpty();
  }

  @Test
  void podsAskToBeScrapedOnTheHealthzPort() {
    Deployment d = render(ONE).get(Deployment.class, "example-function-test");
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("prometheus.io/scrape", "true")
        .containsEntry("prometheus.io/port", "8080")
        .containsEntry("prometheus.io/path", "/metrics");
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("kubefuncs.io/function", "test");
  }

  @Test
  void nsqAddressesCanBeOverridden() {
    Path values =
        Charts.values(
            "nsq: {lookupdAddr: lookupd.messaging, lookupdPort: 14161, nsqdAddr: nsqd.messaging, nsqdPort: 14150,"
                + " maxMessageSize: 4194304}\n");
    assertThat(env(container(render(ONE, values), "example-function-test")))
        .containsSubsequence(
            "NSQ_NSQD_ADDR=nsqd.messaging",
            "NSQ_NSQD_PORT=14150",
            "NSQ_LOOKUPD_ADDR=lookupd.messaging",
            "NSQ_LOOKUPD_PORT=14161",
            "KUBEFUNCS_MAX_MESSAGE_SIZE=4194304");
  }

  @Test
  void theFullExampleRendersOneDeploymentPerFunctionAndTheirAutoscalers() {
    Rendered rendered = render(FULL);

    assertThat(rendered.ids())
        .containsExactly(
            "Deployment/example-function-archiver",
            "Deployment/example-function-reports",
            "Deployment/example-function-resize",
            "Deployment/example-function-test",
            "HorizontalPodAutoscaler/example-function-resize",
            "NetworkPolicy/example-function",
            "PodDisruptionBudget/example-function-archiver",
            "PodDisruptionBudget/example-function-resize",
            "ScaledObject/example-function-reports");
  }

  @Test
  void defaultsApplyToAFunctionThatOnlyHasAName() {
    Rendered rendered = render(FULL);
    Deployment test = rendered.get(Deployment.class, "example-function-test");
    Container c = container(rendered, "example-function-test");

    assertThat(test.getSpec().getReplicas()).isEqualTo(2);
    assertThat(env(c))
        .containsExactly(
            "TOPIC=test",
            "CHANNEL=workers",
            "NSQ_NSQD_ADDR=core-nsq-nsqd.platform.svc.cluster.example",
            "NSQ_NSQD_PORT=4150",
            "NSQ_LOOKUPD_ADDR=core-nsq-lookupd.platform.svc.cluster.example",
            "NSQ_LOOKUPD_PORT=4161",
            "HEALTHZ_ADDR=:8080",
            "KUBEFUNCS_MAX_MESSAGE_SIZE=1048576",
            "OTEL_SERVICE_NAME=test",
            "OTEL_EXPORTER_OTLP_ENDPOINT=https://otel-collector.observability:4318",
            "OTEL_TRACES_SAMPLER=parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG=0.5",
            "NSQ_TLS=true",
            "NSQ_TLS_CA_FILE=/etc/kubefuncs/nsq-tls/ca.crt",
            "NSQ_TLS_SERVER_NAME=core-nsq-nsqd.platform.svc.cluster.example",
            "NSQ_TLS_CERT_FILE=/etc/kubefuncs/nsq-tls/tls.crt",
            "NSQ_TLS_KEY_FILE=/etc/kubefuncs/nsq-tls/tls.key",
            "NSQ_AUTH_SECRET<-nsq-auth-functions/secret",
            "KUBEFUNCS_LOG_LEVEL=info");
    assertThat(c.getImage()).isEqualTo("ghcr.io/kubefuncs/pong:0.1.0");
    assertThat(test.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("example.com/team", "functions");
  }

  @Test
  void aFunctionsOwnSettingsWinAndMapsMerge() {
    Rendered rendered = render(FULL);
    Deployment archiver = rendered.get(Deployment.class, "example-function-archiver");
    Container c = container(rendered, "example-function-archiver");

    assertThat(archiver.getSpec().getReplicas()).isEqualTo(3);
    assertThat(c.getCommand()).containsExactly("/app/bin/pong");
    assertThat(c.getArgs()).containsExactly("--handler=archiver");
    // The function's env list replaces the default one (KUBEFUNCS_LOG_LEVEL is gone).
    assertThat(env(c))
        .containsSubsequence("TOPIC=test", "CHANNEL=archiver")
        .endsWith("ARCHIVE_BUCKET=s3://archive", "POD_NAMESPACE<-metadata.namespace")
        .noneMatch(e -> e.startsWith("KUBEFUNCS_LOG_LEVEL"));
    // resources is a map: the function's keys are merged over the defaults.
    assertThat(c.getResources().getRequests()).containsOnlyKeys("cpu", "memory");
    assertThat(c.getResources().getRequests().get("cpu").toString()).isEqualTo("250m");
    assertThat(c.getResources().getRequests().get("memory").toString()).isEqualTo("128Mi");
    assertThat(c.getResources().getLimits().get("memory").toString()).isEqualTo("512Mi");
    var pod = archiver.getSpec().getTemplate().getSpec();
    assertThat(pod.getNodeSelector()).containsEntry("kubernetes.io/os", "linux");
    assertThat(pod.getTolerations())
        .singleElement()
        .satisfies(t -> assertThat(t.getKey()).isEqualTo("batch"));
    assertThat(pod.getAffinity().getPodAntiAffinity()).isNotNull();
    assertThat(
            rendered
                .get(PodDisruptionBudget.class, "example-function-archiver")
                .getSpec()
                .getMinAvailable()
                .getIntVal())
        .isEqualTo(1);
  }

  @Test
  void hpaModeScalesTheDeploymentOnCpu() {
    Rendered rendered = render(FULL);
    HorizontalPodAutoscaler hpa =
        rendered.get(HorizontalPodAutoscaler.class, "example-function-resize");

    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo("example-function-resize");
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(2);
    assertThat(hpa.getSpec().getMaxReplicas()).as("from defaults.autoscaling").isEqualTo(8);
    var metric = hpa.getSpec().getMetrics().get(0).getResource();
    assertThat(metric.getName()).isEqualTo("cpu");
    assertThat(metric.getTarget().getAverageUtilization()).isEqualTo(65);
    assertThat(hpa.getSpec().getBehavior().getScaleDown().getStabilizationWindowSeconds())
        .isEqualTo(60);
    assertThat(rendered.get(Deployment.class, "example-function-resize").getSpec().getReplicas())
        .isNull();
    assertThat(container(rendered, "example-function-resize").getImage())
        .isEqualTo("ghcr.io/kubefuncs/go-pong:0.1.0");
  }

  @Test
  void kedaModeScalesOnTheChannelDepthDownToZero() {
    Rendered rendered = render(FULL);
    ScaledObject so = scaledObject(rendered, "example-function-reports");

    assertThat(so.spec().scaleTargetRef().name()).isEqualTo("example-function-reports");
    assertThat(so.spec().minReplicaCount()).isZero();
    assertThat(so.spec().maxReplicaCount()).isEqualTo(30);
    assertThat(so.spec().pollingInterval()).isEqualTo(5);
    assertThat(so.spec().cooldownPeriod()).isEqualTo(120);
    var scaleUp = so.spec().advanced().horizontalPodAutoscalerConfig().behavior().getScaleUp();
    assertThat(scaleUp.getPolicies())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getType()).isEqualTo("Pods");
              assertThat(p.getValue()).isEqualTo(4);
            });
    assertThat(so.spec().triggers())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.type()).isEqualTo("nsq");
              assertThat(t.metadata())
                  .containsExactlyInAnyOrderEntriesOf(
                      Map.of(
                          "nsqLookupdHTTPAddresses",
                              "core-nsq-lookupd.platform.svc.cluster.example:4161",
                          "topic", "reports.v1",
                          "channel", "workers",
                          "depthThreshold", "25",
                          "activationDepthThreshold", "5"));
            });
    assertThat(rendered.get(Deployment.class, "example-function-reports").getSpec().getReplicas())
        .isNull();
    assertThat(
            rendered
                .get(Deployment.class, "example-function-reports")
                .getSpec()
                .getTemplate()
                .getSpec()
                .getTerminationGracePeriodSeconds())
        .isEqualTo(120);
  }

  @Test
  void kedaModeLooksAtTheDepthEveryTwoSecondsByDefault() {
    // The poll interval bounds how long a request to a function at zero waits before KEDA wakes it.
    Rendered rendered =
        render(
            Charts.values(
                "image: {repository: x/y}\nfunctions: [{name: a, autoscaling: {mode: keda}}]\n"));
    ScaledObject so = scaledObject(rendered, "example-function-a");
    assertThat(so.spec().pollingInterval()).isEqualTo(2);
    assertThat(so.spec().advanced()).as("no behavior given, none rendered").isNull();
  }

  @Test
  void falseAndZeroOverrideDefaults() {
    Path values =
        Charts.values(
            """
        image: {repository: ghcr.io/kubefuncs/pong}
        defaults:
          podDisruptionBudget: {enabled: true}
        functions:
        - name: paused
          replicas: 0
          podDisruptionBudget: {enabled: false}
        """);
    Rendered rendered = render(values);
    assertThat(rendered.get(Deployment.class, "example-function-paused").getSpec().getReplicas())
        .isZero();
    assertThat(rendered.all(PodDisruptionBudget.class)).isEmpty();
  }

  @Test
  void unusableFunctionsAreRefusedWithTheirName() {
    assertThatThrownBy(() -> render(Charts.values("functions: [{name: test}]\n")))
        .hasMessageContaining("function \"test\": no image; set image.repository");
    assertThatThrownBy(
            () ->
                render(
                    Charts.values("image: {repository: x/y}\nfunctions: [{name: a}, {name: a}]\n")))
        .hasMessageContaining("function \"a\" is listed twice");
    assertThatThrownBy(
            () ->
                render(
                    Charts.values(
                        "image: {repository: x/y}\nfunctions: [{name: a, autoscaling: {mode: hpa}, resources: {requests: {cpu: null}}}]\n")))
        .hasMessageContaining(
            "function \"a\": autoscaling.mode hpa scales on CPU use relative to the CPU request; set resources.requests.cpu");
    assertThatThrownBy(
            () ->
                render(
                    Charts.values(
                        "image: {repository: x/y}\nfunctions: [{name: a, autoscaling: {mode: hpa, minReplicas: 5, maxReplicas: 2}}]\n")))
        .hasMessageContaining(
            "function \"a\": autoscaling.minReplicas (5) is above autoscaling.maxReplicas (2)");
    assertThatThrownBy(
            () ->
                render(
                    Charts.values(
                        "image: {repository: x/y}\nfunctions: [{name: a, autoscaling: {mode: keda, maxReplicas: 2, keda: {minReplicaCount: 3}}}]\n")))
        .hasMessageContaining(
            "function \"a\": autoscaling.keda.minReplicaCount (3) is above autoscaling.maxReplicas (2)");
  }
}
