package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.Client;
import io.kubefuncs.GatewayResponse;
import io.kubefuncs.testkit.ChildLog;
import io.kubefuncs.testkit.ImageJar;
import io.kubefuncs.testkit.NsqExtension;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar the gateway's image runs, the gateway and its dependencies merged into one, with tracing
 * set up: what the merge could lose, a class or a service provider, fails its start or a request.
 */
class ImageJarIT {
  private static final Pattern LISTENING = Pattern.compile("gateway listening on \\S*:(\\d+)");

  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  @Test
  void routesARequest(@TempDir Path dir) throws Exception {
    String nsqd = nsq.nsqdProcess().tcpAddress();
    Path routes =
        Files.writeString(dir.resolve("routes.yaml"), "routes:\n  /image-jar/: image-jar\n");
    Path log = dir.resolve("gateway.log");
    Process gateway =
        ImageJar.of("gateway")
            .start(
                Map.of(),
                log,
                "--listen-addr=127.0.0.1:0",
                "--config=" + routes,
                "--nsqd-addr=" + nsqd);
    try (Client function =
        Client.builder().nsqd(nsqd).clientId("fn").registry(new PrometheusRegistry()).build()) {
      function
          .on("image-jar", "default", msg -> msg.respond(GatewayResponse.ok("pong\n")))
          .ready()
          .join();
      int port =
          Integer.parseInt(new ChildLog(gateway, log).await(LISTENING, Duration.ofSeconds(30)));
      String base = "http://127.0.0.1:" + port;
      // It listens before its return topic is subscribed, and answers 503 until then.
      await("the gateway healthy")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> get(base + "/healthz").statusCode() == 200);
      HttpResponse<String> answer = get(base + "/image-jar/hello");
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.body()).isEqualTo("pong\n");
    } finally {
      gateway.destroy();
      assertThat(gateway.waitFor(30, TimeUnit.SECONDS))
          .as("the gateway stopped on SIGTERM")
          .isTrue();
    }
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return TestGateway.HTTP.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(TestGateway.REQUEST_TIMEOUT).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
