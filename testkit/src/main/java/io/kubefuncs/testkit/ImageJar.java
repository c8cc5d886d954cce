package io.kubefuncs.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The jar a module's image runs, {@code target/image/NAME.jar}: the module and its dependencies in
 * one jar (maven-shade-plugin), run here alone in a JVM of its own, as the image runs it.
 *
 * <p>The child gets no environment but what it is given and tracing set up: an OTLP endpoint nobody
 * listens on and nothing sampled, so that OpenTelemetry's SDK and exporter, which are found through
 * META-INF/services, are made at the start while nothing is ever sent.
 */
public final class ImageJar {
  private final Path jar;

  private ImageJar(Path jar) {
    this.jar = jar;
  }

  /**
   * The module's {@code target/image/NAME.jar}, relative to the module's folder (where Maven runs
   * its tests).
   *
   * @throws IllegalStateException when it is missing, or has a {@code lib/} beside it that it could
   *     be using instead of what it holds
   */
  public static ImageJar of(String name) {
    Path jar = Path.of("target", "image", name + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar.toAbsolutePath() + " is missing: run mvn package first");
    }
    if (Files.exists(jar.resolveSibling("lib"))) {
      throw new IllegalStateException(jar.resolveSibling("lib") + " should not exist");
    }
    return new ImageJar(jar);
  }

  /** Starts {@code java -jar} on it with {@code args}, its output and errors to {@code log}. */
  public Process start(Map<String, String> env, Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElseThrow());
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    pb.environment().clear();
    try (ClosedPort collector = ClosedPort.reserve()) {
      pb.environment().put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://" + collector.address());
    }
    pb.environment().put("OTEL_TRACES_SAMPLER", "always_off");
    pb.environment().putAll(env);
    return pb.start();
  }
}
