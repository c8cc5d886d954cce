package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.StringValue;
import io.kubefuncs.nsq.NsqProducer;
import io.kubefuncs.proto.Event;
import io.kubefuncs.testkit.NsqExtension;
import io.kubefuncs.testkit.NsqdProcess;
import io.kubefuncs.testkit.NsqdStats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Kubefuncs#run} in a real child JVM, as Kubernetes runs it: SIGTERM while 50 events are in
 * hand finishes all of them and exits 0; bad configuration exits 2 with one line naming the
 * variable.
 */
class SigtermDrainTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  @TempDir Path dir;

  private final List<Process> children = new ArrayList<>();

  @AfterEach
  void killLeftovers() throws InterruptedException {
    for (Process p : children) {
      if (p.isAlive()) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private Process startFunction(Map<String, String> env, Path stdout, Path stderr)
      throws IOException {
    Process p =
        SlowFunctionMain.start(
            List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), env, stdout, stderr);
    children.add(p);
    return p;
  }

  @Test
  void sigtermFinishesEveryEventInHandAndExitsZero() throws Exception {
    NsqdProcess nsqd = nsq.nsqdProcess();
    Path done = dir.resolve("done.txt");
    Path stderr = dir.resolve("stderr.txt");
    Map<String, String> env = nsqd.functionEnvironment("resize");
    env.put("KUBEFUNCS_MAX_IN_FLIGHT", "64");
    env.put("DONE_FILE", done.toString());
    Process function = startFunction(env, dir.resolve("stdout.txt"), stderr);

    int healthPort = SlowFunctionMain.healthPort(function, stderr);
    await().atMost(Duration.ofSeconds(20)).until(() -> Probe.healthz(healthPort) == 200);

    List<String> ids = new ArrayList<>();
    List<byte[]> bodies = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Event e = Events.newEvent("resize", "", StringValue.of("image-" + i));
      ids.add(e.getId());
      bodies.add(e.toByteArray());
    }
    try (NsqProducer producer = NsqProducer.create(nsqd.tcpAddress())) {
      producer.multiPublish("resize", bodies).join();
    }
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () ->
                NsqdStats.channel(nsqd.httpUrl(), "resize", "default")
                        .path("in_flight_count")
                        .asLong()
                    == 50);
    assertThat(Files.exists(done)).as("no event finished before SIGTERM").isFalse();

    function.destroy(); // SIGTERM

    assertThat(function.waitFor(30, TimeUnit.SECONDS))
        .as("the function exits after draining")
        .isTrue();
    String log = Files.readString(stderr);
    assertThat(function.exitValue()).as(log).isZero();
    List<String> completed =
        Files.exists(done) ? Files.readAllLines(done, StandardCharsets.UTF_8) : List.of();
    JsonNode channel = NsqdStats.channel(nsqd.httpUrl(), "resize", "default");
    assertThat(completed)
        .as(
            "every event in hand was completed, once; nsqd now has %s; the function logged:%n%s",
            channel, log)
        .hasSize(50)
        .containsExactlyInAnyOrderElementsOf(ids);
    // nsqd may still be reading the last FINs the function sent before it closed; a FIN that was
    // never sent keeps its message in flight until the 60 s msg_timeout, far past this deadline.
    await("nsqd has every event finished: none left queued or in flight")
        .atMost(Duration.ofSeconds(3))
        .untilAsserted(
            () -> {
              JsonNode c = NsqdStats.channel(nsqd.httpUrl(), "resize", "default");
              assertThat(c.path("depth").asLong()).as(c.toString()).isZero();
              assertThat(c.path("in_flight_count").asLong()).as(c.toString()).isZero();
              assertThat(c.path("requeue_count").asLong()).as(c.toString()).isZero();
              assertThat(c.path("timeout_count").asLong()).as(c.toString()).isZero();
              assertThat(c.path("clients").size()).as("the function disconnected").isZero();
            });
  }

  @Test
  void missingTopicExitsTwoWithOneLineNamingIt() throws Exception {
    Path stderr = dir.resolve("stderr.txt");
    Process function =
        startFunction(Map.of("HEALTHZ_ADDR", "127.0.0.1:0"), dir.resolve("stdout.txt"), stderr);

    assertThat(function.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(function.exitValue()).isEqualTo(2);
    List<String> lines =
        Files.readAllLines(stderr, StandardCharsets.UTF_8).stream()
            .filter(l -> !l.isBlank())
            .toList();
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).contains("TOPIC");
  }
}
