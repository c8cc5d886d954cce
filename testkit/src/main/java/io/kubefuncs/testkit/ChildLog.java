package io.kubefuncs.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The log file of a child process, read while the child writes it: for what a child tells only in
 * its log, such as the port it listens on when given port 0 (a function's {@code health on :PORT},
 * the gateway's {@code gateway listening on HOST:PORT}). A port found free before the child starts
 * is no port to give it: anything on the machine may be handed that port before the child listens
 * on it.
 */
public final class ChildLog {
  private final Process process;
  private final Path file;

  /** The log {@code file} that {@code process} writes (its output redirected there). */
  public ChildLog(Process process, Path file) {
    this.process = process;
    this.file = file;
  }

  /**
   * The first group of the first match of {@code pattern} in the log, once the child has written
   * one.
   *
   * @throws IllegalStateException if the child exits or {@code timeout} passes first; the message
   *     has the log
   */
  public String await(Pattern pattern, Duration timeout) {
    String[] found = new String[1];
    boolean matched =
        Poll.until(
            timeout,
            () -> {
              // Read before asking whether it is alive: a child that wrote the line and then
              // exited has still written it.
              boolean alive = process.isAlive();
              Matcher m = pattern.matcher(read());
              if (m.find()) {
                found[0] = m.group(1);
                return true;
              }
              if (!alive) {
                throw new IllegalStateException(
                    "the child exited "
                        + process.exitValue()
                        + " without logging /"
                        + pattern
                        + "/; its log:\n"
                        + read());
              }
              return false;
            });
    if (!matched) {
      throw new IllegalStateException(
          "no line matching /" + pattern + "/ in " + timeout + "; the child's log:\n" + read());
    }
    return found[0];
  }

  private String read() {
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      return "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
