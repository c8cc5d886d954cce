package io.kubefuncs.charts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An image built by the documented commands carries the tag the charts run by default (their
 * appVersion): the Maven property kubefuncs.image.tag that Jib tags with, and the `docker build -t`
 * of each Dockerfile. scripts/images reads the tag from Chart.yaml itself.
 */
class ImageTagTest {
  /** Built from Go by their Dockerfiles alone: no Jib. */
  private static final List<String> GO_IMAGES =
      List.of("examples/go-pong/Dockerfile", "nsq-auth/Dockerfile");

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "gateway/Dockerfile, ghcr.io/kubefuncs/gateway, gateway",
    "examples/pong/Dockerfile, ghcr.io/kubefuncs/pong, function",
    "examples/go-pong/Dockerfile, ghcr.io/kubefuncs/go-pong, function",
    "nsq-auth/Dockerfile, ghcr.io/kubefuncs/nsq-auth, function",
  })
  void imagesAreTaggedWithTheChartsAppVersion(String dockerfile, String image, String chart)
      throws IOException {
    String appVersion = appVersion(chart);

    assertThat(Files.readString(Charts.REPO.resolve(dockerfile)))
        .as("the docker build command in %s", dockerfile)
        .contains("-t " + image + ":" + appVersion + " ");
    if (!GO_IMAGES.contains(dockerfile)) {
      assertThat(System.getProperty("kubefuncs.image.tag"))
          .as("kubefuncs.image.tag in pom.xml, the tag Jib gives %s", image)
          .isEqualTo(appVersion);
    }
  }

  /**
   * The nsq chart's appVersion is NSQ's, so the nsq-auth server's tag is a value of its own; it
   * must be the Kubefuncs release that scripts/images tags nsq-auth with (the function chart's).
   */
  @Test
  void theNsqChartRunsTheNsqAuthTagTheImagesAreBuiltWith() throws IOException {
    assertThat(
            StrictYaml.MAPPER
                .readTree(Charts.DIR.resolve("nsq").resolve("values.yaml").toFile())
                .path("auth")
                .path("image")
                .path("tag")
                .asText())
        .as("auth.image.tag in charts/nsq/values.yaml")
        .isEqualTo(appVersion("function"));
  }

  private static String appVersion(String chart) throws IOException {
    return StrictYaml.MAPPER
        .readTree(Charts.DIR.resolve(chart).resolve("Chart.yaml").toFile())
        .path("appVersion")
        .asText();
  }
}
