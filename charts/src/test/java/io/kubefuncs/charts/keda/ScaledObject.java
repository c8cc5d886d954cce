package io.kubefuncs.charts.keda;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscalerBehavior;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * KEDA's ScaledObject (keda.sh/v1alpha1), transcribed from KEDA's Go types
 * (apis/keda/v1alpha1/scaledobject_types.go and scaletriggers_types.go, KEDA 2.17+) because there
 * is no Java model of it on Maven Central. Read with unknown fields refused, like the built-in
 * types; required fields are checked as KEDA's CRD requires them.
 */
public record ScaledObject(String apiVersion, String kind, ObjectMeta metadata, Spec spec) {

  public ScaledObject {
    Objects.requireNonNull(metadata, "metadata is required");
    Objects.requireNonNull(spec, "spec is required");
  }

  public record Spec(
      ScaleTarget scaleTargetRef,
      Integer pollingInterval,
      Integer initialCooldownPeriod,
      Integer cooldownPeriod,
      Integer idleReplicaCount,
      Integer minReplicaCount,
      Integer maxReplicaCount,
      Advanced advanced,
      List<Trigger> triggers,
      Fallback fallback) {

    public Spec {
      Objects.requireNonNull(scaleTargetRef, "spec.scaleTargetRef is required");
      if (triggers == null || triggers.isEmpty()) {
        throw new IllegalArgumentException("spec.triggers needs at least one trigger");
      }
    }
  }

  public record ScaleTarget(
      String name, String apiVersion, String kind, String envSourceContainerName) {
    public ScaleTarget {
      Objects.requireNonNull(name, "spec.scaleTargetRef.name is required");
    }
  }

  public record Trigger(
      String type,
      String name,
      Boolean useCachedMetrics,
      Map<String, String> metadata,
      AuthenticationRef authenticationRef,
      String metricType) {

    public Trigger {
      Objects.requireNonNull(type, "triggers[].type is required");
      Objects.requireNonNull(metadata, "triggers[].metadata is required");
    }
  }

  public record AuthenticationRef(String name, String kind) {
    public AuthenticationRef {
      Objects.requireNonNull(name, "authenticationRef.name is required");
    }
  }

  public record Fallback(Integer failureThreshold, Integer replicas, String behavior) {
    public Fallback {
      Objects.requireNonNull(failureThreshold, "fallback.failureThreshold is required");
      Objects.requireNonNull(replicas, "fallback.replicas is required");
    }
  }

  public record Advanced(
      HorizontalPodAutoscalerConfig horizontalPodAutoscalerConfig,
      Boolean restoreToOriginalReplicaCount,
      ScalingModifiers scalingModifiers) {}

  public record HorizontalPodAutoscalerConfig(
      HorizontalPodAutoscalerBehavior behavior, String name) {}

  public record ScalingModifiers(
      String formula, String target, String activationTarget, String metricType) {}
}
