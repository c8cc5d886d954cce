package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.testkit.ChildLog;
import io.kubefuncs.testkit.NsqCluster;
import io.kubefuncs.testkit.NsqExtension;
import io.kubefuncs.testkit.NsqdProcess;
import io.kubefuncs.testkit.RuntimeContract;
import io.kubefuncs.testkit.TestClassPath;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A fresh install, with real nsqd and nsqlookupd and the function in a JVM of its own started by
 * {@link io.kubefuncs.Kubefuncs#run}: the first request sent through the gateway the moment both
 * report ready (their /healthz 200) is answered within 2 s, whichever starts first. The function is
 * ready only once its own nsqd has its topic and channel, and the gateway creates its routes'
 * topics on its nsqd, which registers them with nsqlookupd, so a function on another nsqd finds
 * that one at its first lookup. The one case that waits longer is a function on another nsqd
 * started before the gateway: it learns of the gateway's nsqd at its next lookup, within the 5 s
 * interval plus 30% jitter (docs/nsq-client.md).
 */
class FirstRequestTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.cluster(1, 2);
  private static final AtomicInteger RUN = new AtomicInteger();
  private static final Pattern CONSUMING = Pattern.compile("consuming \\S+; health on :(\\d+)");

  @TempDir Path dir;
  private Process function;

  @AfterEach
  void stopFunction() throws InterruptedException {
    if (function != null && function.isAlive()) {
      function.destroyForcibly();
      function.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @ParameterizedTest(
      name = "{0} first, function on nsqd {1} of the gateway''s 0: answered within {2} ms")
  @CsvSource({
    "gateway,  0, 2000",
    "function, 0, 2000",
    "gateway,  1, 2000",
    // The function's next lookup: 5 s and up to 30% jitter, plus the answer.
    "function, 1, 8000",
  })
  void theFirstRequestIsAnsweredWithin(String first, int functionNsqd, long withinMillis)
      throws Exception {
    NsqCluster cluster = nsq.nsqCluster();
    NsqdProcess gatewayNsqd = cluster.nsqds().get(0);
    NsqdProcess ownNsqd = cluster.nsqds().get(functionNsqd);
    String topic = "first-" + RUN.incrementAndGet();
    TestGateway.Builder gatewayBuilder =
        TestGateway.builder(gatewayNsqd.tcpAddress())
            .nsqdHttp(gatewayNsqd.httpAddress())
            .lookupds(cluster.lookupdHttpAddresses())
            .id("gw-" + topic)
            .routes("routes:\n  /first/: {topic: " + topic + ", timeout: 20s}\n");
    TestGateway gateway = null;
    try {
      if (first.equals("gateway")) {
        gateway = gatewayBuilder.start().awaitHealthy();
        startFunction(topic, ownNsqd, cluster);
        awaitReady();
      } else {
        startFunction(topic, ownNsqd, cluster);
        awaitReady();
        gateway = gatewayBuilder.start().awaitHealthy();
      }

      long start = System.nanoTime();
      var r = gateway.get("/first/hello");
      long millis = (System.nanoTime() - start) / 1_000_000;

      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("hello /first/hello");
      System.out.printf(
          "first request, %s first, function on nsqd %d: answered in %d ms%n",
          first, functionNsqd, millis);
      assertThat(millis).as("first request answered in %d ms", millis).isLessThan(withinMillis);
    } finally {
      if (gateway != null) {
        gateway.close();
      }
    }
  }

  private void startFunction(String topic, NsqdProcess nsqd, NsqCluster cluster)
      throws IOException {
    String java = ProcessHandle.current().info().command().orElseThrow();
    ProcessBuilder pb =
        new ProcessBuilder(
            java,
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-cp",
            TestClassPath.of(GreeterFunctionMain.class),
            GreeterFunctionMain.class.getName());
    pb.environment().keySet().removeIf(RuntimeContract.load()::declares);
    String lookupd = cluster.lookupdHttpAddresses().get(0);
    pb.environment().put("TOPIC", topic);
    pb.environment().put("NSQ_NSQD_ADDR", nsqd.host());
    pb.environment().put("NSQ_NSQD_PORT", String.valueOf(nsqd.tcpPort()));
    pb.environment().put("NSQ_LOOKUPD_ADDR", lookupd.substring(0, lookupd.lastIndexOf(':')));
    pb.environment().put("NSQ_LOOKUPD_PORT", lookupd.substring(lookupd.lastIndexOf(':') + 1));
    pb.environment().put("HEALTHZ_ADDR", "127.0.0.1:0");
    Path log = dir.resolve("function.log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    function = pb.start();
  }

  /**
   * Waits for the function's "consuming ...; health on :PORT" line, then polls that /healthz every
   * 10 ms, as a readiness probe would at its fastest.
   */
  private void awaitReady() {
    String port =
        new ChildLog(function, dir.resolve("function.log"))
            .await(CONSUMING, Duration.ofSeconds(30));
    HttpRequest probe =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
            .timeout(Duration.ofSeconds(1))
            .GET()
            .build();
    await("the function's /healthz 200")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(10))
        .ignoreExceptions()
        .until(() -> TestGateway.send(probe).statusCode() == 200);
  }
}
