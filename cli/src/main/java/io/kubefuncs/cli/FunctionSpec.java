package io.kubefuncs.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One entry of a functions file as {@code kubefuncs dev} runs it: the function chart's settings
 * with its defaults applied, and the {@code local} block the chart ignores.
 *
 * @param env the function's own variables in order (the chart's {@code env}, then {@code
 *     local.env}; a later one of the same name wins, as in a pod), after those the chart sets
 * @param command {@code local.command}: the program and its arguments
 * @param dir where {@code command} runs: {@code local.dir}, by default the functions file's folder
 * @param grace how long a replica may take to stop after SIGTERM before it is killed (the chart's
 *     {@code terminationGracePeriodSeconds})
 * @param build {@code local.build}: what rebuilds the function after a change; empty for none
 * @param watch {@code local.watch}, absolute; empty for the default of {@link #watched()}
 */
record FunctionSpec(
    String name,
    String topic,
    String channel,
    int replicas,
    Map<String, String> env,
    List<String> command,
    Path dir,
    Duration grace,
    List<String> build,
    List<Path> watch) {

  /**
   * What {@code kubefuncs dev --watch} watches for this function: {@code local.watch}; without it,
   * with a build, the sources, i.e. {@code local.dir} (the build's output folders are skipped);
   * without either, what the command runs, i.e. its arguments that are files (the jar of {@code
   * java -jar target/app.jar}, which {@code mvn package} replaces).
   */
  List<Path> watched() {
    if (!watch.isEmpty()) {
      return watch;
    }
    if (!build.isEmpty()) {
      return List.of(dir);
    }
    List<Path> files = new ArrayList<>();
    for (String arg : command) {
      Path p = dir.resolve(arg).normalize();
      // A jar not built yet is still what a build will write.
      if (!arg.startsWith("-") && (Files.isRegularFile(p) || arg.endsWith(".jar"))) {
        files.add(p);
      }
    }
    return files;
  }
}
