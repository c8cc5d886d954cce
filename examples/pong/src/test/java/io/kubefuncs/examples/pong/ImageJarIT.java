package io.kubefuncs.examples.pong;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.Client;
import io.kubefuncs.Delivery;
import io.kubefuncs.proto.HTTPRequest;
import io.kubefuncs.proto.HTTPResponse;
import io.kubefuncs.testkit.ChildLog;
import io.kubefuncs.testkit.ClosedPort;
import io.kubefuncs.testkit.NsqExtension;
import io.kubefuncs.testkit.NsqdProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar the image runs (target/image/pong.jar: pong and its dependencies merged into one) on its
 * own, with tracing on: what the merge could lose, a class or a service provider (OpenTelemetry's
 * exporters and propagators are found through META-INF/services), fails its start or its answer.
 */
class ImageJarIT {
  private static final Path IMAGE_JAR = Path.of("target/image/pong.jar");
  private static final Pattern HEALTH_ON = Pattern.compile("health on :(\\d+)");

  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  @TempDir Path dir;

  @Test
  void answersPongWithTracingOnAndNothingElseOnItsClassPath() throws Exception {
    assertThat(IMAGE_JAR).exists();
    assertThat(IMAGE_JAR.resolveSibling("lib")).doesNotExist();
    NsqdProcess nsqd = nsq.nsqdProcess();
    Path stderr = dir.resolve("pong.err");
    Process pong;
    // A collector nobody listens on, and no span sampled: the SDK and its exporter are set up
    // (found through META-INF/services) at the start, but nothing is sent, so that the exporter's
    // retries do not hold up the stop.
    try (ClosedPort collector = ClosedPort.reserve()) {
      ProcessBuilder pb =
          new ProcessBuilder(
              ProcessHandle.current().info().command().orElseThrow(), "-jar", IMAGE_JAR.toString());
      pb.environment().clear();
      pb.environment().putAll(nsqd.functionEnvironment("image-jar"));
      pb.environment().put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://" + collector.address());
      pb.environment().put("OTEL_SERVICE_NAME", "pong");
      pb.environment().put("OTEL_TRACES_SAMPLER", "always_off");
      pong =
          pb.redirectOutput(dir.resolve("pong.out").toFile())
              .redirectError(stderr.toFile())
              .start();
    }
    try (Client client = Client.builder().nsqd(nsqd.tcpAddress()).build()) {
      new ChildLog(pong, stderr).await(HEALTH_ON, Duration.ofSeconds(30));
      Delivery answer =
          client
              .call(
                  "image-jar",
                  HTTPRequest.newBuilder().setMethod("GET").setUrl("/image-jar").build(),
                  Duration.ofSeconds(10))
              .get(30, TimeUnit.SECONDS);
      assertThat(answer.payload(HTTPResponse.class).getBody().toStringUtf8()).isEqualTo("pong\n");
    } finally {
      pong.destroy();
      assertThat(pong.waitFor(30, TimeUnit.SECONDS)).as("pong stopped on SIGTERM").isTrue();
    }
  }
}
