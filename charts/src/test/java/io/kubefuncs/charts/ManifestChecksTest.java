package io.kubefuncs.charts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The strict reader and the cross-reference checks catch what they claim to catch. Each test plants
 * one fault in an otherwise valid set of manifests; without these, a check that never fires would
 * make every chart test pass.
 */
class ManifestChecksTest {

  private static final String LABELS =
      """
          helm.sh/chart: demo-0.1.0
          app.kubernetes.io/name: demo
          app.kubernetes.io/instance: r
          app.kubernetes.io/version: "1"
          app.kubernetes.io/managed-by: Helm
      """;

  /**
   * A ConfigMap, a Deployment using it, a Service, a NetworkPolicy, an HPA and a KEDA ScaledObject:
   * all valid.
   */
  private static final String VALID =
      """
      ---
      # Source: demo/templates/configmap.yaml
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: demo
        labels:
      LABELS
      data:
        routes.yaml: "routes: {}"
      ---
      # Source: demo/templates/deployment.yaml
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: demo
        labels:
      LABELS
      spec:
        selector:
          matchLabels:
            app.kubernetes.io/name: demo
            app.kubernetes.io/instance: r
        template:
          metadata:
            labels:
              app.kubernetes.io/name: demo
              app.kubernetes.io/instance: r
          spec:
            automountServiceAccountToken: false
            enableServiceLinks: false
            securityContext:
              runAsNonRoot: true
              runAsUser: 65532
              seccompProfile:
                type: RuntimeDefault
            containers:
              - name: app
                image: example/demo:1
                args: ["--nsqd-addr", "$(NSQ_NSQD_ADDR):4150"]
                env:
                  - name: NSQ_NSQD_ADDR
                    valueFrom:
                      fieldRef:
                        fieldPath: status.hostIP
                  - name: PORT
                    value: "8080"
                ports:
                  - name: http
                    containerPort: 8080
                livenessProbe:
                  httpGet: {path: /healthz, port: http}
                readinessProbe:
                  httpGet: {path: /healthz, port: http}
                resources:
                  requests: {cpu: 100m, memory: 64Mi}
                  limits: {memory: 128Mi}
                securityContext:
                  allowPrivilegeEscalation: false
                  readOnlyRootFilesystem: true
                  capabilities:
                    drop: ["ALL"]
                volumeMounts:
                  - name: config
                    mountPath: /etc/demo
            volumes:
              - name: config
                configMap:
                  name: demo
      ---
      # Source: demo/templates/service.yaml
      apiVersion: v1
      kind: Service
      metadata:
        name: demo
        labels:
      LABELS
      spec:
        selector:
          app.kubernetes.io/name: demo
          app.kubernetes.io/instance: r
        ports:
          - name: http
            port: 80
            targetPort: http
      ---
      # Source: demo/templates/networkpolicy.yaml
      apiVersion: networking.k8s.io/v1
      kind: NetworkPolicy
      metadata:
        name: demo
        labels:
      LABELS
      spec:
        podSelector:
          matchLabels:
            app.kubernetes.io/name: demo
        policyTypes: [Ingress]
        ingress:
          - ports:
              - port: http
                protocol: TCP
      ---
      # Source: demo/templates/hpa.yaml
      apiVersion: autoscaling/v2
      kind: HorizontalPodAutoscaler
      metadata:
        name: demo
        labels:
      LABELS
      spec:
        scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: demo}
        minReplicas: 1
        maxReplicas: 3
        metrics:
          - type: Resource
            resource:
              name: cpu
              target: {type: Utilization, averageUtilization: 80}
      ---
      # Source: demo/templates/scaledobject.yaml
      apiVersion: keda.sh/v1alpha1
      kind: ScaledObject
      metadata:
        name: demo
        labels:
      LABELS
      spec:
        scaleTargetRef: {name: demo}
        minReplicaCount: 0
        triggers:
          - type: nsq
            metadata:
              nsqLookupdHTTPAddresses: "lookupd.ns.svc.cluster.local:4161"
              topic: test
              channel: default
              depthThreshold: "10"
      """
          .replace("LABELS\n", LABELS);

  private static Rendered parse(String yaml) {
    return Rendered.parse(yaml);
  }

  private static Rendered with(String from, String to) {
    assertThat(VALID).as("the mutation's anchor").contains(from);
    return parse(VALID.replace(from, to));
  }

  @Test
  void theValidSetIsValid() {
    Rendered valid = parse(VALID);
    assertThat(valid.ids())
        .containsExactly(
            "ConfigMap/demo",
            "Deployment/demo",
            "HorizontalPodAutoscaler/demo",
            "NetworkPolicy/demo",
            "ScaledObject/demo",
            "Service/demo");
    assertThat(ManifestChecks.problems(valid)).isEmpty();
  }

