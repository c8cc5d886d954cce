package io.kubefuncs.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The kubectl and helm that {@code deploy} and {@code status} use, and the one cluster they reach:
 * the {@code --kubeconfig} given, or else whatever kubectl and helm read themselves ({@code
 * KUBECONFIG}, {@code ~/.kube/config}). No other file is ever guessed.
 *
 * @param helm null for a command that does not run helm
 * @param kubeconfig the {@code --kubeconfig} file, or null for the tools' own default
 */
record ClusterTools(Path kubectl, Path helm, Path kubeconfig) {
  /**
   * The tools named by flags: a name without a slash is looked up on the {@code PATH}. A tool that
   * is not there, or a kubeconfig that does not exist, is an {@link InvalidInputException} naming
   * the flag that fixes it.
   *
   * @param helm null for a command that does not run helm
   */
  static ClusterTools of(String kubectl, String helm, Path kubeconfig) {
    if (kubeconfig != null && !Files.isRegularFile(kubeconfig)) {
      throw new InvalidInputException("--kubeconfig " + kubeconfig + ": no such file");
    }
    Path helmPath = helm == null ? null : executable(helm, "helm", "--helm");
    return new ClusterTools(
        executable(kubectl, "kubectl", "--kubectl"),
        helmPath,
        kubeconfig == null ? null : kubeconfig.toAbsolutePath());
  }

  /**
   * The program {@code name} (a path, or looked up on the {@code PATH}); {@code flag} names it
   * otherwise.
   */
  static Path executable(String name, String tool, String flag) {
    if (name.contains(File.separator)) {
      Path p = Path.of(name);
      if (!Files.isExecutable(p)) {
        throw new InvalidInputException(
            flag + ": " + name + ": no such program (or not executable)");
      }
      return p.toAbsolutePath();
    }
    String path = System.getenv("PATH");
    for (String dir : path == null ? new String[0] : path.split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isExecutable(p) && !Files.isDirectory(p)) {
        return p;
      }
    }
    throw new InvalidInputException(
        tool + " not found on the PATH: install it, or name it with " + flag + " PATH");
  }

  /** {@code kubectl ARGS}, with {@link #kubeconfig}. */
  List<String> kubectlCommand(List<String> args) {
    return command(kubectl, args);
  }

  /** {@code helm ARGS}, with {@link #kubeconfig}. */
  List<String> helmCommand(List<String> args) {
    return command(helm, args);
  }

  private List<String> command(Path tool, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(tool.toString());
    if (kubeconfig != null) {
      command.add("--kubeconfig");
      command.add(kubeconfig.toString());
    }
    command.addAll(args);
    return command;
  }

  /** Runs kubectl; its standard output. */
  String kubectl(String... args) {
    return run(kubectlCommand(List.of(args)), null);
  }

  /**
   * The namespace of the kubeconfig's current context, as kubectl and helm use it when none is
   * given.
   */
  String currentNamespace() {
    String ns = kubectl("config", "view", "--minify", "--output", "jsonpath={..namespace}").strip();
    return ns.isEmpty() ? "default" : ns;
  }

  /**
   * Runs {@code command} in {@code dir} (null: here) to its end, and returns its standard output. A
   * failure is a {@link StepFailedException} with what the command said (its standard error, then
   * its output): kubectl and helm say what went wrong in a line or two.
   */
  static String run(List<String> command, Path dir) {
    try {
      Path out = Files.createTempFile("kubefuncs-", ".out");
      Path err = Files.createTempFile("kubefuncs-", ".err");
      try {
        ProcessBuilder pb =
            new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        if (dir != null) {
          pb.directory(dir.toFile());
        }
        int code = pb.start().waitFor();
        String output = Files.readString(out, StandardCharsets.UTF_8);
        if (code != 0) {
          String said = (Files.readString(err, StandardCharsets.UTF_8) + "\n" + output).strip();
          throw new StepFailedException(
              String.join(" ", command)
                  + " failed with code "
                  + code
                  + (said.isEmpty() ? "" : ":\n" + said));
        }
        return output;
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new StepFailedException(
          "cannot run " + String.join(" ", command) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StepFailedException("interrupted while running " + String.join(" ", command));
    }
  }

  /**
   * Runs a build in {@code dir} to its end, both of its outputs appended to {@code log}, which is
   * kept. A failure is a {@link StepFailedException} of one line, naming the log and quoting the
   * build's first error line: the whole output of a failed Maven build is hundreds of lines.
   */
  static void build(List<String> command, Path dir, Path log) {
    try {
      Files.createDirectories(log.getParent());
      Process p =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      int code = p.waitFor();
      if (code != 0) {
        String error;
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
          error =
              lines.filter(l -> l.startsWith("[ERROR]")).findFirst().map(l -> ": " + l).orElse("");
        }
        throw new StepFailedException(
            String.join(" ", command)
                + " failed with code "
                + code
                + "; its output is in "
                + log
                + error);
      }
    } catch (IOException e) {
      throw new StepFailedException(
          "cannot run " + String.join(" ", command) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StepFailedException("interrupted while running " + String.join(" ", command));
    }
  }
}
