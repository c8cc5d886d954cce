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
 * What bench/function.sh and bench/gateway-footprint.sh measure is what a pod of the function and
 * gateway charts runs: the image's JAVA_TOOL_OPTIONS (its Dockerfile's, which scripts/images puts
 * in the image), under the chart's default memory limit, with the AOT cache that scripts/images
 * trains in /app with the same flags (scripts/lib/aot.sh, which the benchmarks use too).
 */
class ImageJvmFlagsTest {
  private static final Pattern TOOL_OPTIONS =
      Pattern.compile("(?m)^ENV JAVA_TOOL_OPTIONS=\"(.*)\"$");

  @Test
  void theFunctionChartRunsThePongImagesJvmFlagsUnderTheLimitTheBenchmarkAndTheTrainingAssume()
      throws Exception {
    Container c =
        FunctionChartTest.container(
            FunctionChartTest.render(
                Charts.values(
                    "image: {repository: ghcr.io/kubefuncs/pong}\nfunctions:\n- name: test\n")),
            "example-function-test");
    assertThat(c.getArgs()).isNullOrEmpty();
    assertRunsTheImagesFlags(
        c, "examples/pong/Dockerfile", "charts/function/values.yaml", "/app/pong.aot");
  }

  @Test
  void theGatewayChartRunsTheGatewayImagesJvmFlagsUnderTheLimitTheBenchmarkAndTheTrainingAssume()
      throws Exception {
    Container c =
        FunctionChartTest.container(
            Charts.render("gateway", "kubefuncs", "kubefuncs"), "kubefuncs-gateway");
    assertRunsTheImagesFlags(
        c, "gateway/Dockerfile", "charts/gateway/values.yaml", "/app/gateway.aot");
  }

  private static void assertRunsTheImagesFlags(
      Container c, String dockerfile, String values, String cache) throws Exception {
    // Nothing in the pod replaces or adds to the image's flags, nor its java command.
    assertThat(FunctionChartTest.env(c))
        .noneMatch(e -> e.matches("(JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS|_JAVA_OPTIONS)[=<].*"));
    assertThat(c.getCommand()).isNullOrEmpty();

    String image = imageFlags(dockerfile);
    assertThat(image).as("%s's JAVA_TOOL_OPTIONS", dockerfile).contains("-XX:AOTCache=" + cache);
    long limitMiB =
        Quantity.getAmountInBytes(c.getResources().getLimits().get("memory"))
            .divide(BigDecimal.valueOf(1024 * 1024))
            .longValueExact();
    assertThat(bash(". scripts/lib/aot.sh && aot::training_flags " + dockerfile + " " + values))
        .as("the flags of the AOT cache's training run (scripts/images) and of the benchmark")
        .isEqualTo(
            image.replace("-XX:AOTCache=" + cache, "").replaceAll(" +", " ").strip()
                + " -XX:MaxRAM="
                + limitMiB
                + "m");
    assertThat(bash(". scripts/lib/aot.sh && aot::cache " + dockerfile)).isEqualTo(cache);
  }

  private static String imageFlags(String dockerfile) throws IOException {
    // The last one counts, as in the image (scripts/images reads the last stage's ENV lines).
    String last = null;
    Matcher m = TOOL_OPTIONS.matcher(Files.readString(Charts.REPO.resolve(dockerfile)));
    while (m.find()) {
      last = m.group(1);
    }
    assertThat(last).as("an ENV JAVA_TOOL_OPTIONS line in %s", dockerfile).isNotNull();
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
