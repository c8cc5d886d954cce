package io.kubefuncs.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The classes a child JVM has initialized so far, from its {@code -Xlog:class+init} file: what work
 * a start has done before it reports ready, which no API of a running JVM tells.
 */
public final class ClassInitLog {
  private static final Pattern INITIALIZING =
      Pattern.compile("Initializing '([^']+)'.* by thread \"([^\"]*)\"");

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
    return initialized(thread -> true);
  }

  /** The binary names of the classes that the thread named {@code thread} initialized so far. */
  public Set<String> initializedBy(String thread) throws IOException {
    return initialized(thread::equals);
  }

  private Set<String> initialized(Predicate<String> byThread) throws IOException {
    try (var lines = Files.lines(file)) {
      return lines
          .map(INITIALIZING::matcher)
          .filter(m -> m.find() && byThread.test(m.group(2)))
          .map(m -> m.group(1).replace('/', '.'))
          .collect(Collectors.toSet());
    }
  }
}
