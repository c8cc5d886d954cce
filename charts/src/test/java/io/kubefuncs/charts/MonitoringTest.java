package io.kubefuncs.charts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.Rule;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The kubefuncs chart's Grafana dashboard and alert rules: rendered only when asked for, and
 * querying only metrics that exist, those the code registers (read from its sources here, so that
 * renaming a metric breaks this test) and those of the nsq_exporter the nsq chart runs.
 */
class MonitoringTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern METRIC = Pattern.compile("\\b((?:kubefuncs|nsq)_[a-z_]+)\\b");

  /**
   * The nsq_exporter's gauges (lovoo/nsq_exporter, namespace "nsq", topic and channel collectors).
   */
  private static final Set<String> NSQ_EXPORTER =
      Set.of(
          "nsq_depth",
          "nsq_backend_depth",
          "nsq_message_count",
          "nsq_in_flight_count",
          "nsq_client_count",
          "nsq_channel_count",
          "nsq_deferred_count",
          "nsq_requeue_count",
          "nsq_timeout_count");

  private static Rendered render(String values) {
    return Charts.render("kubefuncs", "kubefuncs", "kubefuncs", Charts.values(values));
  }

  @Test
  void neitherIsRenderedUnlessAskedFor() {
    assertThat(Charts.render("kubefuncs", "kubefuncs", "kubefuncs").ids())
        .noneMatch(
            id -> id.startsWith("PrometheusRule/") || id.equals("ConfigMap/kubefuncs-dashboard"));
  }

  @Test
  void theDashboardIsAConfigMapForGrafanasSidecarQueryingMetricsThatExist() throws IOException {
    ConfigMap map =
        render("monitoring: {dashboard: {enabled: true}}\n")
            .get(ConfigMap.class, "kubefuncs-dashboard");

    assertThat(map.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    JsonNode dashboard = JSON.readTree(map.getData().get("kubefuncs.json"));
    assertThat(dashboard.path("uid").asText()).isEqualTo("kubefuncs");
    List<String> exprs = dashboard.findValues("expr").stream().map(JsonNode::asText).toList();
    assertThat(exprs).hasSizeGreaterThan(10);
    assertThat(metrics(exprs))
        .isSubsetOf(exported())
        .contains(
            "kubefuncs_gateway_requests_total", "kubefuncs_messages_handled_total", "nsq_depth");
  }

  @Test
  void theAlertsCoverDeadLettersTimeoutsQueuesAndMissingConsumersWithMetricsThatExist()
      throws IOException {
    PrometheusRule rule =
        render(
                """
        nsq: {metrics: {enabled: true}}
        monitoring: {alerts: {enabled: true, labels: {release: prom}, for: 5m}}
        """)
            .get(PrometheusRule.class, "kubefuncs-alerts");

    assertThat(rule.getMetadata().getLabels()).containsEntry("release", "prom");
    List<Rule> rules = rule.getSpec().getGroups().get(0).getRules();
    assertThat(rules)
        .extracting(Rule::getAlert)
        .containsExactly(
            "KubefuncsDeadLetters",
            "KubefuncsGatewayTimeouts",
            "KubefuncsGatewayNoConsumer",
            "KubefuncsQueueDepthGrowing",
            "KubefuncsNoConsumer");
    assertThat(rules)
        .filteredOn(r -> !r.getAlert().equals("KubefuncsDeadLetters"))
        .extracting(Rule::getFor)
        .containsOnly("5m");
    assertThat(metrics(rules.stream().map(r -> r.getExpr().getStrVal()).toList()))
        .isSubsetOf(exported());
    assertThat(rules.get(0).getExpr().getStrVal()).contains("outcome=\"dead_lettered\"");
  }

  @Test
  void withoutTheNsqExporterNoRuleQueriesIt() {
    PrometheusRule rule =
        render("monitoring: {alerts: {enabled: true}}\n")
            .get(PrometheusRule.class, "kubefuncs-alerts");

    assertThat(rule.getSpec().getGroups().get(0).getRules())
        .extracting(Rule::getAlert)
        .containsExactly(
            "KubefuncsDeadLetters", "KubefuncsGatewayTimeouts", "KubefuncsGatewayNoConsumer");
  }

  @Test
  void theJavaAndGoFunctionsExportTheSameMetrics() throws IOException {
    assertThat(
            registered(
                "client/src/main/java/io/kubefuncs/Metrics.java", "\\.name\\(\"([a-z_]+)\"\\)"))
        .isEqualTo(registered("clients/go/metrics.go", "Name:\\s*\"([a-z_]+)\""))
        .isNotEmpty();
  }

  private static Set<String> metrics(List<String> exprs) {
    Set<String> names = new TreeSet<>();
    for (String expr : exprs) {
      Matcher m = METRIC.matcher(expr);
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /**
   * Every series name the code and the exporter expose; a histogram's as Prometheus scrapes them.
   */
  private static Set<String> exported() throws IOException {
    Set<String> names = new TreeSet<>(NSQ_EXPORTER);
    for (String metric :
        registered(
            "client/src/main/java/io/kubefuncs/Metrics.java", "\\.name\\(\"([a-z_]+)\"\\)")) {
      names.add(metric);
      names.addAll(List.of(metric + "_bucket", metric + "_count", metric + "_sum"));
    }
    for (String metric :
        registered(
            "gateway/src/main/java/io/kubefuncs/gateway/GatewayMetrics.java",
            "\\.name\\(\"([a-z_]+)\"\\)")) {
      names.add(metric);
      names.addAll(List.of(metric + "_bucket", metric + "_count", metric + "_sum"));
    }
    return names;
  }

  private static Set<String> registered(String source, String pattern) throws IOException {
    String text = Files.readString(Charts.REPO.resolve(source));
    return Pattern.compile(pattern)
        .matcher(text)
        .results()
        .map(r -> r.group(1))
        .collect(Collectors.toCollection(TreeSet::new));
  }
}
