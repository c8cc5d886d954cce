package io.kubefuncs.charts;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What bench/function.sh measures is what a pod of the function chart runs: the pong image's
 * JAVA_TOOL_OPTIONS (examples/pong/Dockerfile, which scripts/images puts in the image), under the
 * chart's default memory limit, with the AOT cache that scripts/images trains in /app with the same
 * flags (scripts/lib/aot.sh, which the benchmark uses too).
 */
class FunctionImageJvmFlagsTest {
  private static final Pattern TOOL_OPTIONS =
      Pattern.compile("(?m)^ENV JAVA_TOOL_OPTIONS=\"(.*)\"$");

  @Test
  void theChartRunsTheImagesJvmFlagsUnderTheMemoryLimitTheBenchmarkAndTheTrainingRunAssume()
      throws Exception {
    Container c =
        FunctionChartTest.container(
            FunctionChartTest.render(
                Charts.values(
                    "image: {repository: ghcr.io/kubefuncs/pong}\nfunctions:\n- name: test\n")),
            "example-function-test");
    // Nothing in the pod replaces or adds to the image's flags.
    assertThat(FunctionChartTest.env(c))
        .noneMatch(e -> e.matches("(JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS|_JAVA_OPTIONS)[=<].*"));
    assertThat(c.getCommand()).isNullOrEmpty();
    assertThat(c.getArgs()).isNullOrEmpty();

    String image = imageFlags();
    assertThat(image)
        .as("the pong image's JAVA_TOOL_OPTIONS")
        .contains("-XX:AOTCache=/app/pong.aot");
    long limitMiB =
        Quantity.getAmountInBytes(c.getResources().getLimits().get("memory"))
            .divide(BigDecimal.valueOf(1024 * 1024))
            .longValueExact();
    assertThat(
            bash(
                ". scripts/lib/aot.sh && aot::training_flags examples/pong/Dockerfile charts/function/values.yaml"))
        .as("the flags of the AOT cache's training run (scripts/images) and of bench/function.sh")
        .isEqualTo(
            image.replace("-XX:AOTCache=/app/pong.aot", "").replaceAll(" +", " ").strip()
                + " -XX:MaxRAM="
                + limitMiB
                + "m");
    assertThat(bash(". scripts/lib/aot.sh && aot::cache examples/pong/Dockerfile"))
        .isEqualTo("/app/pong.aot");
  }

  private static String imageFlags() throws IOException {
    // The last one counts, as in the image (scripts/images reads the last stage's ENV lines).
    String last = null;
    Matcher m =
        TOOL_OPTIONS.matcher(Files.readString(Charts.REPO.resolve("examples/pong/Dockerfile")));
    while (m.find()) {
      last = m.group(1);
    }
    assertThat(last).as("an ENV JAVA_TOOL_OPTIONS line in examples/pong/Dockerfile").isNotNull();
    return last;
  }

  private static String bash(String script) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("bash", "-c", script)
            .directory(Charts.REPO.toFile())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8).strip();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}
