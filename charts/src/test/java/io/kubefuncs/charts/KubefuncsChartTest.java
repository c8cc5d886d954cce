package io.kubefuncs.charts;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.kubefuncs.charts.keda.ScaledObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The umbrella chart, and the wiring between releases: the gateway and the functions derive the
 * addresses of NSQ from the kubefuncs release's name, and must land on what the nsq chart actually
 * renders.
 */
class KubefuncsChartTest {

  static final String NAMESPACE = "messaging";

  /** The client-facing nsqlookupd Service: selects the nsqlookupd pods, not headless. */
  static Service lookupdService(Rendered rendered) {
    StatefulSet lookupd =
        rendered.all(StatefulSet.class).stream()
            .filter(
                s ->
                    s.getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getName()
                        .equals("nsqlookupd"))
            .findFirst()
            .orElseThrow();
    Map<String, String> podLabels = lookupd.getSpec().getTemplate().getMetadata().getLabels();
    return rendered.all(Service.class).stream()
        .filter(s -> !"None".equals(s.getSpec().getClusterIP()))
        .filter(s -> podLabels.entrySet().containsAll(s.getSpec().getSelector().entrySet()))
        .findFirst()
        .orElseThrow();
  }

  static int port(Service service, String name) {
    return service.getSpec().getPorts().stream()
        .filter(p -> p.getName().equals(name))
        .mapToInt(ServicePort::getPort)
        .findFirst()
        .orElseThrow();
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

  @Test
  void defaultsAreNsqAndTheGateway() {
    assertThat(Charts.render("kubefuncs", "kubefuncs", "kubefuncs").ids())
        .containsExactly(
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
  }

  @Test
  void eitherPartCanBeLeftOut() {
    assertThat(
            Charts.render(
                    "kubefuncs", "kubefuncs", "kubefuncs", Charts.values("nsq: {enabled: false}\n"))
                .ids())
        .allMatch(id -> id.endsWith("/kubefuncs-gateway"));
    assertThat(
            Charts.render(
                    "kubefuncs",
                    "kubefuncs",
                    "kubefuncs",
                    Charts.values("gateway: {enabled: false}\n"))
                .ids())
        .allMatch(id -> id.contains("-nsq-"));
  }

  /**
   * Release names that exercise the naming rule: plain, containing "nsq", longer than the
   * 40-character prefix.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {"kubefuncs", "nsq", "prod-nsq-stack", "kubefuncs-production-eu-west-1-cluster-b"})
  void theGatewayAndFunctionsFindTheNsqOfTheRelease(String release) {
    Rendered core = Charts.render("kubefuncs", release, NAMESPACE);
    Service lookupd = lookupdService(core);
    String host = lookupd.getMetadata().getName() + "." + NAMESPACE + ".svc.cluster.local";
    int httpPort = port(lookupd, "http");
    assertThat(httpPort).isEqualTo(4161);
    Service nsqd =
        core.all(Service.class).stream()
            .filter(s -> s.getMetadata().getName().endsWith("-nsqd"))
            .findFirst()
            .orElseThrow();
    String nsqdHost = nsqd.getMetadata().getName() + "." + NAMESPACE + ".svc.cluster.local";

    String gatewayName =
        core.all(Deployment.class).stream()
            .map(d -> d.getMetadata().getName())
            .filter(n -> !n.endsWith("-admin"))
            .findFirst()
            .orElseThrow();
    List<String> args = container(core, gatewayName).getArgs();
    assertThat(args.get(args.indexOf("--lookupd-addr") + 1)).isEqualTo(host + ":" + httpPort);
    assertThat(args.get(args.indexOf("--nsqd-addr") + 1))
        .isEqualTo(nsqdHost + ":" + port(nsqd, "tcp"));

    Path functions =
        Charts.values(
            """
        image: {repository: ghcr.io/kubefuncs/pong}
        kubefuncs: {release: %s, namespace: %s}
        functions:
        - name: test
        - name: scaled
          autoscaling: {mode: keda}
        """
                .formatted(release, NAMESPACE));
    Rendered fns = FunctionChartTest.render(functions);
    List<String> env = FunctionChartTest.env(container(fns, "example-function-test"));
    assertThat(env)
        .contains(
            "NSQ_LOOKUPD_ADDR=" + host,
            "NSQ_LOOKUPD_PORT=" + httpPort,
            "NSQ_NSQD_ADDR=" + nsqdHost,
            "NSQ_NSQD_PORT=" + port(nsqd, "tcp"));
    ScaledObject scaled =
        (ScaledObject) fns.manifest("ScaledObject", "example-function-scaled").object();
    assertThat(scaled.spec().triggers().get(0).metadata())
        .containsEntry("nsqLookupdHTTPAddresses", host + ":" + httpPort);

    // The function chart's NOTES send people to the gateway of that release.
    String notes = Charts.notes("function", "example", "default", functions);
    assertThat(notes)
        .contains(
            "kubectl -n "
                + NAMESPACE
                + " port-forward svc/"
                + gatewayName
                + " 8080:"
                + port(core.get(Service.class, gatewayName), "http"));
  }

  @Test
  void everyonePublishesToTheNsqdOfItsNodeThroughTheNodeLocalService() {
    Rendered core = Charts.render("kubefuncs", "kubefuncs", "kubefuncs");
    Service nsqd = core.get(Service.class, "kubefuncs-nsq-nsqd");
    assertThat(nsqd.getSpec().getInternalTrafficPolicy()).isEqualTo("Local");
    assertThat(nsqd.getSpec().getSelector().entrySet())
        .isSubsetOf(
            core.get(DaemonSet.class, "kubefuncs-nsq-nsqd")
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getLabels()
                .entrySet());
    ServicePort tcp =
        nsqd.getSpec().getPorts().stream()
            .filter(p -> p.getName().equals("tcp"))
            .findFirst()
            .orElseThrow();
    assertThat(tcp.getTargetPort().getStrVal()).isEqualTo("tcp");

    List<String> args = container(core, "kubefuncs-gateway").getArgs();
    assertThat(args.get(args.indexOf("--nsqd-addr") + 1))
        .isEqualTo("kubefuncs-nsq-nsqd.kubefuncs.svc.cluster.local:" + tcp.getPort());
    // The gateway and functions are the clients the NSQ policies admit.
    assertThat(
            core.get(Deployment.class, "kubefuncs-gateway")
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getLabels())
        .containsEntry("app.kubernetes.io/part-of", "kubefuncs");
    Rendered fns =
        FunctionChartTest.render(
            Charts.values("image: {repository: x/y}\nfunctions: [{name: test}]\n"));
    assertThat(
            fns.get(Deployment.class, "example-function-test")
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getLabels())
        .containsEntry("app.kubernetes.io/part-of", "kubefuncs");
  }

  @Test
  void withNsqdAsAStatefulSetTheGatewayPublishesThroughTheNsqdService() {
    Rendered core =
        Charts.render(
            "kubefuncs",
            "kubefuncs",
            "kubefuncs",
            Charts.DIR.resolve("kubefuncs/ci/full-values.yaml"));
    Service nsqd = core.get(Service.class, "kubefuncs-nsq-nsqd");
    assertThat(core.all(DaemonSet.class)).isEmpty();
    assertThat(nsqd.getSpec().getSelector().entrySet())
        .isSubsetOf(
            core.get(StatefulSet.class, "kubefuncs-nsq-nsqd")
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getLabels()
                .entrySet());

    assertThat(nsqd.getSpec().getInternalTrafficPolicy())
        .as("any nsqd, not only the node's")
        .isNull();
    List<String> args = container(core, "kubefuncs-gateway").getArgs();
    assertThat(args.get(args.indexOf("--nsqd-addr") + 1))
        .isEqualTo("kubefuncs-nsq-nsqd.kubefuncs.svc.cluster.local:" + port(nsqd, "tcp"));
  }
}
