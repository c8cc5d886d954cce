package io.kubefuncs.charts;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Bad values fail `helm install` with Helm's schema report, which names the chart, the path of each
 * offending value and what is wrong with it, instead of rendering something subtly broken.
 */
class SchemaValidationTest {

  private static final String REPORT =
      "values don't meet the specifications of the schema(s) in the following chart(s):";

  @Test
  void aFunctionsFileWithTyposIsRefused() {
    Path bad = Charts.testValues("bad-functions.yaml");
    assertThatThrownBy(() -> Charts.render("function", "example", "default", bad))
        .hasMessageContaining(REPORT)
        .hasMessageContaining("function:\n")
        .hasMessageContaining("- at '/functions/0': additional properties 'replica' not allowed")
        .hasMessageContaining("- at '/functions/1/name': 'Resize_Images' does not match pattern")
        .hasMessageContaining(
            "- at '/functions/2/autoscaling/mode': value must be one of 'none', 'hpa', 'keda'")
        .hasMessageContaining("- at '/functions/2/topic': 'jobs queue' does not match pattern");
  }

  @Test
  void aFunctionWithoutANameIsRefused() {
    assertThatThrownBy(
            () ->
                Charts.render(
                    "function",
                    "example",
                    "default",
                    Charts.values("image: {repository: x/y}\nfunctions:\n- topic: test\n")))
        .hasMessageContaining("- at '/functions/0': missing property 'name'");
  }

  @Test
  void badRoutesAreRefused() {
    assertThatThrownBy(
            () ->
                Charts.render(
                    "gateway",
                    "kubefuncs",
                    "kubefuncs",
                    Charts.values(
                        "config:\n  routes:\n    /orders/: 5\n    /jobs/: \"jobs queue\"\n")))
        .hasMessageContaining(REPORT)
        .hasMessageContaining("- at '/config/routes/~1orders~1': 'anyOf' failed")
        .hasMessageContaining("got number, want string")
        .hasMessageContaining("- at '/config/routes/~1jobs~1': 'anyOf' failed")
        .hasMessageContaining("'jobs queue' does not match pattern");
    assertThatThrownBy(
            () ->
                Charts.render(
                    "gateway",
                    "kubefuncs",
                    "kubefuncs",
                    Charts.values("config:\n  routes:\n    test/: test\n")))
        .hasMessageContaining("invalid propertyName 'test/'");
  }

  /**
   * The routes file of `kubefuncs dev` serves the chart too: per-route settings, and typos refused.
   */
  @Test
  void routesTakeTheGatewaysPerRouteSettingsAndNothingElse() {
    Charts.render(
        "gateway",
        "kubefuncs",
        "kubefuncs",
        Charts.values(
            "config:\n  routes:\n    /reports/: {topic: reports, timeout: 2m}\n    /events/: {topic: events, async: true}\n"));
    assertThatThrownBy(
            () ->
                Charts.render(
                    "gateway",
                    "kubefuncs",
                    "kubefuncs",
                    Charts.values("config:\n  route:\n    /x/: x\n")))
        .hasMessageContaining("- at '/config': additional properties 'route' not allowed");
    assertThatThrownBy(
            () ->
                Charts.render(
                    "gateway",
                    "kubefuncs",
                    "kubefuncs",
                    Charts.values(
                        "config:\n  routes:\n    /x/: {topic: x, timout: 2s}\n    /y/: {topic: y, timeout: 0s}\n")))
        .hasMessageContaining("additional properties 'timout' not allowed")
        .hasMessageContaining("'0s' does not match pattern");
  }

  @Test
  void badNsqSettingsAreRefused() {
    assertThatThrownBy(
            () ->
                Charts.render(
                    "nsq",
                    "kubefuncs",
                    "kubefuncs",
                    Charts.values(
                        """
            nsqd:
              kind: Deployment
              resources: {request: {cpu: 1}}
            lookupd:
              replicas: 0
            """)))
        .hasMessageContaining("nsq:\n")
        .hasMessageContaining("- at '/nsqd/kind': value must be one of 'DaemonSet', 'StatefulSet'")
        .hasMessageContaining("- at '/nsqd/resources': additional properties 'request' not allowed")
        .hasMessageContaining("- at '/lookupd/replicas': minimum: got 0, want 1");
  }

  @Test
  void theUmbrellaReportsTheSubchartAtFault() {
    assertThatThrownBy(
            () ->
                Charts.render(
                    "kubefuncs",
                    "kubefuncs",
                    "kubefuncs",
                    Charts.values("gateway:\n  replicas: 2\n")))
        .hasMessageContaining("gateway:\n- at '': additional properties 'replicas' not allowed");
    assertThatThrownBy(
            () ->
                Charts.render(
                    "kubefuncs",
                    "kubefuncs",
                    "kubefuncs",
                    Charts.values("gatway:\n  replicaCount: 2\n")))
        .hasMessageContaining("kubefuncs:\n- at '': additional properties 'gatway' not allowed");
  }
}
