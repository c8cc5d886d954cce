package io.kubefuncs.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * TLS and AUTH between NSQ's clients and nsqd (docs/security.md): nsqd's flags and the files they
 * name, the nsq-auth server and who may reach it, what functions and the gateway are given, the
 * kubefuncs chart's one block for both, and values the charts refuse. Off, nothing of it renders.
 */
class NsqTlsAuthChartTest {

  private static final String TLS_DIR = "/etc/kubefuncs/nsq-tls";
  private static final List<String> TLS_FLAGS =
      List.of(
          "--tls-cert=" + TLS_DIR + "/tls.crt",
          "--tls-key=" + TLS_DIR + "/tls.key",
          "--tls-root-ca-file=" + TLS_DIR + "/ca.crt",
          "--tls-required=tcp-https",
          "--tls-min-version=tls1.2",
          "--https-address=");
  private static final String NSQD_HOST = "kubefuncs-nsq-nsqd.kubefuncs.svc.cluster.local";
  private static final Path IDENTITIES =
      Charts.values(
          """
      auth:
        enabled: true
        ttl: 120
        identities:
          - name: functions
            secret: functions-secret-0123
            authorizations:
              - {topic: ".*", channels: [".*"], permissions: [subscribe, publish]}
      """);

  private static Rendered nsq(Path... values) {
    return Charts.render("nsq", "kubefuncs", "kubefuncs", values);
  }

  private static PodSpec pod(Rendered rendered, String kind, String name) {
    return rendered.workload(kind, name).template().getSpec();
  }

  private static Container container(PodSpec pod, String name) {
    return pod.getContainers().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no container " + name));
  }

