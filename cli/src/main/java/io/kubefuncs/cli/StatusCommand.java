package io.kubefuncs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubefuncs.gateway.Route;
import io.kubefuncs.gateway.RoutesFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kubefuncs status}: the functions of a namespace (the function chart's Deployments), the
 * gateway's routes and each function's queue on nsqd. Everything comes through the given kubectl
 * and the API server: nsqd's {@code /stats} through its pod proxy, so that nothing of NSQ needs to
 * be reachable from this machine.
 */
@Command(
    name = "status",
    sortOptions = false,
    description = {
      "Shows the functions of a namespace (ready/desired replicas, restarts, image), the gateway's routes,"
          + " and each function's channel on nsqd (depth, in flight, requeued).",
      "Exit codes: 0 shown, 1 kubectl failed, 2 bad usage or settings."
    })
final class StatusCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Mixin ClusterOptions cluster;

  @Option(
      names = "--kubefuncs-namespace",
      paramLabel = "NAMESPACE",
      description =
          "Where NSQ and the gateway (the kubefuncs chart) are (default: where the functions' NSQ_NSQD_ADDR points, else kubefuncs).")
  String coreNamespace;

  @Option(
      names = "--kubefuncs-release",
      paramLabel = "NAME",
      description =
          "The kubefuncs chart's release (default: from the functions' NSQ_NSQD_ADDR, else kubefuncs).")
  String coreRelease;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      paramLabel = "table|json",
      description = "table (default) or json.")
  String output;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if (!output.equals("table") && !output.equals("json")) {
      throw new InvalidInputException("--output " + output + ": table or json");
    }
    ClusterTools tools = cluster.tools(null);
    String ns = cluster.namespace(tools);
    String selector = InstallationStatus.FUNCTION_SELECTOR;
    JsonNode deployments =
        json(tools.kubectl("get", "deployments", "--namespace", ns, "-l", selector, "-o", "json"));
    JsonNode pods =
        json(tools.kubectl("get", "pods", "--namespace", ns, "-l", selector, "-o", "json"));
    InstallationStatus.Nsq found = InstallationStatus.nsqOf(deployments);
    InstallationStatus.Nsq nsq =
        new InstallationStatus.Nsq(
            coreRelease != null ? coreRelease : found != null ? found.release() : "kubefuncs",
            coreNamespace != null
                ? coreNamespace
                : found != null ? found.namespace() : "kubefuncs");

    InstallationStatus status =
        InstallationStatus.of(
            ns,
            nsq,
            deployments,
            pods,
            routes(tools, nsq.namespace(), nsq.release()),
            nsqdStats(tools, nsq.namespace(), nsq.release()));
    spec.commandLine().getOut().print(output.equals("json") ? status.json() : status.table());
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }

  /**
   * The routes of the gateway's ConfigMap, read as the gateway reads them; none without a gateway.
   */
  private static List<Route> routes(ClusterTools tools, String ns, String release)
      throws Exception {
    JsonNode maps =
        json(
            tools.kubectl(
                "get",
                "configmaps",
                "--namespace",
                ns,
                "-l",
                "app.kubernetes.io/name=gateway,app.kubernetes.io/instance=" + release,
                "-o",
                "json"));
    for (JsonNode map : maps.path("items")) {
      JsonNode routes = map.path("data").path("routes.yaml");
      if (routes.isTextual()) {
        Path file = Files.createTempFile("kubefuncs-routes-", ".yaml");
        try {
          Files.writeString(file, routes.asText());
          return RoutesFile.read(file, RoutesSource.DEFAULT_TIMEOUT).all();
        } catch (RoutesFile.InvalidRoutesException e) {
          throw new StepFailedException(
              "the gateway's ConfigMap "
                  + map.path("metadata").path("name").asText()
                  + " does not hold routes the gateway reads: "
                  + e.getMessage());
        } finally {
          Files.deleteIfExists(file);
        }
      }
    }
    return List.of();
  }

  /** /stats of every running nsqd pod of the release, through the API server's pod proxy. */
  private static List<JsonNode> nsqdStats(ClusterTools tools, String ns, String release)
      throws Exception {
    JsonNode pods =
        json(
            tools.kubectl(
                "get",
                "pods",
                "--namespace",
                ns,
                "-l",
                "app.kubernetes.io/instance=" + release + ",app.kubernetes.io/component=nsqd",
                "-o",
                "json"));
    List<JsonNode> stats = new ArrayList<>();
    for (JsonNode pod : pods.path("items")) {
      if (!pod.path("status").path("phase").asText().equals("Running")) {
        continue;
      }
      int port = 4151;
      for (JsonNode c : pod.path("spec").path("containers")) {
        for (JsonNode p : c.path("ports")) {
          if (p.path("name").asText().equals("http")) {
            port = p.path("containerPort").asInt();
          }
        }
      }
      String name = pod.path("metadata").path("name").asText();
      stats.add(
          json(
              tools.kubectl(
                  "get",
                  "--raw",
                  "/api/v1/namespaces/"
                      + ns
                      + "/pods/"
                      + name
                      + ":"
                      + port
                      + "/proxy/stats?format=json")));
    }
    return stats;
  }

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }
}
