package io.kubefuncs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildLogTest {
  private static final Pattern PORT = Pattern.compile("listening on :(\\d+)");

  @TempDir Path dir;

  @Test
  void returnsTheFirstGroupOnceTheChildHasWrittenTheLine() throws Exception {
    Process child = shell("echo starting; sleep 0.2; echo 'listening on :4242'; exec sleep 30");
    try {
      assertThat(new ChildLog(child, dir.resolve("log")).await(PORT, Duration.ofSeconds(10)))
          .isEqualTo("4242");
    } finally {
      child.destroy();
      child.waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aLineWrittenJustBeforeTheChildExitedStillCounts() throws Exception {
    Process child = shell("echo 'listening on :7'");
    child.waitFor(5, TimeUnit.SECONDS);
    assertThat(new ChildLog(child, dir.resolve("log")).await(PORT, Duration.ofSeconds(5)))
        .isEqualTo("7");
  }

  @Test
  void aChildThatExitsWithoutTheLineFailsAtOnceWithItsLog() throws Exception {
    Process child = shell("echo 'port 80 is taken' >&2; exit 2");
    long start = System.nanoTime();
    assertThatThrownBy(
            () -> new ChildLog(child, dir.resolve("log")).await(PORT, Duration.ofSeconds(30)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exited 2")
        .hasMessageContaining("port 80 is taken");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void noLineBeforeTheTimeoutFailsWithTheLog() throws Exception {
    Process child = shell("echo starting; exec sleep 30");
    try {
      assertThatThrownBy(
              () -> new ChildLog(child, dir.resolve("log")).await(PORT, Duration.ofMillis(300)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("PT0.3S")
          .hasMessageContaining("starting");
    } finally {
      child.destroy();
      child.waitFor(5, TimeUnit.SECONDS);
    }
  }

  private Process shell(String script) throws IOException {
    return new ProcessBuilder("/bin/sh", "-c", script)
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("log").toFile())
        .start();
  }
}
