package io.kubefuncs.charts;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The objects of one `helm template` run, each parsed strictly into its Kubernetes type. */
final class Rendered {

  private static final Pattern SOURCE = Pattern.compile("^# Source: (.+)$", Pattern.MULTILINE);

  final List<Manifest> manifests;

  private Rendered(List<Manifest> manifests) {
    this.manifests = List.copyOf(manifests);
  }

  static Rendered parse(String output) {
    List<Manifest> manifests = new ArrayList<>();
    if (output == null) {
      // helm-java returns null when no template produced an object.
      return new Rendered(manifests);
    }
    // Helm separates documents with a line holding only "---", each followed by "# Source: ...".
    for (String document : output.split("(?m)^---\\s*$")) {
      if (document.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
        continue;
      }
      Matcher source = SOURCE.matcher(document);
      manifests.add(StrictYaml.read(source.find() ? source.group(1) : "(no source)", document));
    }
    return new Rendered(manifests);
  }

  /** "Kind/name" of every object, sorted. */
  Set<String> ids() {
    Set<String> ids = new TreeSet<>();
    manifests.forEach(m -> ids.add(m.id()));
    return ids;
  }

  <T> List<T> all(Class<T> type) {
    return manifests.stream()
        .map(Manifest::object)
        .filter(type::isInstance)
        .map(type::cast)
        .toList();
  }

  <T extends HasMetadata> Optional<T> find(Class<T> type, String name) {
    return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
  }

  <T extends HasMetadata> T get(Class<T> type, String name) {
    return find(type, name)
        .orElseThrow(
            () ->
                new AssertionError(
                    "no " + type.getSimpleName() + " named " + name + " among " + ids()));
  }

  Manifest manifest(String kind, String name) {
    return manifests.stream()
        .filter(m -> m.kind().equals(kind) && m.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + "/" + name + " among " + ids()));
  }

  /** A Deployment, DaemonSet or StatefulSet, seen through what the checks need. */
  record Workload(
      String kind,
      String name,
      LabelSelector selector,
      PodTemplateSpec template,
      Integer replicas,
      List<PersistentVolumeClaim> volumeClaimTemplates,
      String serviceName) {

    String id() {
      return kind + "/" + name;
    }

    Map<String, String> podLabels() {
      Map<String, String> labels = template.getMetadata().getLabels();
      return labels == null ? Map.of() : labels;
    }
  }

  List<Workload> workloads() {
    List<Workload> workloads = new ArrayList<>();
    for (Deployment d : all(Deployment.class)) {
      var spec = d.getSpec();
      workloads.add(
          new Workload(
              "Deployment",
              d.getMetadata().getName(),
              spec.getSelector(),
              spec.getTemplate(),
              spec.getReplicas(),
              List.of(),
              null));
    }
    for (DaemonSet d : all(DaemonSet.class)) {
      var spec = d.getSpec();
      workloads.add(
          new Workload(
              "DaemonSet",
              d.getMetadata().getName(),
              spec.getSelector(),
              spec.getTemplate(),
              null,
              List.of(),
              null));
    }
    for (StatefulSet s : all(StatefulSet.class)) {
      var spec = s.getSpec();
      workloads.add(
          new Workload(
              "StatefulSet",
              s.getMetadata().getName(),
              spec.getSelector(),
              spec.getTemplate(),
              spec.getReplicas(),
              spec.getVolumeClaimTemplates() == null ? List.of() : spec.getVolumeClaimTemplates(),
              spec.getServiceName()));
    }
    return workloads;
  }

  Workload workload(String kind, String name) {
    return workloads().stream()
        .filter(w -> w.kind().equals(kind) && w.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + "/" + name + " among " + ids()));
  }
}
