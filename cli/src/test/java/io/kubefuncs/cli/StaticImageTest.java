package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image tar of a Go function, read back by the system's tar (GNU tar checks every header's
 * checksum): what a docker-archive loader needs, a layer whose digest is the config's diff_id, and
 * the same bytes for the same binary.
 */
class StaticImageTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] BINARY =
      "\u007fELF not really a binary, but bytes all the same".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;

  @Test
  void isADockerArchiveOfOneLayerWithTheBinaryItsUserAndTmp() throws Exception {
    StaticImage image = new StaticImage("hello", BINARY, "amd64");
    Path tar = dir.resolve("image.tar");
    image.write(tar, "kubefuncs.local/hello:" + image.tag());

    Path out = Files.createDirectories(dir.resolve("out"));
    assertThat(run("tar", "-xf", tar.toString(), "-C", out.toString())).isZero();
    JsonNode manifest = JSON.readTree(out.resolve("manifest.json").toFile()).get(0);
    assertThat(manifest.path("RepoTags").get(0).asText())
        .isEqualTo("kubefuncs.local/hello:" + image.tag());
    Path config = out.resolve(manifest.path("Config").asText());
    assertThat(sha256(config)).startsWith(image.tag());
    JsonNode c = JSON.readTree(config.toFile());
    assertThat(c.path("config").path("Entrypoint").toString()).isEqualTo("[\"/hello\"]");
    assertThat(c.path("config").path("User").asText()).isEqualTo("65532:65532");
    assertThat(c.path("architecture").asText()).isEqualTo("amd64");
    Path layer = out.resolve(manifest.path("Layers").get(0).asText());
    assertThat("sha256:" + sha256(layer))
        .isEqualTo(c.path("rootfs").path("diff_ids").get(0).asText());

    Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
    assertThat(run("tar", "-xf", layer.toString(), "-C", rootfs.toString())).isZero();
    assertThat(rootfs.resolve("hello")).hasBinaryContent(BINARY).isExecutable();
    assertThat(rootfs.resolve("etc/passwd")).content().contains(":65532:65532:");
    assertThat(Files.getAttribute(rootfs.resolve("tmp"), "unix:mode")).isEqualTo(041777);
  }

  @Test
  void theSameBinaryIsTheSameImageAndAnotherIsAnother() throws Exception {
    StaticImage once = new StaticImage("hello", BINARY, "amd64");
    StaticImage again = new StaticImage("hello", BINARY.clone(), "amd64");
    once.write(dir.resolve("a.tar"), "x:1");
    again.write(dir.resolve("b.tar"), "x:1");

    assertThat(again.tag()).isEqualTo(once.tag());
    assertThat(dir.resolve("b.tar")).hasSameBinaryContentAs(dir.resolve("a.tar"));
    assertThat(new StaticImage("hello", "other".getBytes(StandardCharsets.UTF_8), "amd64").tag())
        .isNotEqualTo(once.tag());
  }

  private static int run(String... command) throws Exception {
    return new ProcessBuilder(List.of(command)).inheritIO().start().waitFor();
  }

  private static String sha256(Path file) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
