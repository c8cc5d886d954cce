package io.kubefuncs.charts;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.autoscaling.v2.CrossVersionObjectReference;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.autoscaling.v2.MetricSpec;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.IngressServiceBackend;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.openshift.api.model.monitoring.v1.Endpoint;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.kubefuncs.charts.Rendered.Workload;
import io.kubefuncs.charts.keda.ScaledObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the API server would accept but a working install still needs: every selector selects the
 * pods it is meant for, every reference (ConfigMap, Service, port name, ServiceAccount, env
 * variable, scale target) points at something rendered, and every pod follows the project's
 * conventions (labels, probes, resources, a locked-down security context). Returns the problems
 * found, each naming the object, so that one assertion reports all of them.
 */
final class ManifestChecks {

  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern DNS_1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern LABEL_VALUE =
      Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
  private static final Pattern HOST_PORT = Pattern.compile("[a-z0-9.-]+:[0-9]{1,5}");

  /** Labels every object carries (Helm's and Kubernetes' recommended labels). */
  static final List<String> OBJECT_LABELS =
      List.of(
          "helm.sh/chart",
          "app.kubernetes.io/name",
          "app.kubernetes.io/instance",
          "app.kubernetes.io/version",
          "app.kubernetes.io/managed-by");

  /** Downward API fields a fieldRef may name. */
  private static final Pattern FIELD_PATH =
      Pattern.compile(
          "metadata\\.(name|namespace|uid|labels\\['[^']+'\\]|annotations\\['[^']+'\\])"
              + "|spec\\.(nodeName|serviceAccountName)|status\\.(hostIP|hostIPs|podIP|podIPs)");

  /** The metadata keys KEDA's nsq scaler reads (pkg/scalers/nsq_scaler.go). */
  static final Set<String> NSQ_TRIGGER_KEYS =
      Set.of(
          "nsqLookupdHTTPAddresses",
          "topic",
          "channel",
          "depthThreshold",
          "activationDepthThreshold",
          "useHttps",
          "unsafeSsl");

  private final Rendered rendered;
  private final List<String> problems = new ArrayList<>();

  private ManifestChecks(Rendered rendered) {
    this.rendered = rendered;
  }

  static List<String> problems(Rendered rendered) {
    ManifestChecks checks = new ManifestChecks(rendered);
    checks.run();
    return checks.problems;
  }

  private void problem(String subject, String text) {
    problems.add(subject + ": " + text);
  }

  private void run() {
    checkIdentity();
    rendered.workloads().forEach(this::checkWorkload);
    rendered.all(Service.class).forEach(this::checkService);
    rendered.all(NetworkPolicy.class).forEach(this::checkNetworkPolicy);
    rendered.all(HorizontalPodAutoscaler.class).forEach(this::checkHpa);
    rendered.manifests.stream()
        .filter(m -> m.object() instanceof ScaledObject)
        .forEach(m -> checkScaledObject(m, (ScaledObject) m.object()));
    rendered.all(PodDisruptionBudget.class).forEach(this::checkPdb);
    rendered.all(Ingress.class).forEach(this::checkIngress);
    rendered.all(ServiceMonitor.class).forEach(this::checkServiceMonitor);
  }

  // ---- names and labels of every object

  private void checkIdentity() {
    Set<String> seen = new HashSet<>();
    for (Manifest m : rendered.manifests) {
      if (!seen.add(m.id())) {
        problem(m.id(), "rendered twice");
      }
      if (m.name().length() > 253 || !DNS_SUBDOMAIN.matcher(m.name()).matches()) {
        problem(m.id(), "name is not a DNS subdomain");
      }
      if (m.kind().equals("Service")
          && (m.name().length() > 63 || !DNS_1035_LABEL.matcher(m.name()).matches())) {
        problem(m.id(), "a Service name must be a DNS-1035 label of at most 63 characters");
      }
      // The StatefulSet controller labels its pods controller-revision-hash=<name>-<10 chars>.
      if (m.kind().equals("StatefulSet") && m.name().length() > 52) {
        problem(
            m.id(), "a StatefulSet name longer than 52 characters breaks its pods' revision label");
      }
      Map<String, String> labels = labels(m.object());
      for (String required : OBJECT_LABELS) {
        if (!labels.containsKey(required)) {
          problem(m.id(), "has no label " + required);
        }
      }
      checkLabelValues(m.id(), labels);
    }
  }

