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
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The routes file the gateway of {@code kubefuncs dev} reads and watches: the user's own, in either
 * shape the gateway reads (its routes file or kubefuncs chart values), or, without one, a generated
 * file routing {@code /<name>/} to each function's topic.
 *
 * @param gatewayFile the file to give the gateway
 * @param origin where the routes come from, for the summary
 * @param routes the routes as last read
 * @param generated whether dev wrote the file from the functions (no routes file of the user's)
 */
record RoutesSource(Path gatewayFile, String origin, Routes routes, boolean generated) {
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
  static RoutesSource open(Path file, List<FunctionSpec> functions, Path workDir)
      throws IOException {
    if (file != null) {
      return new RoutesSource(file, file.toString(), read(file), false);
    }
    return generate(workDir.resolve("routes.json"), functions);
  }

  /**
   * The routes after a change of the functions or of the routes file: generated ones are written
   * again for {@code functions} (the gateway reads the file again within a second); a user's file
   * is read again, and one the gateway would refuse leaves these routes, which the gateway keeps
   * too.
   */
  RoutesSource refreshed(List<FunctionSpec> functions) throws IOException {
    if (generated) {
      return generate(gatewayFile, functions);
    }
    try {
      return new RoutesSource(gatewayFile, origin, read(gatewayFile), false);
    } catch (InvalidInputException e) {
      return this;
    }
  }

  private static RoutesSource generate(Path file, List<FunctionSpec> functions) throws IOException {
    ObjectNode routes = JSON.createObjectNode();
    functions.forEach(fn -> routes.put("/" + fn.name() + "/", fn.topic()));
    Path temp = file.resolveSibling(file.getFileName() + ".new");
    Files.write(
        temp,
        JSON.writerWithDefaultPrettyPrinter()
            .writeValueAsBytes(JSON.createObjectNode().set("routes", routes)));
    // Whole or not at all: the gateway may read it at any moment.
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return new RoutesSource(file, "one per function", read(file), true);
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
