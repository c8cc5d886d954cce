package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hints say `kubefuncs` only when typing that runs this launcher. */
class LauncherTest {
  @TempDir Path dir;

  @Test
  void namesTheLauncherByItsPathUnlessThePathFindsIt() throws IOException {
    Path launcher = executable(dir.resolve("checkout/kubefuncs"));
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path other = executable(dir.resolve("other/kubefuncs"));
    Files.createSymbolicLink(bin.resolve("kubefuncs"), launcher);
    String env = launcher.toString();

    assertThat(Launcher.command(Map.of("PATH", "/usr/bin"))).isEqualTo("kubefuncs");
    assertThat(Launcher.command(Map.of(Launcher.ENV, env, "PATH", "/usr/bin"))).isEqualTo(env);
    assertThat(
            Launcher.command(
                Map.of(Launcher.ENV, env, "PATH", "/usr/bin" + File.pathSeparator + bin)))
        .isEqualTo("kubefuncs");
    assertThat(
            Launcher.command(
                Map.of(Launcher.ENV, env, "PATH", other.getParent() + File.pathSeparator + bin)))
        .isEqualTo(env);
  }

  private static Path executable(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, "#!/bin/sh\n");
    assertThat(file.toFile().setExecutable(true)).isTrue();
    return file;
  }
}