  private static Volume volume(PodSpec pod, String name) {
    return pod.getVolumes().stream()
        .filter(v -> v.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no volume " + name + " in " + pod.getVolumes()));
  }

  private static List<String> nsqdSecurityArgs(Rendered rendered, String kind) {
    return container(pod(rendered, kind, "kubefuncs-nsq-nsqd"), "nsqd").getArgs().stream()
        .filter(a -> a.startsWith("--tls") || a.startsWith("--auth") || a.startsWith("--https"))
        .toList();
  }

  /** The TLS mount of a container: read-only, at the directory NSQ_TLS_*_FILE point into. */
  private static void assertTlsMount(Container c) {
    assertThat(c.getVolumeMounts())
        .filteredOn(m -> m.getName().equals("nsq-tls"))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getMountPath()).isEqualTo(TLS_DIR);
              assertThat(m.getReadOnly()).isTrue();
            });
  }

  /**
   * A function's or the gateway's container as a TLS client of nsqd: exactly the NSQ_TLS* and
   * NSQ_AUTH_SECRET variables the contract names (the secret from {@code authRef}, "secret/key", or
   * none), and the Secret mounted with ca.crt alone unless the client presents a certificate.
   */
  private static void assertTlsClient(
      PodSpec pod,
      String container,
      String secretName,
      String serverName,
      boolean clientCertificate,
      String authRef) {
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("NSQ_TLS", "true");
    expected.put("NSQ_TLS_CA_FILE", TLS_DIR + "/ca.crt");
    expected.put("NSQ_TLS_SERVER_NAME", serverName);
    if (clientCertificate) {
      expected.put("NSQ_TLS_CERT_FILE", TLS_DIR + "/tls.crt");
      expected.put("NSQ_TLS_KEY_FILE", TLS_DIR + "/tls.key");
    }
    if (authRef != null) {
      expected.put("NSQ_AUTH_SECRET", "<-" + authRef);
    }
    Container c = container(pod, container);
    assertThat(nsqEnv(c)).containsExactlyEntriesOf(expected);
    assertTlsMount(c);
    assertThat(volume(pod, "nsq-tls").getSecret())
        .satisfies(
            v -> {
              assertThat(v.getSecretName()).isEqualTo(secretName);
              assertThat(v.getItems())
                  .as("the keys mounted")
                  .extracting(KeyToPath::getKey)
                  .containsExactlyElementsOf(
                      clientCertificate
                          ? List.of("ca.crt", "tls.crt", "tls.key")
                          : List.of("ca.crt"));
            });
  }

  /** NSQ_TLS* and NSQ_AUTH_SECRET as name=value, or name=<-secret/key. */
  private static Map<String, String> nsqEnv(Container c) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
      if (e.getName().startsWith("NSQ_TLS") || e.getName().equals("NSQ_AUTH_SECRET")) {
        var ref = e.getValueFrom() == null ? null : e.getValueFrom().getSecretKeyRef();
        env.put(
            e.getName(), ref == null ? e.getValue() : "<-" + ref.getName() + "/" + ref.getKey());
      }
    }
    return env;
  }

  // ---- nsq chart

  @Test
  void tlsStartsNsqdWithItsCertificateRequiredOnTcpAndPlainHttp() {
    Rendered rendered = nsq(Charts.values("tls: {enabled: true, secretName: nsq-tls}\n"));
    PodSpec pod = pod(rendered, "DaemonSet", "kubefuncs-nsq-nsqd");

    assertThat(nsqdSecurityArgs(rendered, "DaemonSet")).containsExactlyElementsOf(TLS_FLAGS);
    assertTlsMount(container(pod, "nsqd"));
    assertThat(volume(pod, "nsq-tls").getSecret().getSecretName()).isEqualTo("nsq-tls");
    // The probes, nsqadmin, the exporter and KEDA read nsqd's plain HTTP port: it must stay.
    assertThat(container(pod, "nsqd").getReadinessProbe().getHttpGet().getPort().getStrVal())
        .isEqualTo("http");
    assertThat(volume(pod, "data").getEmptyDir()).isNotNull();
    assertThat(ManifestChecks.problems(rendered)).isEmpty();
  }

  @Test
  void clientAuthMakesNsqdVerifyClientCertificates() {
    Rendered rendered =
        nsq(Charts.values("tls: {enabled: true, secretName: nsq-tls, clientAuth: true}\n"));
    assertThat(nsqdSecurityArgs(rendered, "DaemonSet"))
        .containsAll(TLS_FLAGS)
        .contains("--tls-client-auth-policy=require-verify");
  }

  @Test
  void aStatefulSetWithVolumesMountsTheCertificatesToo() {
    Rendered rendered = nsq(Charts.DIR.resolve("nsq/ci/full-values.yaml"));
    PodSpec pod = pod(rendered, "StatefulSet", "kubefuncs-nsq-nsqd");
    assertTlsMount(container(pod, "nsqd"));
    assertThat(pod.getVolumes()).extracting(Volume::getName).containsExactly("nsq-tls");
  }

  @Test
  void authRunsTheServerThatOnlyNsqdMayAskAndPointsNsqdAtIt() throws Exception {
    Rendered rendered = nsq(IDENTITIES);

    Service service = rendered.get(Service.class, "kubefuncs-nsq-auth");
    assertThat(service.getSpec().getPorts())
        .singleElement()
        .satisfies(p -> assertThat(p.getPort()).isEqualTo(4181));
    assertThat(nsqdSecurityArgs(rendered, "DaemonSet"))
        .containsExactly("--auth-http-address=" + service.getMetadata().getName() + ":4181");

    PodSpec pod = pod(rendered, "Deployment", "kubefuncs-nsq-auth");
    Container server = container(pod, "nsq-auth");
    assertThat(server.getImage()).isEqualTo("ghcr.io/kubefuncs/nsq-auth:" + functionAppVersion());
    assertThat(server.getArgs())
        .containsExactly("--listen-addr", ":4181", "--config", "/etc/nsq-auth/config.json");
    assertThat(server.getVolumeMounts())
        .extracting(VolumeMount::getMountPath, VolumeMount::getReadOnly)
        .containsExactly(tuple("/etc/nsq-auth", true));
    // The same pod security as NSQ's own pods.
    assertThat(pod.getSecurityContext())
        .isEqualTo(pod(rendered, "DaemonSet", "kubefuncs-nsq-nsqd").getSecurityContext());
    assertThat(server.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();

    NetworkPolicy policy = rendered.get(NetworkPolicy.class, "kubefuncs-nsq-auth");
    assertThat(rendered.workload("Deployment", "kubefuncs-nsq-auth").podLabels())
        .containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
    assertThat(policy.getSpec().getIngress())
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getPorts())
                  .extracting(p -> p.getPort().getIntVal())
                  .containsExactly(4181);
              assertThat(rule.getFrom())
                  .singleElement()
                  .satisfies(
                      peer -> {
                        assertThat(peer.getNamespaceSelector()).as("this namespace only").isNull();
                        assertThat(peer.getPodSelector().getMatchLabels())
                            .isEqualTo(
                                rendered
                                    .get(DaemonSet.class, "kubefuncs-nsq-nsqd")
                                    .getSpec()
                                    .getSelector()
                                    .getMatchLabels());
                      });
            });
    assertThat(ManifestChecks.problems(rendered)).isEmpty();
  }

  @Test
  void identitiesFromValuesBecomeTheServersConfigSecret() throws Exception {
    Rendered rendered = nsq(IDENTITIES);
    Secret secret = rendered.get(Secret.class, "kubefuncs-nsq-auth");
    JsonNode config =
        new ObjectMapper()
            .readTree(
                new String(
                    Base64.getDecoder().decode(secret.getData().get("config.json")),
                    StandardCharsets.UTF_8));

    assertThat(config.path("ttl").asInt()).isEqualTo(120);
    JsonNode identity = config.path("identities").get(0);
    assertThat(identity.path("name").asText()).isEqualTo("functions");
    assertThat(identity.path("secret").asText()).isEqualTo("functions-secret-0123");
    assertThat(identity.path("authorizations").get(0).path("permissions"))
        .extracting(JsonNode::asText)
        .containsExactly("subscribe", "publish");
    assertThat(volume(pod(rendered, "Deployment", "kubefuncs-nsq-auth"), "config").getSecret())
        .satisfies(
            s -> {
              assertThat(s.getSecretName()).isEqualTo("kubefuncs-nsq-auth");
              assertThat(s.getItems()).extracting(KeyToPath::getKey).containsExactly("config.json");
            });
    // A changed configuration rolls the server, which reads it at start.
    String before =
        rendered
            .workload("Deployment", "kubefuncs-nsq-auth")
            .template()
            .getMetadata()
            .getAnnotations()
            .get("checksum/config");
    String after =
        nsq(IDENTITIES, Charts.values("auth: {ttl: 60}\n"))
            .workload("Deployment", "kubefuncs-nsq-auth")
            .template()
            .getMetadata()
            .getAnnotations()
            .get("checksum/config");
    assertThat(before).isNotBlank().isNotEqualTo(after);
  }

  @Test
  void anExistingSecretIsUsedAsIsAndNothingIsRenderedFromValues() {
    Rendered rendered = nsq(Charts.values("auth: {enabled: true, existingSecret: my-nsq-auth}\n"));
    assertThat(rendered.all(Secret.class)).isEmpty();
    assertThat(
            volume(pod(rendered, "Deployment", "kubefuncs-nsq-auth"), "config")
                .getSecret()
                .getSecretName())
        .isEqualTo("my-nsq-auth");
  }

  @Test
  void offByDefaultNothingOfTlsOrAuthRenders() {
    Rendered rendered = nsq();
    assertThat(nsqdSecurityArgs(rendered, "DaemonSet")).isEmpty();
    assertThat(rendered.ids()).noneMatch(id -> id.contains("auth"));
    assertThat(pod(rendered, "DaemonSet", "kubefuncs-nsq-nsqd").getVolumes())
        .extracting(Volume::getName)
        .containsExactly("data");

    Container gateway =
        container(
            pod(
                Charts.render("gateway", "kubefuncs", "kubefuncs"),
                "Deployment",
                "kubefuncs-gateway"),
            "gateway");
    assertThat(gateway.getEnv()).isNullOrEmpty();
    assertThat(gateway.getVolumeMounts())
        .extracting(VolumeMount::getName)
        .doesNotContain("nsq-tls");

    Container function =
        container(
            pod(
                FunctionChartTest.render(
                    Charts.values(
                        "image: {repository: ghcr.io/kubefuncs/pong}\nfunctions:\n- name: test\n")),
                "Deployment",
                "example-function-test"),
            "function");
    assertThat(nsqEnv(function)).isEmpty();
    assertThat(function.getVolumeMounts()).extracting(VolumeMount::getName).containsExactly("tmp");
  }

  // ---- function and gateway charts

  @Test
  void aFunctionVerifiesNsqdByTheServiceNameAndSeesOnlyTheCa() {
    Rendered rendered =
        FunctionChartTest.render(
            Charts.values(
                """
        image: {repository: ghcr.io/kubefuncs/pong}
        functions:
        - name: test
        nsq:
          tls: {enabled: true, secretName: nsq-ca}
          auth: {secretName: functions-auth, secretKey: token}
        """));
    assertTlsClient(
        pod(rendered, "Deployment", "example-function-test"),
        "function",
        "nsq-ca",
        NSQD_HOST,
        false,
        "functions-auth/token");
  }

  @Test
  void withClientAuthAFunctionPresentsTheSecretsCertificate() {
    Rendered rendered =
        FunctionChartTest.render(
            Charts.values(
                """
        image: {repository: ghcr.io/kubefuncs/pong}
        functions:
        - name: test
        nsq:
          nsqdAddr: nsqd.messaging.svc.cluster.local
          tls: {enabled: true, secretName: functions-tls, clientAuth: true}
        """));
    assertTlsClient(
        pod(rendered, "Deployment", "example-function-test"),
        "function",
        "functions-tls",
        "nsqd.messaging.svc.cluster.local",
        true,
        null);
  }

  @Test
  void theGatewayGetsTheSameSettingsBeforeItsOwnEnv() {
    Rendered rendered =
        Charts.render(
            "gateway",
            "kubefuncs",
            "kubefuncs",
            Charts.values(
                """
        nsq:
          tls: {enabled: true, secretName: gateway-tls, clientAuth: true}
          auth: {secretName: gateway-auth}
        env:
          - {name: KUBEFUNCS_LOG_LEVEL, value: debug}
        """));
    PodSpec pod = pod(rendered, "Deployment", "kubefuncs-gateway");

    assertTlsClient(pod, "gateway", "gateway-tls", NSQD_HOST, true, "gateway-auth/secret");
    Container c = container(pod, "gateway");
    assertThat(c.getEnv().getLast().getName()).isEqualTo("KUBEFUNCS_LOG_LEVEL");
    // The secret travels in the environment only: a flag would show in ps.
    assertThat(c.getArgs()).noneMatch(a -> a.contains("auth"));
  }

  // ---- kubefuncs chart

  @Test
  void oneGlobalBlockTurnsTlsAndAuthOnForNsqdAndTheGateway() {
    Rendered rendered =
        Charts.render(
            "kubefuncs",
            "kubefuncs",
            "kubefuncs",
            Charts.values(
                """
        global:
          nsq:
            tls: {enabled: true, secretName: nsq-tls}
            auth: {enabled: true, existingSecret: nsq-auth, secretName: nsq-auth-client}
        # What the block leaves empty, a subchart's own value fills in.
        gateway:
          nsq:
            tls: {secretName: ignored-for-the-global-one}
            auth: {secretKey: token}
        """));

    assertThat(nsqdSecurityArgs(rendered, "DaemonSet"))
        .containsAll(TLS_FLAGS)
        .contains("--auth-http-address=kubefuncs-nsq-auth:4181");
    assertThat(
            volume(pod(rendered, "Deployment", "kubefuncs-nsq-auth"), "config")
                .getSecret()
                .getSecretName())
        .isEqualTo("nsq-auth");
    // The name the gateway verifies is the nsqd Service the same release renders; nsqd's key stays
    // out of the gateway, which mounts the Secret's ca.crt alone.
    assertThat(rendered.find(Service.class, "kubefuncs-nsq-nsqd")).isPresent();
    assertTlsClient(
        pod(rendered, "Deployment", "kubefuncs-gateway"),
        "gateway",
        "nsq-tls",
        NSQD_HOST,
        false,
        "nsq-auth-client/token");
    assertThat(ManifestChecks.problems(rendered)).isEmpty();
  }

  // ---- refused values

  @Test
  void missingSecretsFailTheInstallNamingTheSetting() {
    assertThatThrownBy(() -> nsq(Charts.values("tls: {enabled: true}\n")))
        .hasMessageContaining("tls.enabled: set tls.secretName");
    assertThatThrownBy(() -> nsq(Charts.values("auth: {enabled: true}\n")))
        .hasMessageContaining(
            "auth.enabled: set auth.existingSecret to a Secret with key config.json, or list auth.identities");
    assertThatThrownBy(
            () ->
                FunctionChartTest.render(
                    Charts.values(
                        "image: {repository: x/y}\nfunctions:\n- name: test\nnsq: {tls: {enabled: true}}\n")))
        .hasMessageContaining("nsq.tls.enabled: set nsq.tls.secretName");
    assertThatThrownBy(
            () ->
                Charts.render(
                    "kubefuncs",
                    "kubefuncs",
                    "kubefuncs",
                    Charts.values(
                        "global: {nsq: {auth: {enabled: true, existingSecret: nsq-auth}}}\n")))
        .hasMessageContaining("global.nsq.auth.enabled: set global.nsq.auth.secretName");
  }

  @Test
  void theSchemasRefuseBadTlsAndAuthValues() {
    assertThatThrownBy(
            () ->
                nsq(
                    Charts.values(
                        """
            tls: {enabled: "yes", secretName: NSQ_TLS, clientauth: true}
            auth:
              enabled: true
              ttl: 0
              identities:
                - name: functions
                  secret: short
                  authorizations:
                    - {topic: ".*", channels: [".*"], permissions: [admin]}
            """)))
        .hasMessageContaining("- at '/tls': additional properties 'clientauth' not allowed")
        .hasMessageContaining("- at '/tls/enabled': got string, want boolean")
        .hasMessageContaining("- at '/tls/secretName': 'NSQ_TLS' does not match pattern")
        .hasMessageContaining("- at '/auth/ttl': minimum: got 0, want 1")
        .hasMessageContaining("- at '/auth/identities/0/secret': minLength: got 5, want 16")
        .hasMessageContaining(
            "- at '/auth/identities/0/authorizations/0/permissions/0': value must be one of 'subscribe', 'publish'");
    assertThatThrownBy(
            () ->
                FunctionChartTest.render(
                    Charts.values(
                        "image: {repository: x/y}\nfunctions:\n- name: test\nnsq: {auth: {secret: abc}}\n")))
        .hasMessageContaining("- at '/nsq/auth': additional properties 'secret' not allowed");
    assertThatThrownBy(
            () ->
                Charts.render(
                    "kubefuncs",
                    "kubefuncs",
                    "kubefuncs",
                    Charts.values("global: {nsq: {tls: {enable: true}}}\n")))
        .hasMessageContaining(
            "kubefuncs:\n- at '/global/nsq/tls': additional properties 'enable' not allowed");
  }

  private static String functionAppVersion() throws Exception {
    return StrictYaml.MAPPER
        .readTree(Charts.DIR.resolve("function/Chart.yaml").toFile())
        .path("appVersion")
        .asText();
  }
}
