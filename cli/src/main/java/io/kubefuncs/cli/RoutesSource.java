package io.kubefuncs.cli;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubefuncs.gateway.Route;
import io.kubefuncs.gateway.Routes;
import io.kubefuncs.gateway.RoutesFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The routes file the gateway of {@code kubefuncs dev} reads and watches, made from what the user
 * has:
 *
 * <ul>
 *   <li>a gateway routes file ({@code routes: {/test/: test}}): given to the gateway as it is;
 *   <li>kubefuncs chart values ({@code gateway: {config: {routes: ...}}}): its routes are copied
 *       to a plain routes file, and copied again whenever the values file changes, so that edits
 *       reload as they do with the gateway's own file;
 *   <li>nothing: {@code /<name>/} to each function's topic.
 * </ul>
 */
final class RoutesSource implements AutoCloseable {
  /** The gateway's answer timeout for routes that set none. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonPointer CHART_ROUTES = JsonPointer.compile("/gateway/config/routes");
  private static final JsonPointer GATEWAY_ROUTES = JsonPointer.compile("/routes");

  private final Path gatewayFile;
  private final boolean usersFile;
  private final String origin;
  private final Routes routes;
  private final ScheduledExecutorService watcher;

  private RoutesSource(Path gatewayFile, boolean usersFile, String origin, Routes routes, ScheduledExecutorService watcher) {
    this.gatewayFile = gatewayFile;
    this.usersFile = usersFile;
    this.origin = origin;
    this.routes = routes;
    this.watcher = watcher;
  }

  /**
   * @param file the user's routes file, or null to route {@code /<name>/} to every function
   * @param workDir where a generated routes file goes
   * @param notices told when an edit of a values file changed the routes, and, with a message
   *     saying where, when an edit is unusable (the gateway then keeps the routes it has)
   */
  static RoutesSource open(Path file, List<FunctionSpec> functions, Path workDir, Duration pollInterval,
      Consumer<String> notices) throws IOException {
    Path generated = workDir.resolve("routes.json");
    if (file == null) {
      ObjectNode routes = JSON.createObjectNode();
      functions.forEach(fn -> routes.put("/" + fn.name() + "/", fn.topic()));
      write(routes, generated);
      return new RoutesSource(generated, false, "one per function", RoutesFile.read(generated, DEFAULT_TIMEOUT), null);
    }
    YamlDocument doc = YamlDocument.read(file);
    if (doc.root().has("routes")) {
      return new RoutesSource(file, true, file.toString(), validate(file, doc, GATEWAY_ROUTES, "routes"), null);
    }
    if (!doc.root().has("gateway")) {
      throw doc.problem(JsonPointer.empty(), "no routes: expected the gateway's routes file ('routes: {/test/: test}') "
          + "or kubefuncs chart values ('gateway: {config: {routes: {/test/: test}}}')");
    }
    Routes routes = copyChartRoutes(doc, generated);
    ChartValuesWatch watch = new ChartValuesWatch(file, generated, notices);
    ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "routes-values-watch");
      t.setDaemon(true);
      return t;
    });
    watcher.scheduleWithFixedDelay(watch, pollInterval.toMillis(), pollInterval.toMillis(), TimeUnit.MILLISECONDS);
    return new RoutesSource(generated, false, file + " (gateway.config.routes)", routes, watcher);
  }

  /** {@code /a/ -> a, /b/ -> b}, by prefix. */
  static String describe(Routes routes) {
    return routes.all().stream()
        .sorted(Comparator.comparing(Route::prefix))
        .map(r -> r.prefix() + " -> " + r.topic())
        .collect(Collectors.joining(", "));
  }

  /** Whether the gateway reads the user's own file (and reports its reloads itself). */
  boolean isUsersFile() {
    return usersFile;
  }

  /** The file to give the gateway. */
  Path gatewayFile() {
    return gatewayFile;
  }

  /** Where the routes come from, for the summary. */
  String origin() {
    return origin;
  }

  /** The routes as first read. */
  Routes routes() {
    return routes;
  }

  @Override
  public void close() {
    if (watcher != null) {
      watcher.shutdownNow();
    }
  }

  /** The chart's routes (a null value removes a prefix, as in the chart), checked, written where the gateway reads them. */
  private static Routes copyChartRoutes(YamlDocument doc, Path target) throws IOException {
    JsonNode values = doc.root().at(CHART_ROUTES);
    ObjectNode routes = JSON.createObjectNode();
    if (!values.isMissingNode() && !values.isNull()) {
      if (!values.isObject()) {
        throw doc.problem(CHART_ROUTES, "must be a map of path prefix to topic, got " + FunctionsFile.kind(values));
      }
      values.properties().forEach(e -> {
        if (!e.getValue().isNull()) {
          routes.set(e.getKey(), e.getValue());
        }
      });
    }
    Path candidate = target.resolveSibling(target.getFileName() + ".next");
    write(routes, candidate);
    Routes checked = validate(candidate, doc, CHART_ROUTES, "gateway.config.routes");
    Files.move(candidate, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return checked;
  }

  private static void write(ObjectNode routes, Path file) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.set("routes", routes);
    Files.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
  }

  /**
   * Reads {@code file} with the gateway's own parser, so that dev accepts exactly what the gateway
   * does; its complaints name a route, which is mapped back to the line of {@code doc} holding it.
   */
  private static Routes validate(Path file, YamlDocument doc, JsonPointer routesAt, String routesField) throws IOException {
    try {
      return RoutesFile.read(file, DEFAULT_TIMEOUT);
    } catch (RoutesFile.InvalidRoutesException e) {
      throw locate(e.getMessage(), file, doc, routesAt, routesField);
    }
  }

  /** {@code <file>: routes./x/.timeout: why} becomes {@code <source>:<line>: <routesField>./x/.timeout: why}. */
  static InvalidInputException locate(String message, Path file, YamlDocument doc, JsonPointer routesAt, String routesField) {
    String rest = message.startsWith(file + ": ") ? message.substring(file.toString().length() + 2) : message;
    if (!rest.startsWith("routes.")) {
      return doc.problem(routesAt, rest);
    }
    String route = rest.substring("routes.".length());
    String prefix = null;
    JsonNode routes = doc.root().at(routesAt);
    for (Iterator<String> it = routes.fieldNames(); it.hasNext(); ) {
      String candidate = it.next();
      if (route.startsWith(candidate) && (prefix == null || candidate.length() > prefix.length())) {
        prefix = candidate;
      }
    }
    JsonPointer at = routesAt;
    if (prefix != null) {
      at = at.appendProperty(prefix);
      String after = route.substring(prefix.length());
      int colon = after.indexOf(':');
      if (after.startsWith(".") && colon > 0 && routes.get(prefix).has(after.substring(1, colon))) {
        at = at.appendProperty(after.substring(1, colon));
      }
    }
    return new InvalidInputException(doc.source() + ":" + doc.line(at) + ": " + routesField + "." + route);
  }

  /** Copies the routes of a kubefuncs values file again whenever its content changes. */
  private static final class ChartValuesWatch implements Runnable {
    private final Path source;
    private final Path target;
    private final Consumer<String> notices;
    private byte[] last;

    ChartValuesWatch(Path source, Path target, Consumer<String> notices) throws IOException {
      this.source = source;
      this.target = target;
      this.notices = notices;
      this.last = Files.readAllBytes(source);
    }

    @Override
    public void run() {
      byte[] content;
      try {
        content = Files.readAllBytes(source);
      } catch (IOException e) {
        return; // mid-save or briefly absent: the next poll sees the settled state
      }
      if (Arrays.equals(content, last)) {
        return;
      }
      last = content;
      try {
        Routes routes = copyChartRoutes(YamlDocument.parse(new String(content, StandardCharsets.UTF_8), source.toString()), target);
        notices.accept(source + " changed; routes: " + describe(routes));
      } catch (InvalidInputException e) {
        notices.accept(e.getMessage() + "; the gateway keeps the previous routes");
      } catch (IOException e) {
        notices.accept(source + ": cannot copy its routes for the gateway (" + e.getMessage() + "); the gateway keeps the previous routes");
      }
    }
  }
}
