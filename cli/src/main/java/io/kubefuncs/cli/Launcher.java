package io.kubefuncs.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * How to run this command again, for the hints that name it: {@code kubefuncs} only when that is
 * what the PATH finds.
 */
final class Launcher {
  /** Set by the launcher script to its own path. */
  static final String ENV = "KUBEFUNCS_LAUNCHER";

  private Launcher() {}

  static String command() {
    return command(System.getenv());
  }

  static String command(Map<String, String> env) {
    String launcher = env.get(ENV);
    if (launcher == null || launcher.isBlank()) {
      return "kubefuncs";
    }
    for (String dir : env.getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path onPath = Path.of(dir.isEmpty() ? "." : dir, "kubefuncs");
      if (Files.isExecutable(onPath)) {
        return sameFile(onPath, Path.of(launcher)) ? "kubefuncs" : launcher;
      }
    }
    return launcher;
  }

  private static boolean sameFile(Path a, Path b) {
    try {
      return Files.isSameFile(a, b);
    } catch (IOException e) {
      return false;
    }
  }
}
