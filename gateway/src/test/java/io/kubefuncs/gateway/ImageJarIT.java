package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.Client;
import io.kubefuncs.GatewayResponse;
import io.kubefuncs.testkit.ImageJar;
import io.kubefuncs.testkit.NsqExtension;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar the gateway's image runs, the gateway and its dependencies merged into one, with tracing
 * set up: what the merge could lose, a class or a service provider, fails its start or a request.
 */
class ImageJarIT {
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
      String base = TestGateway.awaitHealthy(gateway, log);
      HttpResponse<String> answer = TestGateway.getUrl(base + "/image-jar/hello");
      assertThat(answer.statusCode()).isEqualTo(200);
      assertThat(answer.body()).isEqualTo("pong\n");
    } finally {
      gateway.destroy();
      assertThat(gateway.waitFor(30, TimeUnit.SECONDS))
          .as("the gateway stopped on SIGTERM")
          .isTrue();
    }
  }
}
