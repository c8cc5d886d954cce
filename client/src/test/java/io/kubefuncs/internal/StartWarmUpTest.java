package io.kubefuncs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.testkit.ClassInitLog;
import io.kubefuncs.testkit.TestClassPath;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The warm-up, alone in a fresh JVM, initializes on its own thread what a start's first NSQ
 * connection and its first event would otherwise initialize on theirs. A function's or the
 * gateway's own start races its threads against the warm-up's, so it is checked here on its own.
 */
class StartWarmUpTest {
  @TempDir Path dir;

  @Test
  void initializesJsonParsingAndProtobufsDescriptorsOnItsOwnThread() throws Exception {
    ClassInitLog log = new ClassInitLog(dir.resolve("class-init.log"));
    Process child =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElseThrow(),
                log.jvmFlag(),
                "-cp",
                TestClassPath.of(WarmUpOnly.class),
                WarmUpOnly.class.getName())
            .redirectOutput(dir.resolve("out").toFile())
            .redirectError(dir.resolve("err").toFile())
            .start();
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child has exited").isTrue();
    assertThat(child.exitValue()).isZero();

    assertThat(log.initializedBy("kubefuncs-warm-up"))
        .contains(
            "java.math.BigDecimal",
            "com.fasterxml.jackson.core.base.ParserMinimalBase",
            "io.kubefuncs.proto.KubefuncsProto",
            "io.kubefuncs.proto.Event$MetadataDefaultEntryHolder",
            "io.kubefuncs.proto.HTTPRequest$HeadersDefaultEntryHolder",
            "io.kubefuncs.proto.HTTPResponse$HeadersDefaultEntryHolder");
  }

  /** Runs the warm-up and nothing else. */
  public static final class WarmUpOnly {
    public static void main(String[] args) {
      StartWarmUp.forFunction().await();
    }
  }
}
