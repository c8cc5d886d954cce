package io.kubefuncs.cli;

import io.kubefuncs.devbroker.DevBroker;
import io.kubefuncs.gateway.DashboardSettings;
import io.kubefuncs.gateway.FunctionStatus;
import io.kubefuncs.gateway.Gateway;
import io.kubefuncs.gateway.GatewayConfig;
import io.kubefuncs.gateway.Route;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kubefuncs dev}: the dev broker (or a real NSQ), the gateway, and every function of a
 * functions file as local processes with the environment the function chart gives its pods. Runs
 * until SIGINT or SIGTERM, then stops everything it started and exits 0.
 */
@Command(
    name = "dev",
    sortOptions = false,
    header = "Runs the whole stack on this machine: dev broker, gateway and functions.",
    description =
        "The dev broker (an in-memory NSQ, for development only), the gateway, and every function"
            + " of the functions file as a local process, with the environment the function chart gives its pods."
            + " Ctrl-C stops everything.")
final class DevCommand implements Callable<Integer> {
  /** How long {@code dev} waits for everything to be healthy before it says what is not. */
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private static final Duration TOPIC_LISTING_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration ROUTES_POLL = Duration.ofSeconds(1);

  @Option(
      names = {"-f", "--file"},
      defaultValue = "functions.yaml",
      paramLabel = "FILE",
      description =
          "The functions file: function chart values, plus a local block per function (default: ${DEFAULT-VALUE}).")
  Path file;

  @Option(
      names = "--routes",
      paramLabel = "FILE",
      description = {
        "The gateway's routes: a routes file (routes: ...) or kubefuncs chart values (gateway.config.routes).",
        "Default: gateway.yaml if there is one here, else /<name>/ to each function's topic."
      })
  Path routes;

  // Loopback, as the broker: a development stack is nobody else's business. ":8080" opens it to the
  // network.
  @Option(
      names = "--listen-addr",
      defaultValue = "127.0.0.1:8080",
      paramLabel = "[HOST]:PORT",
      description =
          "Where the gateway serves HTTP (default: ${DEFAULT-VALUE}; :8080 for every interface).")
  String listenAddr;

  @Option(
      names = "--dashboard-addr",
      defaultValue = "127.0.0.1:8081",
      paramLabel = "[HOST]:PORT",
      description = "Where the dashboard is served (default: ${DEFAULT-VALUE}); docs/dashboard.md.")
  String dashboardAddr;

  @Option(
      names = "--dashboard",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Serve the dashboard: functions, routes, queues, live requests. On by default; --no-dashboard turns it off.")
  boolean dashboard;

  @Option(
      names = "--nsqd",
      paramLabel = "HOST:PORT",
      description = "Use this real nsqd (its TCP address) instead of the dev broker.")
  String nsqd;

  @Option(
      names = "--lookupd",
      paramLabel = "HOST:PORT",
      description =
          "With --nsqd: the real nsqlookupd (its HTTP address) through which functions find nsqd.")
  String lookupd;

  @Option(
      names = "--watch",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = {
        "Rebuild (local.build) and restart a function when what it runs changes: local.watch, or its sources"
            + " with a build, or else the files of its command (its jar). On by default; --no-watch turns it off.",
        "Edits of the functions file and the routes file apply either way."
      })
  boolean watch;

  @Mixin BrokerOptions broker;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Address listen = Address.parse("--listen-addr", listenAddr);
    Address dashboardListen = dashboard ? Address.parse("--dashboard-addr", dashboardAddr) : null;
    if (lookupd != null && nsqd == null) {
      throw new InvalidInputException(
          "--lookupd needs --nsqd: the nsqd the gateway and the functions publish to");
    }
    Address realNsqd = nsqd == null ? null : Address.parse("--nsqd", nsqd);
    Address realLookupd = lookupd == null ? null : Address.parse("--lookupd", lookupd);

    List<FunctionSpec> functions = readFunctions();
    Path routesFile =
        routes != null
            ? routes
            : Files.exists(Path.of("gateway.yaml")) ? Path.of("gateway.yaml") : null;
    Path work = Files.createTempDirectory("kubefuncs-dev-");
    try (Stack stack = new Stack(out, err)) {
      stack.routes = RoutesSource.open(routesFile, functions, work);
      Ports.requireFree(listen.host(), listen.port(), "--listen-addr", "gateway HTTP");
      if (dashboardListen != null) {
        Ports.requireFree(
            dashboardListen.host(), dashboardListen.port(), "--dashboard-addr", "dashboard");
      }
      if (realNsqd == null) {
        broker.requireFreePorts();
      }
      return stack.run(functions, listen, dashboardListen, realNsqd, realLookupd);
    } finally {
      deleteTree(work);
    }
  }