  private static Map<String, String> labels(Object object) {
    Map<String, String> labels =
        object instanceof HasMetadata h
            ? h.getMetadata().getLabels()
            : object instanceof ScaledObject s ? s.metadata().getLabels() : null;
    return labels == null ? Map.of() : labels;
  }

  private void checkLabelValues(String subject, Map<String, String> labels) {
    labels.forEach(
        (key, value) -> {
          if (value.length() > 63 || !LABEL_VALUE.matcher(value).matches()) {
            problem(subject, "label " + key + "=" + value + " is not a valid label value");
          }
        });
  }

  // ---- workloads and their pods

  private void checkWorkload(Workload w) {
    Map<String, String> podLabels = w.podLabels();
    checkLabelValues(w.id() + " pod template", podLabels);
    for (String required : List.of("app.kubernetes.io/name", "app.kubernetes.io/instance")) {
      if (!podLabels.containsKey(required)) {
        problem(w.id(), "pod template has no label " + required);
      }
    }
    Map<String, String> selector = w.selector() == null ? null : w.selector().getMatchLabels();
    if (selector == null || selector.isEmpty()) {
      problem(w.id(), "has no spec.selector.matchLabels");
    } else if (!selects(selector, podLabels)) {
      problem(
          w.id(), "spec.selector " + selector + " does not select its own pod labels " + podLabels);
    }
    if (w.serviceName() != null) {
      Optional<Service> governing = rendered.find(Service.class, w.serviceName());
      if (governing.isEmpty()) {
        problem(w.id(), "serviceName " + w.serviceName() + " is not a rendered Service");
      } else if (!"None".equals(governing.get().getSpec().getClusterIP())) {
        problem(w.id(), "serviceName " + w.serviceName() + " is not a headless Service");
      } else if (!selects(governing.get().getSpec().getSelector(), podLabels)) {
        problem(w.id(), "its headless Service " + w.serviceName() + " does not select its pods");
      }
    }
    checkPodSpec(w, w.template().getSpec());
  }

  /** Whether a rendered RoleBinding grants {@code account} a rendered Role. */
  private boolean boundToARole(String account) {
    return account != null
        && rendered.all(RoleBinding.class).stream()
            .anyMatch(
                b ->
                    rendered.find(Role.class, b.getRoleRef().getName()).isPresent()
                        && b.getSubjects().stream()
                            .anyMatch(
                                s ->
                                    s.getKind().equals("ServiceAccount")
                                        && s.getName().equals(account)));
  }

  private void checkPodSpec(Workload w, PodSpec pod) {
    String subject = w.id();
    if (Boolean.TRUE.equals(pod.getHostNetwork())
        || Boolean.TRUE.equals(pod.getHostPID())
        || Boolean.TRUE.equals(pod.getHostIPC())) {
      problem(subject, "shares the node's network, PID or IPC namespace");
    }
    if (!Boolean.FALSE.equals(pod.getAutomountServiceAccountToken())
        && !boundToARole(pod.getServiceAccountName())) {
      // A Kubefuncs pod talks to the Kubernetes API only for what a rendered Role grants it (the
      // gateway's dashboard lists pods); otherwise a mounted token is only something to steal.
      problem(
          subject,
          "mounts a service account token (automountServiceAccountToken is not false) that no rendered RoleBinding uses");
    }
    if (!Boolean.FALSE.equals(pod.getEnableServiceLinks())) {
      // Service links put <SERVICE>_PORT=tcp://... variables in the environment, where they can
      // shadow NSQ_* and KUBEFUNCS_* settings.
      problem(subject, "enableServiceLinks is not false");
    }
    String account = pod.getServiceAccountName();
    if (account != null
        && !account.equals("default")
        && rendered.find(ServiceAccount.class, account).isEmpty()) {
      problem(subject, "serviceAccountName " + account + " is not a rendered ServiceAccount");
    }
    Set<String> volumes = new HashSet<>();
    for (Volume volume : Objects.requireNonNullElse(pod.getVolumes(), List.<Volume>of())) {
      volumes.add(volume.getName());
      if (volume.getConfigMap() != null) {
        checkConfigMapReference(
            subject,
            volume.getConfigMap().getName(),
            volume.getConfigMap().getItems() == null
                ? List.of()
                : volume.getConfigMap().getItems().stream().map(i -> i.getKey()).toList());
      }
      if (volume.getSecret() != null && volume.getSecret().getItems() != null) {
        checkSecretKeys(
            subject,
            volume.getSecret().getSecretName(),
            volume.getSecret().getItems().stream().map(i -> i.getKey()).toList());
      }
      if (volume.getHostPath() != null) {
        problem(subject, "mounts a hostPath volume");
      }
    }
    w.volumeClaimTemplates().forEach(claim -> volumes.add(claim.getMetadata().getName()));

    List<Container> containers =
        Stream.concat(
                Objects.requireNonNullElse(pod.getInitContainers(), List.<Container>of()).stream(),
                pod.getContainers().stream())
            .toList();
    Set<String> portNames = new HashSet<>();
    for (Container c : containers) {
      String where = subject + " container " + c.getName();
      for (ContainerPort port :
          Objects.requireNonNullElse(c.getPorts(), List.<ContainerPort>of())) {
        if (port.getName() != null
            && (port.getName().length() > 15
                || !PORT_NAME.matcher(port.getName()).matches()
                || !portNames.add(port.getName()))) {
          problem(where, "port name " + port.getName() + " is invalid or not unique in the pod");
        }
        if (port.getHostPort() != null) {
          problem(where, "opens port " + port.getHostPort() + " on the node (hostPort)");
        }
      }
      checkImage(where, c.getImage());
      checkSecurity(where, pod.getSecurityContext(), c.getSecurityContext());
      checkResources(where, c);
      checkProbes(where, c);
      for (VolumeMount mount :
          Objects.requireNonNullElse(c.getVolumeMounts(), List.<VolumeMount>of())) {
        if (!volumes.contains(mount.getName())) {
          problem(where, "mounts volume " + mount.getName() + ", which the pod does not define");
        }
      }
      checkEnv(where, c);
    }
  }

