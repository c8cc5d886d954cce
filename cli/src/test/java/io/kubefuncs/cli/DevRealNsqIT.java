package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.testkit.NsqCluster;
import io.kubefuncs.testkit.NsqExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The same functions file against real nsqd and nsqlookupd instead of the dev broker. */
class DevRealNsqIT {
  @RegisterExtension static final NsqExtension NSQ = NsqExtension.cluster(1, 1);

  @TempDir Path dir;

  @Test
  void withNsqdAndLookupdTheFunctionsAndGatewayUseRealNsq() throws Exception {
    Files.writeString(
        dir.resolve("functions.yaml"),
        "functions:\n- name: test\n  local: {command: [java, -jar, %s]}\n"
            .formatted(Repo.ROOT.resolve("examples/pong/target/pong.jar")));
    NsqCluster nsq = NSQ.nsqCluster();
    int port = Ports.free();
    try (KubefuncsProcess dev =
        KubefuncsProcess.start(
            dir,
            "dev",
            "--listen-addr",
            "127.0.0.1:" + port,
            "--dashboard-addr",
            "127.0.0.1:0",
            "--nsqd",
            nsq.nsqds().get(0).tcpAddress(),
            "--lookupd",
            nsq.lookupds().get(0).httpAddress())) {
      String ready = dev.awaitOut(line -> line.startsWith("ready in"), Duration.ofSeconds(60));

      assertThat(ready).as(dev.toString()).doesNotContain("not healthy");
      assertThat(dev.out())
          .anySatisfy(line -> assertThat(line).contains("nsqd " + nsq.nsqds().get(0).tcpAddress()))
          .noneSatisfy(line -> assertThat(line).contains("dev broker", "in memory"));
      HttpResponse<String> answer =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/test/hello"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(answer.body()).isEqualTo("pong\n");
      assertThat(dev.terminate(Duration.ofSeconds(60))).isZero();
    }
  }
}
