package io.kubefuncs.examples.pong;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.Client;
import io.kubefuncs.Delivery;
import io.kubefuncs.proto.HTTPRequest;
import io.kubefuncs.proto.HTTPResponse;
import io.kubefuncs.testkit.ChildLog;
import io.kubefuncs.testkit.ImageJar;
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
 * The jar pong's image runs, pong and its dependencies merged into one, with tracing set up: what
 * the merge could lose, a class or a service provider, fails its start or its answer.
 */
class ImageJarIT {
  private static final Pattern HEALTH_ON = Pattern.compile("health on :(\\d+)");

  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  @Test
  void answersPong(@TempDir Path dir) throws Exception {
    NsqdProcess nsqd = nsq.nsqdProcess();
    Path log = dir.resolve("pong.log");
    Process pong = ImageJar.of("pong").start(nsqd.functionEnvironment("image-jar"), log);
    try (Client client = Client.builder().nsqd(nsqd.tcpAddress()).build()) {
      new ChildLog(pong, log).await(HEALTH_ON, Duration.ofSeconds(30));
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
