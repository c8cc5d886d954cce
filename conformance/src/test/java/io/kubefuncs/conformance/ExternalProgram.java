package io.kubefuncs.conformance;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program (the Go toolchain, go-nsq's interop program, NSQ's command-line tools) to
 * completion within a deadline. Its output goes to files rather than pipes, so that a chatty
 * program can never block on a full pipe, and is kept for the failure message.
 */
final class ExternalProgram {
  record Result(String command, int exitCode, String stdout, String stderr) {
    /** The command, its exit code and its output, for assertion messages. */
    String describe() {
      return command + " exited with " + exitCode + transcript(stdout, stderr);
    }
  }

  private ExternalProgram() {}

  static Result run(List<String> command, Path directory, byte[] stdin, Duration timeout) {
    String commandLine = String.join(" ", command);
    Path stdout = null;
    Path stderr = null;
    try {
      stdout = Files.createTempFile("conformance-", ".out");
      stderr = Files.createTempFile("conformance-", ".err");
      Process process =
          new ProcessBuilder(command)
              .directory(directory.toFile())
              .redirectOutput(stdout.toFile())
              .redirectError(stderr.toFile())
              .start();
      try (OutputStream in = process.getOutputStream()) {
        in.write(stdin);
      }
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
        throw new AssertionError(
            commandLine
                + " did not finish within "
                + timeout.toMillis()
                + " ms and was killed"
                + transcript(read(stdout), read(stderr)));
      }
      return new Result(commandLine, process.exitValue(), read(stdout), read(stderr));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + commandLine, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + commandLine, e);
    } finally {
      deleteQuietly(stdout);
      deleteQuietly(stderr);
    }
  }

  /**
   * The path of {@code program} on the {@code PATH}.
   *
   * @throws AssertionError naming the program and why it is needed, if it is not there
   */
  static Path onPath(String program, String neededFor) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String directory : path.split(File.pathSeparator)) {
      if (!directory.isEmpty()) {
        Path candidate = Path.of(directory, program);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    throw new AssertionError(
        "'"
            + program
            + "' is not on the PATH ("
            + path
            + "), and "
            + neededFor
            + " needs it; install it and run again. This test is never skipped.");
  }

  private static String transcript(String stdout, String stderr) {
    return "\n--- stdout:\n" + stdout + "\n--- stderr:\n" + stderr;
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // a temporary file left behind is harmless
      }
    }
  }
}
