package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubefuncs.testkit.ClassInitLog;
import io.kubefuncs.testkit.NsqExtension;
import io.kubefuncs.testkit.NsqdProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A function in a child JVM reports ready (its /healthz 200) only after protobuf has built what the
 * first event needs: the descriptors of kubefuncs.proto and the default entries of its map fields.
 * Built at the first event instead, they made it wait some 15 ms in a fresh JVM.
 */
class ReadyIsWarmTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  @TempDir Path dir;

  @Test
  void protobufsDescriptorsAreBuiltBeforeHealthzAnswers200() throws Exception {
    NsqdProcess nsqd = nsq.nsqdProcess();
    ClassInitLog log = new ClassInitLog(dir.resolve("class-init.log"));
    Process function =
        SlowFunctionMain.start(
            List.of(log.jvmFlag()),
            Map.of(
                "TOPIC",
                "warm",
                "NSQ_NSQD_ADDR",
                nsqd.host(),
                "NSQ_NSQD_PORT",
                String.valueOf(nsqd.tcpPort()),
                "HEALTHZ_ADDR",
                "127.0.0.1:0"),
            dir.resolve("function.out"),
            dir.resolve("function.err"));
    try (HttpClient http = HttpClient.newHttpClient()) {
      int healthPort = SlowFunctionMain.healthPort(function, dir.resolve("function.err"));
      HttpRequest probe =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + healthPort + "/healthz"))
              .timeout(Duration.ofSeconds(1))
              .build();
      await("the function's /healthz 200")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(10))
          .ignoreExceptions()
          .until(
              () -> http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200);

      assertThat(log.initialized())
          .filteredOn(name -> name.startsWith("io.kubefuncs.proto."))
          .contains(
              "io.kubefuncs.proto.KubefuncsProto",
              "io.kubefuncs.proto.Event$MetadataDefaultEntryHolder",
              "io.kubefuncs.proto.HTTPRequest$HeadersDefaultEntryHolder",
              "io.kubefuncs.proto.HTTPResponse$HeadersDefaultEntryHolder");
    } finally {
      function.destroy();
      function.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
