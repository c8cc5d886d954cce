package io.kubefuncs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubefuncs.gateway.Route;
import io.kubefuncs.gateway.Routes;
import io.kubefuncs.gateway.RoutesFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The routes file the gateway of {@code kubefuncs dev} reads and watches: the user's own, in
 * either shape the gateway reads (its routes file or kubefuncs chart values), or, without one, a
 * generated file routing {@code /<name>/} to each function's topic.
 *
 * @param gatewayFile the file to give the gateway
 * @param origin where the routes come from, for the summary
 * @param routes the routes as first read
 */
record RoutesSource(Path gatewayFile, String origin, Routes routes) {
  /** The gateway's answer timeout for routes that set none. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Reads the routes with the gateway's own parser, so that a mistake stops {@code dev} with the
   * message the gateway would give.
   *
   * @param file the user's routes file, or null to route {@code /<name>/} to every function
   * @param workDir where a generated routes file goes
   */
  static RoutesSource open(Path file, List<FunctionSpec> functions, Path workDir) throws IOException {
    if (file != null) {
      return new RoutesSource(file, file.toString(), read(file));
    }
    ObjectNode routes = JSON.createObjectNode();
    functions.forEach(fn -> routes.put("/" + fn.name() + "/", fn.topic()));
    Path generated = workDir.resolve("routes.json");
    Files.write(generated, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(JSON.createObjectNode().set("routes", routes)));
    return new RoutesSource(generated, "one per function", read(generated));
  }

  /** {@code /a/ -> a, /b/ -> b}, by prefix. */
  static String describe(Routes routes) {
    return routes.all().stream()
        .sorted(Comparator.comparing(Route::prefix))
        .map(r -> r.prefix() + " -> " + r.topic())
        .collect(Collectors.joining(", "));
  }

  private static Routes read(Path file) throws IOException {
    try {
      return RoutesFile.read(file, DEFAULT_TIMEOUT);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException(file + ": no such file");
    } catch (RoutesFile.InvalidRoutesException e) {
      throw new InvalidInputException(e.getMessage());
    }
  }
}
