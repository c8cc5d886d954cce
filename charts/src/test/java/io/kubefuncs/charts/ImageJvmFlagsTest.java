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
import java.util.stream.Collectors;
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

  /**
   * Serial GC grows the heap only after a full collection, which the gateway's short-lived garbage
   * never brings: the young generation it starts with is the one it keeps under load, and at the
   * JVM's own size (2.6 MiB in 512 MiB) it collected 50 times a second (bench/README.md, "The young
   * generation").
   */
  @Test
  void theGatewaysYoungGenerationUnderItsChartsLimitIsAtLeast8MiB() throws Exception {
    // The heap's flags only, which every JDK from 21 on takes, as the pod runs them.
    String heapFlags =
        Pattern.compile(" ")
            .splitAsStream(
                bash(
                    ". scripts/lib/aot.sh && aot::training_flags gateway/Dockerfile"
                        + " charts/gateway/values.yaml"))
            .filter(f -> f.matches("-XX:(\\+Use\\w+GC|MaxRAM.*|(Max)?NewSize=.*)|-Xm[sn].*"))
            .collect(Collectors.joining(" "));
    assertThat(heapFlags).contains("-XX:+UseSerialGC").contains("-XX:MaxRAM=");
    String java = ProcessHandle.current().info().command().orElseThrow();
    Matcher newSize =
        Pattern.compile("size_t NewSize\\s+= (\\d+)")
            .matcher(bash(java + " " + heapFlags + " -XX:+PrintFlagsFinal -version"));
    assertThat(newSize.find()).isTrue();
    assertThat(Long.parseLong(newSize.group(1))).as(heapFlags).isGreaterThanOrEqualTo(8L << 20);
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
