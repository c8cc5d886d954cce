package io.kubefuncs.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A folder of this command's resources (in kubefuncs.jar, or in target/classes when run from the
 * build) copied whole, for files whose list is the build's business, not the code's: the Maven
 * wrapper and the Go client's sources, taken from the checkout when the jar is built.
 */
final class ResourceTree {
  private ResourceTree() {}

  /**
   * Copies every file under {@code folder}, an absolute resource name like {@code /io/kubefuncs/x},
   * into {@code target}; returns their relative paths, sorted.
   */
  static List<String> copy(String folder, Path target) throws IOException {
    Path code;
    try {
      code =
          Path.of(ResourceTree.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(
          "the kubefuncs command's own location is not a file: " + e.getMessage(), e);
    }
    if (Files.isDirectory(code)) {
      return copy(code.resolve(folder.substring(1)), target);
    }
    try (FileSystem jar = FileSystems.newFileSystem(code)) {
      return copy(jar.getPath(folder), target);
    }
  }

  private static List<String> copy(Path source, Path target) throws IOException {
    if (!Files.isDirectory(source)) {
      throw new IllegalStateException(
          source + " is missing from the kubefuncs command: rebuild it");
    }
    List<String> copied = new ArrayList<>();
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        String relative =
            source.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
        Path to = target.resolve(relative);
        Files.createDirectories(to.getParent());
        Files.copy(file, to, StandardCopyOption.REPLACE_EXISTING);
        copied.add(relative);
      }
    }
    return copied;
  }
}
