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
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The umbrella chart, and the wiring between releases: the gateway and the functions derive the
 * addresses of NSQ from the kubefuncs release's name, and must land on what the nsq chart actually
 * renders.
 */
class KubefuncsChartTest {

  static final String NAMESPACE = "messaging";

  /**
   * The client-facing Service of an NSQ daemon (container nsqd or nsqlookupd): not headless, and
   * selecting that daemon's pods.
   */
  static Service nsqService(Rendered rendered, String daemon) {
    Map<String, String> podLabels =
        rendered.workloads().stream()
            .filter(w -> w.template().getSpec().getContainers().get(0).getName().equals(daemon))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no " + daemon + " among " + rendered.ids()))
            .podLabels();
    return rendered.all(Service.class).stream()
        .filter(s -> !"None".equals(s.getSpec().getClusterIP()))
        .filter(s -> podLabels.entrySet().containsAll(s.getSpec().getSelector().entrySet()))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no Service of " + daemon + " among " + rendered.ids()));
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
   * Where the nsq chart's Services take clients, as DNS name and port: nsqlookupd's HTTP, nsqd's
   * TCP and HTTP.
   */
  record NsqAddresses(
      String lookupdHost, int lookupdHttp, String nsqdHost, int nsqdTcp, int nsqdHttp) {

    static NsqAddresses of(Rendered rendered, String namespace) {
      Service lookupd = nsqService(rendered, "nsqlookupd");
      Service nsqd = nsqService(rendered, "nsqd");
      return new NsqAddresses(
          host(lookupd, namespace),
          port(lookupd, "http"),
          host(nsqd, namespace),
          port(nsqd, "tcp"),
          port(nsqd, "http"));
    }

    private static String host(Service service, String namespace) {
      return service.getMetadata().getName() + "." + namespace + ".svc.cluster.local";
    }
  }

  /**
   * Release names and the prefix the nsq chart's names take from them (its README's rule): without
   * and with "nsq" (and with "gateway", which the gateway's name then takes alone), and longer than
   * the 40 characters the prefix is cut to, once leaving a "-" at the cut that is dropped.
   */
  static final List<Arguments> RELEASES =
      List.of(
          Arguments.of("kubefuncs", "kubefuncs-nsq"),
          Arguments.of("nsq", "nsq"),
          Arguments.of("prod-nsq-stack", "prod-nsq-stack"),
          Arguments.of("kubefuncs-gateway", "kubefuncs-gateway-nsq"),
          Arguments.of(
              "kubefuncs-production-eu-west-1-cluster1", "kubefuncs-production-eu-west-1-cluster1"),
          Arguments.of(
              "kubefuncs-production-eu-west-1-cluster-b-blue",
              "kubefuncs-production-eu-west-1-cluster-b"),
          Arguments.of(
              "nsq-kubefuncs-production-eu-west-1-cluster-b",
              "nsq-kubefuncs-production-eu-west-1-clust"));

  /**
   * TLS on, so that the clients also name nsqd's Service as the server whose certificate they
   * verify.
   */
  private static final String TLS = "{tls: {enabled: true, secretName: nsq-tls}}";

  /**
   * Each chart installed from its own folder: the nsq and gateway charts under one release name
   * (what the kubefuncs chart does with them), a functions release pointed at it by
   * kubefuncs.release. Each chart computes the nsq and gateway Service names itself, so a chart
   * whose rule strays from the one of the chart it points at fails here.
   */
  @ParameterizedTest(name = "{0}")
  @FieldSource("RELEASES")
  void separateChartsOfOneReleaseNameFindItsNsq(String release, String prefix) {
    NsqAddresses nsq = NsqAddresses.of(Charts.render("nsq", release, NAMESPACE), NAMESPACE);
    assertThat(nsq.lookupdHost())
        .isEqualTo(prefix + "-lookupd." + NAMESPACE + ".svc.cluster.local");
    assertThat(nsq.nsqdHost()).isEqualTo(prefix + "-nsqd." + NAMESPACE + ".svc.cluster.local");

    Rendered gateway =
        Charts.render("gateway", release, NAMESPACE, Charts.values("nsq: " + TLS + "\n"));
    assertGatewayUses(gateway, nsq);
    assertFunctionsUse(release, nsq, gateway);
  }

  /** The same through the kubefuncs chart, whose nsq and gateway subcharts are packaged copies. */
  @ParameterizedTest(name = "{0}")
  @FieldSource("RELEASES")
  void theGatewayAndFunctionsFindTheNsqOfTheRelease(String release, String prefix) {
    Rendered core =
        Charts.render(
            "kubefuncs", release, NAMESPACE, Charts.values("global: {nsq: " + TLS + "}\n"));
    NsqAddresses nsq = NsqAddresses.of(core, NAMESPACE);
    assertThat(nsq).isEqualTo(NsqAddresses.of(Charts.render("nsq", release, NAMESPACE), NAMESPACE));
    assertThat(nsq.lookupdHost()).startsWith(prefix + "-lookupd.");

    assertGatewayUses(core, nsq);
    assertFunctionsUse(release, nsq, core);
  }

  /** The gateway Deployment of a release: the one whose container is named gateway. */
  private static Deployment gateway(Rendered rendered) {
    return rendered.all(Deployment.class).stream()
        .filter(d -> gatewayContainer(d).getName().equals("gateway"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no gateway among " + rendered.ids()));
  }

  private static Container gatewayContainer(Deployment d) {
    return d.getSpec().getTemplate().getSpec().getContainers().get(0);
  }

  private static void assertGatewayUses(Rendered rendered, NsqAddresses nsq) {
    Container c = gatewayContainer(gateway(rendered));
    List<String> args = c.getArgs();
    assertThat(args.get(args.indexOf("--lookupd-addr") + 1))
        .isEqualTo(nsq.lookupdHost() + ":" + nsq.lookupdHttp());
    assertThat(args.get(args.indexOf("--nsqd-addr") + 1))
        .isEqualTo(nsq.nsqdHost() + ":" + nsq.nsqdTcp());
    assertThat(args.get(args.indexOf("--nsqd-http-addr") + 1))
        .isEqualTo(nsq.nsqdHost() + ":" + nsq.nsqdHttp());
    assertThat(FunctionChartTest.env(c)).contains("NSQ_TLS_SERVER_NAME=" + nsq.nsqdHost());
  }

  /** The functions of the release use its NSQ and send people to its gateway (their NOTES). */
  private static void assertFunctionsUse(String release, NsqAddresses nsq, Rendered gateway) {
    Rendered fns = FunctionChartTest.render(functions(release));
    assertThat(FunctionChartTest.env(container(fns, "example-function-test")))
        .contains(
            "NSQ_LOOKUPD_ADDR=" + nsq.lookupdHost(),
            "NSQ_LOOKUPD_PORT=" + nsq.lookupdHttp(),
            "NSQ_NSQD_ADDR=" + nsq.nsqdHost(),
            "NSQ_NSQD_PORT=" + nsq.nsqdTcp(),
            "NSQ_TLS_SERVER_NAME=" + nsq.nsqdHost());
    ScaledObject scaled =
        (ScaledObject) fns.manifest("ScaledObject", "example-function-scaled").object();
    assertThat(scaled.spec().triggers().get(0).metadata())
        .containsEntry("nsqLookupdHTTPAddresses", nsq.lookupdHost() + ":" + nsq.lookupdHttp());

    String gatewayName = gateway(gateway).getMetadata().getName();
    assertThat(Charts.notes("function", "example", "default", functions(release)))
        .contains(
            "kubectl -n "
                + NAMESPACE
                + " port-forward svc/"
                + gatewayName
                + " 8080:"
                + port(gateway.get(Service.class, gatewayName), "http"));
  }

  private static Path functions(String release) {
    return Charts.values(
        """
        image: {repository: ghcr.io/kubefuncs/pong}
        kubefuncs: {release: %s, namespace: %s}
        nsq: %s
        functions:
        - name: test
        - name: scaled
          autoscaling: {mode: keda}
        """
            .formatted(release, NAMESPACE, TLS));
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
