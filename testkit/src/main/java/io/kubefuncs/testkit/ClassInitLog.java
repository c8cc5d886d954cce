package io.kubefuncs.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The classes a child JVM has initialized so far, from its {@code -Xlog:class+init} file: what work
 * a start has done before it reports ready, which no API of a running JVM tells.
 */
public final class ClassInitLog {
  private static final Pattern INITIALIZING = Pattern.compile("Initializing '([^']+)'");

  private final Path file;

  public ClassInitLog(Path file) {
    this.file = file;
  }

  /** The JVM flag that has a child log to this file. */
  public String jvmFlag() {
    return "-Xlog:class+init=info:file=" + file;
  }

  /** The binary names ({@code a.b.C$D}) of the classes initialized so far. */
  public Set<String> initialized() throws IOException {
    try (var lines = Files.lines(file)) {
      return lines
          .map(INITIALIZING::matcher)
          .filter(Matcher::find)
          .map(m -> m.group(1).replace('/', '.'))
          .collect(Collectors.toSet());
    }
  }
}
