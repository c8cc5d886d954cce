package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubefuncs.gateway.Route;
import io.kubefuncs.gateway.RoutesFile;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * status/ holds what kubectl returned on a real cluster after {@code kubefuncs deploy} of a project
 * made by {@code kubefuncs init hello}, with the kubefuncs chart in namespace kf-deploy: the
 * function chart's Deployments and pods, nsqd's /stats (through the pod proxy) and the gateway's
 * routes.yaml.
 */
class InstallationStatusTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final InstallationStatus.Nsq NSQ =
      new InstallationStatus.Nsq("kubefuncs", "kf-deploy");

  @TempDir Path dir;

  @Test
  void findsTheKubefuncsReleaseTheFunctionsUse() throws Exception {
    assertThat(InstallationStatus.nsqOf(read("deployments.json"))).isEqualTo(NSQ);
    assertThat(InstallationStatus.nsqOf(JSON.readTree("{\"items\": []}"))).isNull();
  }

  @Test
  void showsEachFunctionWithItsReplicasImageRoutesAndQueue() throws Exception {
    InstallationStatus status = status(List.of(read("nsqd-stats.json")));

    assertThat(status.functions())
        .containsExactly(
            new InstallationStatus.Function(
                "hello",
                "hello",
                1,
                1,
                0,
                "kubefuncs.local/hello:5aeb2a8ef5b0",
                "hello",
                "default",
                0L,
                0L,
                0L,
                List.of("/hello/")));
    assertThat(status.routes())
        .containsExactly(
            new InstallationStatus.RouteRow("/hello/", "hello", false, List.of("hello")),
            new InstallationStatus.RouteRow("/test/", "test", false, List.of()));
    assertThat(status.table())
        .isEqualTo(
            """
        namespace kf-deploy, NSQ and gateway of release kubefuncs in namespace kf-deploy (1 nsqd)
        FUNCTION  RELEASE  READY  RESTARTS  TOPIC/CHANNEL  DEPTH  IN FLIGHT  REQUEUED  ROUTES   IMAGE
        hello     hello    1/1    0         hello/default  0      0          0         /hello/  kubefuncs.local/hello:5aeb2a8ef5b0

        ROUTE    TOPIC  FUNCTIONS
        /hello/  hello  hello
        /test/   test   none in kf-deploy
        """);
  }

  @Test
  void sumsTheFunctionsChannelOverEveryNsqdAndNoOtherChannel() throws Exception {
    JsonNode first = read("nsqd-stats.json");
    JsonNode second = read("nsqd-stats.json");
    JsonNode topic = second.path("topics").get(0);
    ObjectNode busy = (ObjectNode) topic.path("channels").get(0);
    busy.put("depth", 7).put("in_flight_count", 2).put("requeue_count", 3);
    ((ArrayNode) topic.path("channels"))
        .addObject()
        .put("channel_name", "audit")
        .put("depth", 1000)
        .put("in_flight_count", 1000)
        .put("requeue_count", 1000);

    InstallationStatus.Function hello = status(List.of(first, second)).functions().get(0);

    assertThat(List.of(hello.depth(), hello.inFlight(), hello.requeued()))
        .containsExactly(7L, 2L, 3L);
  }

  @Test
  void withoutAnAnsweringNsqdTheQueueIsUnknownNotZero() throws Exception {
    InstallationStatus status = status(List.of());

    assertThat(status.functions().get(0).depth()).isNull();
    assertThat(status.table()).contains("hello/default  ?      ?          ?");
    JsonNode json = JSON.readTree(status.json());
    assertThat(json.path("functions").get(0).path("depth").isNull()).isTrue();
    assertThat(json.path("kubefuncs").path("nsqds").asInt()).isZero();
  }

  @Test
  void jsonHasTheSameAsTheTable() throws Exception {
    JsonNode json = JSON.readTree(status(List.of(read("nsqd-stats.json"))).json());

    JsonNode hello = json.path("functions").get(0);
    assertThat(hello.path("ready").asInt()).isEqualTo(1);
    assertThat(hello.path("replicas").asInt()).isEqualTo(1);
    assertThat(hello.path("image").asText()).isEqualTo("kubefuncs.local/hello:5aeb2a8ef5b0");
    assertThat(hello.path("routes").get(0).asText()).isEqualTo("/hello/");
    assertThat(hello.path("depth").asLong()).isZero();
    assertThat(json.path("routes").get(1).path("functions").isEmpty()).isTrue();
    assertThat(json.path("kubefuncs").path("namespace").asText()).isEqualTo("kf-deploy");
  }

  @Test
  void noFunctionsSaysSo() throws Exception {
    InstallationStatus status =
        InstallationStatus.of(
            "empty",
            NSQ,
            JSON.readTree("{\"items\": []}"),
            JSON.readTree("{\"items\": []}"),
            List.of(),
            List.of());

    assertThat(status.table())
        .contains("no functions (Deployments of the function chart) in namespace empty")
        .contains(
            "no gateway routes found (no gateway of release kubefuncs in namespace kf-deploy)");
  }

  private InstallationStatus status(List<JsonNode> nsqdStats) throws Exception {
    Path routes = dir.resolve("routes.yaml");
    try (InputStream in = InstallationStatusTest.class.getResourceAsStream("status/routes.yaml")) {
      Files.write(routes, in.readAllBytes());
    }
    List<Route> all = RoutesFile.read(routes, RoutesSource.DEFAULT_TIMEOUT).all();
    return InstallationStatus.of(
        "kf-deploy", NSQ, read("deployments.json"), read("pods.json"), all, nsqdStats);
  }

  private static JsonNode read(String name) throws Exception {
    try (InputStream in = InstallationStatusTest.class.getResourceAsStream("status/" + name)) {
      return JSON.readTree(in);
    }
  }
}
