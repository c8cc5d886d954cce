package io.kubefuncs.testkit;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the real NSQ programs. Tests are only meaningful against real nsqd and nsqlookupd, so a
 * missing program is an error that says where it looked and how to install them, never a reason to
 * skip a test silently.
 *
 * <p>Look-up order: the directory in the system property {@value #PROPERTY} (the Kubefuncs build
 * sets it for surefire), then the directory in the environment variable {@value
 * #ENVIRONMENT_VARIABLE}, then the {@code PATH}.
 */
public final class NsqBinaries {
  /**
   * System property naming the directory that holds nsqd, nsqlookupd and the other NSQ programs.
   */
  public static final String PROPERTY = "kubefuncs.nsq.bin";

  /** Environment variable consulted when the system property is not set or lacks the program. */
  public static final String ENVIRONMENT_VARIABLE = "KUBEFUNCS_NSQ_BIN";

  private final String propertyValue;
  private final String environmentValue;
  private final String pathValue;

  /** Takes the three places explicitly so tests can check the failure without global state. */
  NsqBinaries(String propertyValue, String environmentValue, String pathValue) {
    this.propertyValue = propertyValue;
    this.environmentValue = environmentValue;
    this.pathValue = pathValue;
  }

  static NsqBinaries fromEnvironment() {
    return new NsqBinaries(
        System.getProperty(PROPERTY), System.getenv(ENVIRONMENT_VARIABLE), System.getenv("PATH"));
  }

  /**
   * Returns the path of an NSQ program such as {@code "nsqd"}, {@code "to_nsq"} or {@code
   * "nsq_tail"}, so tests can also drive the real NSQ command-line tools.
   *
   * @throws IllegalStateException if it is in none of the places looked in; the message lists them
   *     and says to run {@code scripts/install-nsq}
   */
  public static Path locate(String program) {
    return fromEnvironment().find(program);
  }

  Path find(String program) {
    List<String> looked = new ArrayList<>();

    if (isBlank(propertyValue)) {
      looked.add("system property " + PROPERTY + ": not set");
    } else {
      Path candidate = candidate(propertyValue, program);
      if (isExecutable(candidate)) {
        return candidate;
      }
      looked.add(
          "system property "
              + PROPERTY
              + "="
              + propertyValue
              + ": no executable "
              + (candidate == null ? program : candidate));
    }

    if (isBlank(environmentValue)) {
      looked.add("environment variable " + ENVIRONMENT_VARIABLE + ": not set");
    } else {
      Path candidate = candidate(environmentValue, program);
      if (isExecutable(candidate)) {
        return candidate;
      }
      looked.add(
          "environment variable "
              + ENVIRONMENT_VARIABLE
              + "="
              + environmentValue
              + ": no executable "
              + (candidate == null ? program : candidate));
    }

    if (isBlank(pathValue)) {
      looked.add("PATH: empty");
    } else {
      for (String directory : pathValue.split(File.pathSeparator)) {
        if (directory.isEmpty()) {
          continue;
        }
        Path candidate = candidate(directory, program);
        if (isExecutable(candidate)) {
          return candidate;
        }
      }
      looked.add(
          "PATH=" + pathValue + ": no executable " + program + " in any of these directories");
    }

    StringBuilder message =
        new StringBuilder()
            .append("Cannot find the NSQ program '")
            .append(program)
            .append("' (NSQ v1.3.0 is expected). Looked in, in this order:");
    for (int i = 0; i < looked.size(); i++) {
      message.append("\n  ").append(i + 1).append(". ").append(looked.get(i));
    }
    message
        .append("\nRun scripts/install-nsq from the Kubefuncs repository root: it builds nsqd,")
        .append(" nsqlookupd and the other NSQ v1.3.0 programs into .tools/nsq/bin, which the")
        .append(" Maven build passes to tests as -D")
        .append(PROPERTY)
        .append(".")
        .append(" Otherwise point -D")
        .append(PROPERTY)
        .append(" or ")
        .append(ENVIRONMENT_VARIABLE)
        .append(" at a directory holding them, or put them on the PATH.");
    throw new IllegalStateException(message.toString());
  }

  private static Path candidate(String directory, String program) {
    try {
      return Path.of(directory).resolve(program);
    } catch (InvalidPathException e) {
      return null;
    }
  }

  private static boolean isExecutable(Path candidate) {
    return candidate != null && Files.isRegularFile(candidate) && Files.isExecutable(candidate);
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }
}