  private void checkImage(String where, String image) {
    if (image == null || image.isBlank()) {
      problem(where, "has no image");
      return;
    }
    String last = image.substring(image.lastIndexOf('/') + 1);
    if (!last.contains(":") && !image.contains("@sha256:")) {
      problem(where, "image " + image + " has no tag");
    }
  }

  private void checkSecurity(String where, PodSecurityContext pod, SecurityContext container) {
    PodSecurityContext p = pod == null ? new PodSecurityContext() : pod;
    SecurityContext c = container == null ? new SecurityContext() : container;
    Boolean nonRoot = c.getRunAsNonRoot() != null ? c.getRunAsNonRoot() : p.getRunAsNonRoot();
    Long user = c.getRunAsUser() != null ? c.getRunAsUser() : p.getRunAsUser();
    if (!Boolean.TRUE.equals(nonRoot) || Long.valueOf(0).equals(user)) {
      problem(where, "may run as root (runAsNonRoot is not true)");
    }
    if (!Boolean.TRUE.equals(c.getReadOnlyRootFilesystem())) {
      problem(where, "root filesystem is writable (readOnlyRootFilesystem is not true)");
    }
    if (!Boolean.FALSE.equals(c.getAllowPrivilegeEscalation())) {
      problem(where, "allowPrivilegeEscalation is not false");
    }
    if (Boolean.TRUE.equals(c.getPrivileged())) {
      problem(where, "is privileged");
    }
    Capabilities caps = c.getCapabilities();
    if (caps == null || caps.getDrop() == null || !caps.getDrop().contains("ALL")) {
      problem(where, "does not drop ALL capabilities");
    }
    if (caps != null && caps.getAdd() != null && !caps.getAdd().isEmpty()) {
      problem(where, "adds capabilities " + caps.getAdd());
    }
    var seccomp = c.getSeccompProfile() != null ? c.getSeccompProfile() : p.getSeccompProfile();
    if (seccomp == null || !"RuntimeDefault".equals(seccomp.getType())) {
      problem(where, "has no RuntimeDefault seccomp profile");
    }
  }

  private void checkResources(String where, Container c) {
    var resources = c.getResources();
    Map<String, Quantity> requests = resources == null ? null : resources.getRequests();
    Map<String, Quantity> limits = resources == null ? null : resources.getLimits();
    if (requests == null || !requests.containsKey("cpu") || !requests.containsKey("memory")) {
      problem(where, "has no cpu and memory requests");
    }
    if (limits == null || !limits.containsKey("memory")) {
      problem(where, "has no memory limit");
    }
  }

  private void checkProbes(String where, Container c) {
    if (c.getLivenessProbe() == null) {
      problem(where, "has no liveness probe");
    }
    if (c.getReadinessProbe() == null) {
      problem(where, "has no readiness probe");
    }
    for (Probe probe :
        Stream.of(c.getLivenessProbe(), c.getReadinessProbe(), c.getStartupProbe())
            .filter(Objects::nonNull)
            .toList()) {
      IntOrString port =
          probe.getHttpGet() != null
              ? probe.getHttpGet().getPort()
              : probe.getTcpSocket() != null ? probe.getTcpSocket().getPort() : null;
      if (port != null && !containerHasPort(c, port)) {
        problem(where, "probes port " + describe(port) + ", which the container does not declare");
      }
    }
  }

