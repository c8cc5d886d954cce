package io.kubefuncs.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * go-nsq, the reference client, against each broker: the program in {@code src/test/go} publishes
 * with PUB, MPUB and DPUB, consumes through nsqlookupd discovery and exits 0 only if every message
 * arrived exactly once, as sent. Go is required: without it the test fails.
 */
class GoNsqInteropTest {
  private static final Path SOURCES =
      Path.of(System.getProperty("conformance.go.sources", "src/test/go"));
  private static final Path BUILD_DIRECTORY =
      Path.of(System.getProperty("conformance.build.dir", "target"));

  private static Path program;

  @ConformanceTest
  void goNsqPublishesAndConsumesThroughLookupd(Broker broker) {
    ExternalProgram.Result result =
        ExternalProgram.run(
            List.of(
                interopProgram().toString(),
                "-nsqd-tcp-address",
                broker.tcpHostPort(),
                "-lookupd-http-address",
                broker.lookupdHttpHostPort(),
                "-topic",
                UniqueNames.topic("go-nsq"),
                "-n",
                "30",
                "-timeout",
                "30s"),
            SOURCES,
            new byte[0],
            Duration.ofSeconds(60));

    assertThat(result.exitCode()).as(result.describe()).isZero();
    assertThat(result.stdout()).as(result.describe()).startsWith("OK: 30 messages");
  }

  /** Built once per run with {@code go build}; Go caches the rest. */
  private static synchronized Path interopProgram() {
    if (program == null) {
      Path go = ExternalProgram.onPath("go", "the go-nsq interop test (it builds src/test/go)");
      Path output = BUILD_DIRECTORY.toAbsolutePath().resolve("go-nsq-interop");
      ExternalProgram.Result build =
          ExternalProgram.run(
              List.of(go.toString(), "build", "-o", output.toString(), "."),
              SOURCES,
              new byte[0],
              Duration.ofMinutes(5));
      assertThat(build.exitCode()).as(build.describe()).isZero();
      program = output;
    }
    return program;
  }
}
