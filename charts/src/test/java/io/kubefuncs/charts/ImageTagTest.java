package io.kubefuncs.charts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An image built by the documented commands carries the tag the charts run by default (their
 * appVersion): the Maven property kubefuncs.image.tag that Jib tags with, and the `docker build
 * -t` of each Dockerfile. scripts/images reads the tag from Chart.yaml itself.
 */
class ImageTagTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "gateway/Dockerfile, ghcr.io/kubefuncs/gateway, gateway",
    "examples/pong/Dockerfile, ghcr.io/kubefuncs/pong, function",
    "examples/go-pong/Dockerfile, ghcr.io/kubefuncs/go-pong, function",
  })
  void imagesAreTaggedWithTheChartsAppVersion(String dockerfile, String image, String chart) throws IOException {
    String appVersion = StrictYaml.MAPPER.readTree(Charts.DIR.resolve(chart).resolve("Chart.yaml").toFile())
        .path("appVersion").asText();

    assertThat(Files.readString(Charts.REPO.resolve(dockerfile)))
        .as("the docker build command in %s", dockerfile)
        .contains("-t " + image + ":" + appVersion + " ");
    if (!dockerfile.contains("go-pong")) {
      assertThat(System.getProperty("kubefuncs.image.tag"))
          .as("kubefuncs.image.tag in pom.xml, the tag Jib gives %s", image)
          .isEqualTo(appVersion);
    }
  }
}
