package io.kubefuncs.charts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.kubefuncs.charts.keda.ScaledObject;
import java.util.Map;

/**
 * Reads rendered manifests the way the Kubernetes API server would judge them, not the lenient way
 * fabric8 reads them by default: an unknown field, a string where an integer belongs (or the
 * reverse), or a duplicate key is an error, and only the API versions the charts may use are known.
 */
final class StrictYaml {

  /**
   * apiVersion/kind -> model class. Anything else (autoscaling/v2beta2, extensions/v1beta1, ...) is
   * refused.
   */
  static final Map<String, Class<?>> TYPES =
      Map.ofEntries(
          Map.entry("v1/ConfigMap", ConfigMap.class),
          Map.entry("v1/Secret", Secret.class),
          Map.entry("v1/Service", Service.class),
          Map.entry("v1/ServiceAccount", ServiceAccount.class),
          Map.entry("apps/v1/Deployment", Deployment.class),
          Map.entry("apps/v1/DaemonSet", DaemonSet.class),
          Map.entry("apps/v1/StatefulSet", StatefulSet.class),
          Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
          Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
          Map.entry("networking.k8s.io/v1/Ingress", Ingress.class),
          Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
          Map.entry("rbac.authorization.k8s.io/v1/Role", Role.class),
          Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding.class),
          Map.entry("monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class),
          Map.entry("monitoring.coreos.com/v1/PrometheusRule", PrometheusRule.class),
          Map.entry("keda.sh/v1alpha1/ScaledObject", ScaledObject.class));

  /**
   * fabric8 model classes collect unknown fields through a @JsonAnySetter; without it Jackson's
   * FAIL_ON_UNKNOWN_PROPERTIES applies to them.
   */
  private static final class NoFabric8AnySetter extends JacksonAnnotationIntrospector {
    @Override
    public Boolean hasAnySetter(Annotated annotated) {
      if (annotated instanceof AnnotatedMember member
          && member.getDeclaringClass().getName().startsWith("io.fabric8.")) {
        return Boolean.FALSE;
      }
      return super.hasAnySetter(annotated);
    }
  }

  static final ObjectMapper MAPPER = strictMapper();

  private static ObjectMapper strictMapper() {
    ObjectMapper mapper =
        YAMLMapper.builder()
            .annotationIntrospector(new NoFabric8AnySetter())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();
    // Kubernetes refuses `value: 4150` for a string field; Jackson would quietly accept it.
    for (CoercionInputShape shape :
        new CoercionInputShape[] {
          CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean
        }) {
      mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
    }
    return mapper;
  }

  private StrictYaml() {}

  /** Parses one YAML document into its Kubernetes type. Throws with the source and the reason. */
  static Manifest read(String source, String document) {
    JsonNode tree;
    try {
      tree = MAPPER.readTree(document);
    } catch (JsonProcessingException e) {
      throw new InvalidManifestException(source, "is not valid YAML: " + e.getOriginalMessage());
    }
    String apiVersion = tree.path("apiVersion").asText();
    String kind = tree.path("kind").asText();
    Class<?> type = TYPES.get(apiVersion + "/" + kind);
    if (type == null) {
      throw new InvalidManifestException(
          source,
          "has apiVersion/kind " + apiVersion + "/" + kind + ", which the charts must not use");
    }
    Object object;
    try {
      object = MAPPER.readerFor(type).readValue(document);
    } catch (JsonProcessingException e) {
      throw new InvalidManifestException(source, "is not a valid " + kind + ": " + e.getMessage());
    }
    String name = tree.path("metadata").path("name").asText("");
    if (name.isEmpty()) {
      throw new InvalidManifestException(source, "has no metadata.name");
    }
    return new Manifest(source, apiVersion, kind, name, tree, object);
  }

  static final class InvalidManifestException extends RuntimeException {
    InvalidManifestException(String source, String problem) {
      super(source + " " + problem);
    }
  }
}