  private List<FunctionSpec> readFunctions() throws IOException {
    if (!Files.exists(file)) {
      throw new InvalidInputException(
          file
              + ": no such file. kubefuncs dev runs the functions listed in "
              + "functions.yaml of the current folder, or in the file given with -f; `kubefuncs init DIR` creates a project with one");
    }
    return FunctionsFile.read(file);
  }

  /** What one run started, stopped in reverse order whatever happens. */
  private final class Stack implements AutoCloseable {
    private static final String FUNCTIONS_FILE = "functions file";
    private static final String ROUTES_FILE = "routes file";
    private static final String FUNCTION = "function ";

    private final PrintWriter out;
    private final PrintWriter err;
    // Also read by the shutdown hook and by a second Ctrl-C, while changes add and remove
    // functions.
    private final List<RunningFunction> functions = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService restarts =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "replica-restarts");
              t.setDaemon(true);
              return t;
            });
    private final Thread killReplicas =
        new Thread(() -> functions.forEach(RunningFunction::kill), "kill-replicas");
    // Replaced by the file watch's thread, read by the ready check.
    volatile RoutesSource routes;
    private DevBroker devBroker;
    private Gateway gateway;
    private StopSignals signals;
    private FileWatch fileWatch;
    private FunctionBuild build;
    private NsqAddresses nsq;
    private final List<String> nsqdHttp = new ArrayList<>();
    private int width;

    /** The warnings last printed: each is printed once, until it goes away and comes back. */
    private Set<String> warned = Set.of();

    // Guarded by this: once set, no function starts.
    private boolean closed;

    Stack(PrintWriter out, PrintWriter err) {
      this.out = out;
      this.err = err;
    }

    int run(
        List<FunctionSpec> specs,
        Address listen,
        Address dashboardListen,
        Address realNsqd,
        Address realLookupd)
        throws Exception {
      width = labelWidth(specs);
      CliLogging.dev(err, width);
      signals =
          StopSignals.install(
              () -> {
                err.println("second signal: killing the functions without waiting");
                functions.forEach(RunningFunction::kill);
              });
      // Whatever ends this JVM, no function outlives it.
      Runtime.getRuntime().addShutdownHook(killReplicas);

      if (realNsqd == null) {
        devBroker = broker.start();
        nsq =
            new NsqAddresses(
                Address.of(devBroker.tcpAddress()), Address.of(devBroker.lookupdHttpAddress()));
        nsqdHttp.add(Address.of(devBroker.httpAddress()).toString());
      } else {
        nsq = new NsqAddresses(realNsqd, realLookupd);
        if (realLookupd != null) {
          try {
            nsqdHttp.addAll(Topics.nsqdHttpAddresses(realLookupd.toString()));
          } catch (IOException e) {
            throw new InvalidInputException(
                "--lookupd "
                    + realLookupd
                    + ": cannot list its nsqds ("
                    + e.getMessage()
                    + "); is nsqlookupd running there, and is that its HTTP port?");
          }
        }
      }
      createTopics(specs);

      // The sources may have changed since the last build: what starts is what they say.
      build = new FunctionBuild(out, err, width);
      for (FunctionSpec fn : specs) {
        buildBeforeStart(fn);
        if (signals.isRequested()) {
          return 0;
        }
      }

      // Functions first: a JVM takes longest to start, and the gateway's start overlaps with
      // theirs.
      specs.forEach(this::startFunction);

      String gatewayLabel = Labels.of("gateway", width);
      GatewayConfig config =
          GatewayConfig.builder(routes.gatewayFile())
              .listen(listen.host(), listen.port())
              .nsqd(nsq.nsqdTcp().toString())
              .lookupd(
                  nsq.lookupdHttp() == null ? List.of() : List.of(nsq.lookupdHttp().toString()))
              .gatewayId("kubefuncs-dev")
              .defaultTimeout(RoutesSource.DEFAULT_TIMEOUT)
              .reloadInterval(ROUTES_POLL)
              .build();
      gateway =
          Gateway.start(
              config,
              PrometheusRegistry.defaultRegistry,
              line -> out.println(gatewayLabel + line),
              null,
              dashboardListen == null
                  ? null
                  : new DashboardSettings(
                      dashboardListen.host(), dashboardListen.port(), this::functionStatus));
      URI gatewayUrl = URI.create("http://" + listen.connectHost() + ":" + gateway.port());
      URI dashboardUrl =
          dashboardListen == null
              ? null
              : URI.create(
                  "http://" + dashboardListen.connectHost() + ":" + gateway.dashboardPort() + "/");
      printSummary(specs, gatewayUrl, dashboardUrl);
      warn();
      watchFiles(specs);
      awaitReady(gatewayUrl);
      signals.await();
      return 0;
    }

    /**
     * The functions file and the user's routes file always; with --watch, what each function runs.
     */
    private void watchFiles(List<FunctionSpec> specs) throws IOException {
      fileWatch = new FileWatch(this::changed);
      Path functionsFile = file.toAbsolutePath().normalize();
      fileWatch.watch(FUNCTIONS_FILE, List.of(functionsFile), functionsFile.getParent(), Set.of());
      if (!routes.generated()) {
        Path routesFile = routes.gatewayFile().toAbsolutePath().normalize();
        fileWatch.watch(ROUTES_FILE, List.of(routesFile), routesFile.getParent(), Set.of());
      }
      specs.forEach(this::watchFunction);
    }

    private void watchFunction(FunctionSpec fn) {
      if (watch && !fn.watched().isEmpty()) {
        // A project's functions.yaml and gateway.yaml sit among its sources: editing them changes
        // no code.
        fileWatch.watch(
            FUNCTION + fn.name(),
            fn.watched(),
            fn.dir(),
            Set.copyOf(List.of(file, routes.gatewayFile())));
      } else {
        fileWatch.unwatch(FUNCTION + fn.name());
      }
    }

    /** On the file watch's thread, one change at a time. */
    private void changed(Set<String> names) {
      try {
        if (names.contains(FUNCTIONS_FILE)) {
          applyFunctionsFile();
        }
        if (names.contains(ROUTES_FILE)) {
          routes = routes.refreshed(specs());
          warn();
        }
        for (String name : names) {
          if (name.startsWith(FUNCTION)) {
            rebuild(name.substring(FUNCTION.length()));
          }
        }
      } catch (IOException e) {
        err.println("cannot apply the change of " + names + ": " + e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /**
     * Reads the edited functions file whole before changing anything, then starts, stops, scales or
     * replaces only the functions that changed: the others keep serving.
     */
    private void applyFunctionsFile() throws IOException, InterruptedException {
      List<FunctionSpec> edited;
      try {
        edited = FunctionsFile.read(file);
      } catch (InvalidInputException e) {
        err.println("kept the running functions: " + e.getMessage());
        return;
      }
      FunctionChanges changes = FunctionChanges.between(specs(), edited);
      if (changes.isEmpty()) {
        out.println(file + ": no change to what kubefuncs dev runs");
        return;
      }
      List<FunctionSpec> created = new ArrayList<>(changes.added());
      created.addAll(changes.changed());
      createTopics(created);
      for (FunctionSpec fn : changes.removed()) {
        RunningFunction running = running(fn.name());
        fileWatch.unwatch(FUNCTION + fn.name());
        // Listed until stopped, so that the shutdown hook still kills it if dev dies meanwhile.
        running.stop();
        functions.remove(running);
        out.println("removed function " + fn.name() + stopped(running.replicas()));
      }
      for (FunctionSpec fn : changes.changed()) {
        RunningFunction old = running(fn.name());
        buildBeforeStart(fn);
        old.stop();
        functions.remove(old);
        RunningFunction started = startFunction(fn);
        watchFunction(fn);
        out.println(
            "changed function "
                + fn.name()
                + stopped(old.replicas())
                + (started == null || started.replicas().isEmpty()
                    ? ""
                    : "; " + startedList(started.replicas())));
      }
      for (FunctionSpec fn : changes.scaled()) {
        RunningFunction running = running(fn.name());
        int before = running.spec().replicas();
        List<Replica> touched = running.scale(fn);
        out.println(
            "scaled "
                + fn.name()
                + " from "
                + before
                + " to "
                + fn.replicas()
                + (fn.replicas() == 1 ? " replica" : " replicas")
                + (fn.replicas() > before ? ": " + startedList(touched) : stopped(touched)));
      }
      for (FunctionSpec fn : changes.added()) {
        buildBeforeStart(fn);
        RunningFunction started = startFunction(fn);
        watchFunction(fn);
        out.println(
            "added function "
                + fn.name()
                + (started == null || started.replicas().isEmpty()
                    ? " (replicas: 0, not started)"
                    : ": " + startedList(started.replicas())));
      }
      routes = routes.refreshed(specs());
      warn();
    }

    /**
     * After a change of what {@code fn} runs: its build, if it has one, then a restart of its
     * replicas.
     */
    private void rebuild(String name) throws InterruptedException {
      RunningFunction running = running(name);
      if (running == null) {
        return;
      }
      FunctionSpec fn = running.spec();
      if (running.replicas().isEmpty() || (!fn.build().isEmpty() && !build.run(fn))) {
        return;
      }
      out.println(
          fn.name()
              + " changed: restarting "
              + running.replicas().stream().map(Replica::label).collect(Collectors.joining(", ")));
      running.restart();
    }

    /**
     * Runs {@code fn}'s build, if it has one and runs replicas: its sources may be newer than what
     * it would run.
     */
    private void buildBeforeStart(FunctionSpec fn) throws InterruptedException {
      if (!fn.build().isEmpty() && fn.replicas() > 0) {
        build.run(fn);
      }
    }

    /** Starts {@code fn}'s replicas, unless dev is stopping; null then. */
    private RunningFunction startFunction(FunctionSpec fn) {
      RunningFunction running = new RunningFunction(fn, this::replica);
      synchronized (this) {
        if (closed) {
          return null;
        }
        functions.add(running);
      }
      running.start();
      return running;
    }

    private Replica replica(FunctionSpec fn, int index) {
      int healthPort = Ports.free();
      return new Replica(
          fn,
          index,
          ReplicaEnvironment.of(nsq, fn, index, healthPort),
          healthPort,
          width,
          out,
          err,
          restarts);
    }

    private RunningFunction running(String name) {
      return functions.stream().filter(f -> f.spec().name().equals(name)).findFirst().orElse(null);
    }

    private List<FunctionSpec> specs() {
      return functions.stream().map(RunningFunction::spec).toList();
    }

    private List<Replica> replicas() {
      return functions.stream().flatMap(f -> f.replicas().stream()).toList();
    }

    /** Prints the warnings about routes and functions that were not printed already. */
    private void warn() {
      List<String> now =
          RouteWarnings.of(specs(), routes.routes(), routes.origin(), file.toString());
      for (String warning : now) {
        if (!warned.contains(warning)) {
          err.println("warning: " + warning);
        }
      }
      warned = Set.copyOf(now);
    }

    private static String startedList(List<Replica> started) {
      return "started "
          + started.stream()
              .map(
                  r ->
                      r.label()
                          + (r.isUnstartable() ? " (could not start)" : " (pid " + r.pid() + ")"))
              .collect(Collectors.joining(", "));
    }

    private static String stopped(List<Replica> stopped) {
      return stopped.isEmpty()
          ? ""
          : ": stopped " + stopped.stream().map(Replica::label).collect(Collectors.joining(", "));
    }

    private void createTopics(List<FunctionSpec> specs) throws InterruptedException {
      Set<String> topics = new LinkedHashSet<>();
      for (FunctionSpec fn : specs) {
        topics.add(fn.topic());
        for (String node : nsqdHttp) {
          try {
            Topics.create(node, fn.topic(), fn.channel());
          } catch (IOException e) {
            err.println(
                "cannot create topic "
                    + fn.topic()
                    + " on nsqd "
                    + node
                    + ": "
                    + e.getMessage()
                    + "; function "
                    + fn.name()
                    + " may wait up to a minute before it consumes");
          }
        }
      }
      if (nsq.lookupdHttp() != null && !nsqdHttp.isEmpty() && !topics.isEmpty()) {
        Set<String> unlisted =
            Topics.awaitListed(nsq.lookupdHttp().toString(), topics, TOPIC_LISTING_TIMEOUT);
        if (!unlisted.isEmpty()) {
          err.println(
              "nsqlookupd " + nsq.lookupdHttp() + " lists no nsqd for " + unlisted + " yet");
        }
      }
    }

    /**
     * For the dashboard: each running function's replicas, up when they answer their health check.
     */
    private List<FunctionStatus> functionStatus() {
      return functions.stream()
          .map(
              f ->
                  new FunctionStatus(
                      f.spec().name(),
                      f.replicas().stream()
                          .map(
                              r ->
                                  new FunctionStatus.Replica(
                                      r.label(),
                                      r.pid() != -1 && Http.status(r.healthUrl()) == 200,
                                      r.exits()))
                          .toList()))
          .toList();
    }

    private void printSummary(List<FunctionSpec> specs, URI gatewayUrl, URI dashboardUrl) {
      String indent = "  ";
      out.println("kubefuncs dev: " + file + ", routes " + routes.origin());
      if (devBroker != null) {
        out.println(
            indent
                + label("broker", width)
                + "nsqd "
                + Address.of(devBroker.tcpAddress())
                + " (http "
                + Address.of(devBroker.httpAddress())
                + "), nsqlookupd "
                + Address.of(devBroker.lookupdTcpAddress())
                + " (http "
                + Address.of(devBroker.lookupdHttpAddress())
                + "); in memory, for development only");
      } else {
        out.println(
            indent
                + label("nsq", width)
                + "nsqd "
                + nsq.nsqdTcp()
                + (nsq.lookupdHttp() == null ? "" : ", nsqlookupd " + nsq.lookupdHttp()));
      }
      String table = RoutesSource.describe(routes.routes());
      out.println(
          indent
              + label("gateway", width)
              + gatewayUrl
              + (table.isEmpty() ? "  (no routes)" : "  " + table));
      if (dashboardUrl != null) {
        out.println(indent + label("dashboard", width) + dashboardUrl);
      }
      for (Replica r : replicas()) {
        FunctionSpec fn = r.function();
        out.println(
            indent
                + label(r.label(), width)
                + (r.isUnstartable() ? "not started" : "pid " + r.pid())
                + ", topic "
                + fn.topic()
                + ", channel "
                + fn.channel()
                + ", health "
                + r.healthUrl());
      }
      for (FunctionSpec fn : specs) {
        if (fn.replicas() == 0) {
          out.println(indent + label(fn.name(), width) + "replicas: 0, not started");
        }
      }
    }

    /**
     * Prints the ready line once the gateway and every replica answer their health checks, or once
     * what does not has shown it will not soon: it could not start, or it exited.
     */
    private void awaitReady(URI gatewayUrl) throws InterruptedException {
      URI gatewayHealth = gatewayUrl.resolve("/healthz");
      Set<Replica> healthy = new HashSet<>();
      long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
      boolean gatewayUp = false;
      while (!signals.isRequested()) {
        gatewayUp = gatewayUp || Http.status(gatewayHealth) == 200;
        List<String> waiting = new ArrayList<>();
        List<String> down = new ArrayList<>();
        if (!gatewayUp) {
          waiting.add("gateway (" + gatewayHealth + ")");
        }
        for (Replica r : replicas()) {
          if (r.isUnstartable()) {
            down.add(r.label() + " (could not start)");
          } else if (healthy.contains(r) || Http.status(r.healthUrl()) == 200) {
            healthy.add(r);
          } else if (r.exits() > 0) {
            down.add(r.label() + " (exited, restarting)");
          } else {
            waiting.add(r.label() + " (" + r.healthUrl() + ")");
          }
        }
        boolean timedOut = System.nanoTime() - deadline >= 0;
        if (waiting.isEmpty() || timedOut) {
          down.addAll(waiting);
          String took = String.format(Locale.ROOT, "%.1f s", sinceStart().toMillis() / 1000.0);
          // A route that a function consumes: the one to try first.
          Set<String> consumed = RouteWarnings.consumedTopics(specs());
          String hint =
              routes.routes().all().stream()
                  .sorted(
                      Comparator.comparing((Route r) -> !consumed.contains(r.topic()))
                          .thenComparing(Route::prefix))
                  .findFirst()
                  .map(r -> ": curl " + gatewayUrl + r.prefix())
                  .orElse("");
          out.println(
              down.isEmpty()
                  ? "ready in " + took + hint
                  : "ready in " + took + ", but not healthy: " + String.join(", ", down));
          return;
        }
        signals.await(Duration.ofMillis(25));
      }
    }

    @Override
    public void close() {
      synchronized (this) {
        closed = true;
      }
      functions.forEach(RunningFunction::stopping);
      boolean asked = signals != null && signals.isRequested();
      if (asked) {
        out.println("stopping");
      }
      if (build != null) {
        build.cancel();
      }
      if (fileWatch != null) {
        try {
          fileWatch.close();
        } catch (IOException e) {
          err.println("cannot stop watching files: " + e.getMessage());
        }
      }
      if (gateway != null) {
        gateway.close();
      }
      RunningFunction.stopAll(replicas());
      restarts.shutdownNow();
      if (devBroker != null) {
        devBroker.close();
      }
      if (signals != null) {
        try {
          Runtime.getRuntime().removeShutdownHook(killReplicas);
        } catch (IllegalStateException e) {
          // Already exiting: the hook runs, harmlessly, on processes that are gone.
        }
      }
      if (asked) {
        out.println("stopped");
      }
    }
  }

  /**
   * The width of the widest {@code [label]} of a run: replicas' {@code [name-i]}, {@code
   * [gateway]}, {@code [broker]}.
   */
  static int labelWidth(List<FunctionSpec> functions) {
    int width = "[gateway]".length();
    for (FunctionSpec fn : functions) {
      width =
          Math.max(width, ("[" + fn.name() + "-" + Math.max(0, fn.replicas() - 1) + "]").length());
    }
    return width;
  }

  /**
   * Since the JVM started (which ProcessHandle's start instant, computed from boot time, is too
   * coarse for).
   */
  private static Duration sinceStart() {
    return Duration.ofMillis(ManagementFactory.getRuntimeMXBean().getUptime());
  }

  /** {@code text} padded to {@code width}, then a space: the first column of the summary. */
  private static String label(String text, int width) {
    return String.format(Locale.ROOT, "%-" + width + "s ", text);
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