  private void checkEnv(String where, Container c) {
    Set<String> defined = new LinkedHashSet<>();
    for (EnvVar env : Objects.requireNonNullElse(c.getEnv(), List.<EnvVar>of())) {
      if (env.getValue() != null) {
        // An env value may refer to variables defined before it; Kubernetes leaves any other
        // $(NAME) as literal text.
        checkReferences(where, "env " + env.getName(), env.getValue(), defined);
      }
      if (!defined.add(env.getName())) {
        problem(where, "defines env " + env.getName() + " twice");
      }
      var from = env.getValueFrom();
      if (from != null
          && from.getFieldRef() != null
          && !FIELD_PATH.matcher(from.getFieldRef().getFieldPath()).matches()) {
        problem(
            where,
            "env "
                + env.getName()
                + " uses unsupported fieldPath "
                + from.getFieldRef().getFieldPath());
      }
      if (from != null && from.getSecretKeyRef() != null) {
        checkSecretKeys(
            where, from.getSecretKeyRef().getName(), List.of(from.getSecretKeyRef().getKey()));
      }
      if (from != null && from.getConfigMapKeyRef() != null) {
        checkConfigMapReference(
            where,
            from.getConfigMapKeyRef().getName(),
            List.of(from.getConfigMapKeyRef().getKey()));
      }
    }
    for (String arg :
        Stream.concat(
                Objects.requireNonNullElse(c.getCommand(), List.<String>of()).stream(),
                Objects.requireNonNullElse(c.getArgs(), List.<String>of()).stream())
            .toList()) {
      checkReferences(where, "argument " + arg, arg, defined);
    }
  }

  private void checkReferences(String where, String what, String text, Set<String> defined) {
    Matcher m = ENV_REFERENCE.matcher(text);
    while (m.find()) {
      if (!defined.contains(m.group(1))) {
        problem(where, what + " refers to $(" + m.group(1) + "), which is not defined before it");
      }
    }
  }

  private void checkConfigMapReference(String where, String name, List<String> keys) {
    Optional<ConfigMap> map = rendered.find(ConfigMap.class, name);
    if (map.isEmpty()) {
      problem(where, "refers to ConfigMap " + name + ", which is not rendered");
      return;
    }
    Map<String, String> data = Objects.requireNonNullElse(map.get().getData(), Map.of());
    for (String key : keys) {
      if (!data.containsKey(key)) {
        problem(where, "refers to key " + key + " of ConfigMap " + name + ", which it lacks");
      }
    }
  }

  /**
   * A Secret the chart renders itself must have the keys its users take; one it does not render is
   * the operator's (TLS certificates, AUTH secrets), which only a cluster can check.
   */
  private void checkSecretKeys(String where, String name, List<String> keys) {
    rendered
        .find(Secret.class, name)
        .ifPresent(
            secret -> {
              Set<String> present = new HashSet<>();
              present.addAll(
                  Objects.requireNonNullElse(secret.getData(), Map.<String, String>of()).keySet());
              present.addAll(
                  Objects.requireNonNullElse(secret.getStringData(), Map.<String, String>of())
                      .keySet());
              for (String key : keys) {
                if (!present.contains(key)) {
                  problem(
                      where, "refers to key " + key + " of Secret " + name + ", which it lacks");
                }
              }
            });
  }

  // ---- Services and what points at them

  private void checkService(Service s) {
    String subject = "Service/" + s.getMetadata().getName();
    Map<String, String> selector = s.getSpec().getSelector();
    if (selector == null || selector.isEmpty()) {
      problem(subject, "has no selector");
      return;
    }
    List<Workload> backends = selected(selector);
    if (backends.isEmpty()) {
      problem(subject, "selector " + selector + " matches no rendered pod template");
      return;
    }
    Set<String> names = new HashSet<>();
    for (ServicePort port : s.getSpec().getPorts()) {
      if (port.getName() == null || !names.add(port.getName())) {
        problem(subject, "port " + port.getPort() + " has no name or a duplicate one");
      }
      IntOrString target =
          port.getTargetPort() == null ? new IntOrString(port.getPort()) : port.getTargetPort();
      for (Workload w : backends) {
        boolean found =
            w.template().getSpec().getContainers().stream()
                .anyMatch(c -> containerHasPort(c, target));
        if (!found) {
          problem(
              subject, "targetPort " + describe(target) + " is not a container port of " + w.id());
        }
      }
    }
  }

