package io.kubefuncs.cli;

import java.nio.file.Path;

/** The repository this build runs in (set by the build), where functions.yaml and examples/ are. */
final class Repo {
  static final Path ROOT =
      Path.of(System.getProperty("kubefuncs.repo", "..")).toAbsolutePath().normalize();

  private Repo() {}
}