  @Test
  void unknownFieldsAreRefused() {
    assertThatThrownBy(
            () ->
                with(
                    "image: example/demo:1",
                    "image: example/demo:1\n          imagePolicy: Always"))
        .hasMessageContaining("demo/templates/deployment.yaml")
        .hasMessageContaining("imagePolicy");
    assertThatThrownBy(() -> with("minReplicaCount: 0", "minReplicas: 0"))
        .hasMessageContaining("minReplicas");
  }

  @Test
  void scalarsOfTheWrongTypeAreRefused() {
    assertThatThrownBy(() -> with("containerPort: 8080", "containerPort: \"8080\""))
        .hasMessageContaining("containerPort");
    assertThatThrownBy(() -> with("value: \"8080\"", "value: 8080")).hasMessageContaining("value");
    assertThatThrownBy(
            () -> with("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: \"true\""))
        .hasMessageContaining("readOnlyRootFilesystem");
  }

  @Test
  void duplicateKeysAreRefused() {
    assertThatThrownBy(() -> with("name: app\n", "name: app\n          name: other\n"))
        .hasMessageContaining("Duplicate field 'name'");
  }

  @Test
  void onlyTheAllowedApiVersionsAreKnown() {
    assertThatThrownBy(
            () -> with("apiVersion: autoscaling/v2\n", "apiVersion: autoscaling/v2beta2\n"))
        .hasMessageContaining("autoscaling/v2beta2/HorizontalPodAutoscaler");
    assertThatThrownBy(() -> with("apiVersion: apps/v1\n", "apiVersion: extensions/v1beta1\n"))
        .hasMessageContaining("extensions/v1beta1/Deployment");
  }

  @Test
  void aServiceThatSelectsNoPodIsReported() {
    Rendered r =
        with(
            "  selector:\n    app.kubernetes.io/name: demo\n    app.kubernetes.io/instance: r\n  ports:",
            "  selector:\n    app.kubernetes.io/name: dem0\n    app.kubernetes.io/instance: r\n  ports:");
    assertThat(ManifestChecks.problems(r))
        .containsExactly(
            "Service/demo: selector {app.kubernetes.io/name=dem0, app.kubernetes.io/instance=r}"
                + " matches no rendered pod template");
  }

  @Test
  void aWorkloadSelectorThatMissesItsPodsIsReported() {
    Rendered r =
        with(
            "    matchLabels:\n      app.kubernetes.io/name: demo",
            "    matchLabels:\n      app.kubernetes.io/name: other");
    assertThat(ManifestChecks.problems(r))
        .anyMatch(
            p -> p.startsWith("Deployment/demo: spec.selector {app.kubernetes.io/name=other"));
  }

  @Test
  void danglingPortNamesAreReported() {
    assertThat(ManifestChecks.problems(with("targetPort: http", "targetPort: web")))
        .containsExactly("Service/demo: targetPort web is not a container port of Deployment/demo");
    assertThat(
            ManifestChecks.problems(
                with(
                    "httpGet: {path: /healthz, port: http}\n          readinessProbe",
                    "httpGet: {path: /healthz, port: 8081}\n          readinessProbe")))
        .containsExactly(
            "Deployment/demo container app: probes port 8081, which the container does not declare");
  }

  @Test
  void aMissingConfigMapIsReported() {
    assertThat(
            ManifestChecks.problems(
                with(
                    "configMap:\n            name: demo",
                    "configMap:\n            name: demo-routes")))
        .containsExactly("Deployment/demo: refers to ConfigMap demo-routes, which is not rendered");
  }

  @Test
  void anUndefinedEnvReferenceIsReported() {
    assertThat(ManifestChecks.problems(with("$(NSQ_NSQD_ADDR)", "$(NSQD_ADDR)")))
        .containsExactly(
            "Deployment/demo container app: argument $(NSQD_ADDR):4150 refers to"
                + " $(NSQD_ADDR), which is not defined before it");
  }

  @Test
  void anUnmountedVolumeIsReported() {
    assertThat(
            ManifestChecks.problems(
                with(
                    "- name: config\n              mountPath",
                    "- name: conf\n              mountPath")))
        .containsExactly(
            "Deployment/demo container app: mounts volume conf, which the pod does not define");
  }

  @Test
  void aKeyMissingFromARenderedSecretIsReported() {
    String secret =
        """
        ---
        # Source: demo/templates/secret.yaml
        apiVersion: v1
        kind: Secret
        metadata:
          name: demo-auth
          labels:
        LABELS
        data:
          config.json: e30=
        """
            .replace("LABELS\n", LABELS);
    String mounted =
        VALID.replace(
            "configMap:\n            name: demo",
            "secret:\n            secretName: demo-auth\n            items: [{key: KEY, path: config.json}]");
    assertThat(ManifestChecks.problems(parse(mounted.replace("KEY", "config.json") + secret)))
        .isEmpty();
    assertThat(ManifestChecks.problems(parse(mounted.replace("KEY", "config.yaml") + secret)))
        .containsExactly(
            "Deployment/demo: refers to key config.yaml of Secret demo-auth, which it lacks");
    // A Secret the chart does not render is the operator's: nothing to check it against.
    assertThat(ManifestChecks.problems(parse(mounted.replace("KEY", "config.yaml")))).isEmpty();
  }