  /** A policy that selects no pod, or admits a port its pods do not have, protects nothing. */
  private void checkNetworkPolicy(NetworkPolicy np) {
    String subject = "NetworkPolicy/" + np.getMetadata().getName();
    Map<String, String> selector = np.getSpec().getPodSelector().getMatchLabels();
    List<Workload> pods = selected(selector);
    if (pods.isEmpty()) {
      problem(subject, "podSelector " + selector + " matches no rendered pod template");
    }
    for (NetworkPolicyIngressRule rule :
        Objects.requireNonNullElse(
            np.getSpec().getIngress(), List.<NetworkPolicyIngressRule>of())) {
      for (NetworkPolicyPort port :
          Objects.requireNonNullElse(rule.getPorts(), List.<NetworkPolicyPort>of())) {
        for (Workload w : pods) {
          if (w.template().getSpec().getContainers().stream()
              .noneMatch(c -> containerHasPort(c, port.getPort()))) {
            problem(
                subject,
                "admits port "
                    + describe(port.getPort())
                    + ", which is not a container port of "
                    + w.id());
          }
        }
      }
    }
  }

  private List<Workload> selected(Map<String, String> selector) {
    return rendered.workloads().stream().filter(w -> selects(selector, w.podLabels())).toList();
  }

  private static boolean selects(Map<String, String> selector, Map<String, String> labels) {
    return selector != null
        && !selector.isEmpty()
        && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  private static boolean containerHasPort(Container c, IntOrString port) {
    return Objects.requireNonNullElse(c.getPorts(), List.<ContainerPort>of()).stream()
        .anyMatch(
            p ->
                port.getStrVal() != null
                    ? port.getStrVal().equals(p.getName())
                    : port.getIntVal().equals(p.getContainerPort()));
  }

  private static String describe(IntOrString port) {
    return port.getStrVal() != null ? port.getStrVal() : String.valueOf(port.getIntVal());
  }

  // ---- autoscalers, budgets, ingress, monitoring

  private Optional<Workload> scaleTarget(
      String subject, String apiVersion, String kind, String name) {
    if (!"apps/v1".equals(apiVersion) || !"Deployment".equals(kind)) {
      problem(subject, "scales " + apiVersion + " " + kind + ", not an apps/v1 Deployment");
      return Optional.empty();
    }
    Optional<Workload> target =
        rendered.workloads().stream()
            .filter(w -> w.kind().equals(kind) && w.name().equals(name))
            .findFirst();
    if (target.isEmpty()) {
      problem(subject, "scales Deployment " + name + ", which is not rendered");
    } else if (target.get().replicas() != null) {
      // Every `helm upgrade` would reset the replica count the autoscaler chose.
      problem(subject, "scales Deployment " + name + ", which sets spec.replicas itself");
    }
    return target;
  }

  private void checkHpa(HorizontalPodAutoscaler hpa) {
    String subject = "HorizontalPodAutoscaler/" + hpa.getMetadata().getName();
    CrossVersionObjectReference ref = hpa.getSpec().getScaleTargetRef();
    Optional<Workload> target =
        scaleTarget(subject, ref.getApiVersion(), ref.getKind(), ref.getName());
    Integer min = hpa.getSpec().getMinReplicas();
    if (min != null && min > hpa.getSpec().getMaxReplicas()) {
      problem(subject, "minReplicas is above maxReplicas");
    }
    for (MetricSpec metric :
        Objects.requireNonNullElse(hpa.getSpec().getMetrics(), List.<MetricSpec>of())) {
      boolean cpuUtilization =
          metric.getResource() != null
              && "cpu".equals(metric.getResource().getName())
              && "Utilization".equals(metric.getResource().getTarget().getType());
      if (cpuUtilization && target.isPresent()) {
        for (Container c : target.get().template().getSpec().getContainers()) {
          var requests = c.getResources() == null ? null : c.getResources().getRequests();
          if (requests == null || !requests.containsKey("cpu")) {
            problem(
                subject,
                "scales on CPU utilization but container "
                    + c.getName()
                    + " has no CPU request to measure it against");
          }
        }
      }
    }
  }

  private void checkScaledObject(Manifest m, ScaledObject so) {
    String subject = m.id();
    var spec = so.spec();
    var ref = spec.scaleTargetRef();
    scaleTarget(
        subject,
        Objects.requireNonNullElse(ref.apiVersion(), "apps/v1"),
        Objects.requireNonNullElse(ref.kind(), "Deployment"),
        ref.name());
    int min = Objects.requireNonNullElse(spec.minReplicaCount(), 0);
    int max = Objects.requireNonNullElse(spec.maxReplicaCount(), 100);
    if (min > max) {
      problem(subject, "minReplicaCount is above maxReplicaCount");
    }
    for (ScaledObject.Trigger trigger : spec.triggers()) {
      if (!trigger.type().equals("nsq")) {
        problem(subject, "has a " + trigger.type() + " trigger; the charts use KEDA's nsq scaler");
        continue;
      }
      Map<String, String> meta = trigger.metadata();
      for (String key : meta.keySet()) {
        if (!NSQ_TRIGGER_KEYS.contains(key)) {
          problem(subject, "nsq trigger metadata " + key + " is not read by KEDA's nsq scaler");
        }
      }
      for (String key : List.of("nsqLookupdHTTPAddresses", "topic", "channel")) {
        if (meta.getOrDefault(key, "").isBlank()) {
          problem(subject, "nsq trigger needs metadata " + key);
        }
      }
      for (String address : meta.getOrDefault("nsqLookupdHTTPAddresses", "").split(",")) {
        if (!HOST_PORT.matcher(address.trim()).matches()) {
          problem(subject, "nsqLookupdHTTPAddresses entry '" + address + "' is not host:port");
        }
      }
      checkInteger(subject, meta, "depthThreshold", 1);
      checkInteger(subject, meta, "activationDepthThreshold", 0);
    }
  }

  private void checkInteger(String subject, Map<String, String> meta, String key, long minimum) {
    String value = meta.get(key);
    if (value == null) {
      return;
    }
    try {
      if (Long.parseLong(value) < minimum) {
        problem(subject, key + " must be at least " + minimum);
      }
    } catch (NumberFormatException e) {
      problem(subject, key + " '" + value + "' is not an integer");
    }
  }

  private void checkPdb(PodDisruptionBudget pdb) {
    String subject = "PodDisruptionBudget/" + pdb.getMetadata().getName();
    var spec = pdb.getSpec();
    if ((spec.getMinAvailable() == null) == (spec.getMaxUnavailable() == null)) {
      problem(subject, "needs exactly one of minAvailable and maxUnavailable");
    }
    Map<String, String> selector =
        spec.getSelector() == null ? null : spec.getSelector().getMatchLabels();
    if (selected(selector).isEmpty()) {
      problem(subject, "selector " + selector + " matches no rendered pod template");
    }
  }

  private void checkIngress(Ingress ingress) {
    String subject = "Ingress/" + ingress.getMetadata().getName();
    for (IngressRule rule : ingress.getSpec().getRules()) {
      for (HTTPIngressPath path : rule.getHttp().getPaths()) {
        IngressServiceBackend backend = path.getBackend().getService();
        Optional<Service> service = rendered.find(Service.class, backend.getName());
        if (service.isEmpty()) {
          problem(subject, "routes to Service " + backend.getName() + ", which is not rendered");
          continue;
        }
        var port = backend.getPort();
        boolean found =
            service.get().getSpec().getPorts().stream()
                .anyMatch(
                    p ->
                        port.getName() != null
                            ? port.getName().equals(p.getName())
                            : port.getNumber().equals(p.getPort()));
        if (!found) {
          problem(subject, "routes to a port that Service " + backend.getName() + " does not have");
        }
      }
    }
  }

  private void checkServiceMonitor(ServiceMonitor monitor) {
    String subject = "ServiceMonitor/" + monitor.getMetadata().getName();
    Map<String, String> selector = monitor.getSpec().getSelector().getMatchLabels();
    List<Service> services =
        rendered.all(Service.class).stream().filter(s -> selects(selector, labels(s))).toList();
    if (services.isEmpty()) {
      problem(subject, "selector " + selector + " matches no rendered Service");
    }
    for (Endpoint endpoint : monitor.getSpec().getEndpoints()) {
      for (Service s : services) {
        if (s.getSpec().getPorts().stream()
            .noneMatch(p -> endpoint.getPort().equals(p.getName()))) {
          problem(
              subject,
              "scrapes port "
                  + endpoint.getPort()
                  + ", which Service "
                  + s.getMetadata().getName()
                  + " does not name");
        }
      }
    }
  }
}