  @Test
  void anAutoscaledDeploymentMustNotSetReplicas() {
    assertThat(
            ManifestChecks.problems(
                with(
                    "spec:\n  selector:\n    matchLabels",
                    "spec:\n  replicas: 2\n  selector:\n    matchLabels")))
        .contains(
            "HorizontalPodAutoscaler/demo: scales Deployment demo, which sets spec.replicas itself",
            "ScaledObject/demo: scales Deployment demo, which sets spec.replicas itself");
  }

  @Test
  void insecureContainersAreReported() {
    assertThat(
            ManifestChecks.problems(
                with("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")))
        .containsExactly(
            "Deployment/demo container app: root filesystem is writable (readOnlyRootFilesystem is not true)");
    assertThat(ManifestChecks.problems(with("runAsNonRoot: true", "runAsNonRoot: false")))
        .containsExactly(
            "Deployment/demo container app: may run as root (runAsNonRoot is not true)");
    assertThat(ManifestChecks.problems(with("drop: [\"ALL\"]", "drop: [\"NET_RAW\"]")))
        .containsExactly("Deployment/demo container app: does not drop ALL capabilities");
  }

  @Test
  void nothingIsOpenedOnTheNodeAndNoTokenIsMounted() {
    assertThat(
            ManifestChecks.problems(
                with("containerPort: 8080", "containerPort: 8080\n              hostPort: 8080")))
        .containsExactly("Deployment/demo container app: opens port 8080 on the node (hostPort)");
    assertThat(
            ManifestChecks.problems(
                with("automountServiceAccountToken: false", "automountServiceAccountToken: true")))
        .containsExactly(
            "Deployment/demo: mounts a service account token (automountServiceAccountToken is not false)"
                + " that no rendered RoleBinding uses");
  }

  @Test
  void aTokenMayBeMountedForWhatARenderedRoleGrantsThePodsAccount() {
    String account =
        "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: demo\n  labels:\n"
            + LABELS
            + "automountServiceAccountToken: false\n"
            + "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: demo\n  labels:\n"
            + LABELS
            + "rules:\n  - {apiGroups: [\"\"], resources: [pods], verbs: [get, list]}\n"
            + "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: demo\n  labels:\n"
            + LABELS
            + "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: demo}\n"
            + "subjects: [{kind: ServiceAccount, name: demo, namespace: default}]\n";
    String mounted =
        VALID.replace(
                "automountServiceAccountToken: false",
                "automountServiceAccountToken: true\n      serviceAccountName: demo")
            + account;

    assertThat(ManifestChecks.problems(parse(mounted))).isEmpty();
    assertThat(
            ManifestChecks.problems(
                parse(
                    mounted.replace(
                        "kind: Role\nmetadata:\n  name: demo",
                        "kind: Role\nmetadata:\n  name: other"))))
        .contains(
            "Deployment/demo: mounts a service account token (automountServiceAccountToken is not false)"
                + " that no rendered RoleBinding uses");
  }

  @Test
  void aNetworkPolicyMustSelectPodsAndAdmitTheirPorts() {
    assertThat(
            ManifestChecks.problems(
                with(
                    "      app.kubernetes.io/name: demo\n  policyTypes",
                    "      app.kubernetes.io/name: dem0\n  policyTypes")))
        .containsExactly(
            "NetworkPolicy/demo: podSelector {app.kubernetes.io/name=dem0} matches no rendered pod template");
    assertThat(
            ManifestChecks.problems(
                with(
                    "        - port: http\n          protocol",
                    "        - port: metrics\n          protocol")))
        .containsExactly(
            "NetworkPolicy/demo: admits port metrics, which is not a container port of Deployment/demo");
  }

  @Test
  void serviceLinksMustBeOff() {
    assertThat(
            ManifestChecks.problems(with("enableServiceLinks: false", "enableServiceLinks: true")))
        .containsExactly("Deployment/demo: enableServiceLinks is not false");
  }

  @Test
  void missingRecommendedLabelsAreReported() {
    assertThat(
            ManifestChecks.problems(
                parse(VALID.replaceFirst("    app.kubernetes.io/version: \"1\"\n", ""))))
        .containsExactly("ConfigMap/demo: has no label app.kubernetes.io/version");
  }

  @Test
  void nsqTriggerMetadataIsChecked() {
    assertThat(ManifestChecks.problems(with("depthThreshold: \"10\"", "lagThreshold: \"10\"")))
        .containsExactly(
            "ScaledObject/demo: nsq trigger metadata lagThreshold is not read by KEDA's nsq scaler");
    assertThat(ManifestChecks.problems(with("depthThreshold: \"10\"", "depthThreshold: \"ten\"")))
        .containsExactly("ScaledObject/demo: depthThreshold 'ten' is not an integer");
  }
}
