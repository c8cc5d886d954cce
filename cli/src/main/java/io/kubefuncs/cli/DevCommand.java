package io.kubefuncs.cli;

import io.kubefuncs.devbroker.DevBroker;
import io.kubefuncs.gateway.Gateway;
import io.kubefuncs.gateway.GatewayConfig;
import io.kubefuncs.gateway.Route;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kubefuncs dev}: the dev broker (or a real NSQ), the gateway, and every function of a
 * functions file as local processes with the environment the function chart gives its pods.
 * Runs until SIGINT or SIGTERM, then stops everything it started and exits 0.
 */
@Command(name = "dev", sortOptions = false,
    header = "Runs the whole stack on this machine: dev broker, gateway and functions.",
    description = "The dev broker (an in-memory NSQ, for development only), the gateway, and every function"
        + " of the functions file as a local process, with the environment the function chart gives its pods."
        + " Ctrl-C stops everything.")
final class DevCommand implements Callable<Integer> {
  /** How long {@code dev} waits for everything to be healthy before it says what is not. */
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration TOPIC_LISTING_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration ROUTES_POLL = Duration.ofSeconds(1);

  @Option(names = {"-f", "--file"}, defaultValue = "functions.yaml", paramLabel = "FILE",
      description = "The functions file: function chart values, plus a local block per function (default: ${DEFAULT-VALUE}).")
  Path file;

  @Option(names = "--routes", paramLabel = "FILE",
      description = {"The gateway's routes: a routes file (routes: ...) or kubefuncs chart values (gateway.config.routes).",
          "Default: gateway.yaml if there is one here, else /<name>/ to each function's topic."})
  Path routes;

  // Loopback, as the broker: a development stack is nobody else's business. ":8080" opens it to the network.
  @Option(names = "--listen-addr", defaultValue = "127.0.0.1:8080", paramLabel = "[HOST]:PORT",
      description = "Where the gateway serves HTTP (default: ${DEFAULT-VALUE}; :8080 for every interface).")
  String listenAddr;

  @Option(names = "--nsqd", paramLabel = "HOST:PORT",
      description = "Use this real nsqd (its TCP address) instead of the dev broker.")
  String nsqd;

  @Option(names = "--lookupd", paramLabel = "HOST:PORT",
      description = "With --nsqd: the real nsqlookupd (its HTTP address) through which functions find nsqd.")
  String lookupd;

  @Mixin
  BrokerOptions broker;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Address listen = Address.parse("--listen-addr", listenAddr);
    if (lookupd != null && nsqd == null) {
      throw new InvalidInputException("--lookupd needs --nsqd: the nsqd the gateway and the functions publish to");
    }
    Address realNsqd = nsqd == null ? null : Address.parse("--nsqd", nsqd);
    Address realLookupd = lookupd == null ? null : Address.parse("--lookupd", lookupd);

    List<FunctionSpec> functions = readFunctions();
    Path routesFile = routes != null ? routes : Files.exists(Path.of("gateway.yaml")) ? Path.of("gateway.yaml") : null;
    Path work = Files.createTempDirectory("kubefuncs-dev-");
    try (Stack stack = new Stack(out, err)) {
      stack.routes = RoutesSource.open(routesFile, functions, work);
      Ports.requireFree(listen.host(), listen.port(), "--listen-addr", "gateway HTTP");
      if (realNsqd == null) {
        broker.requireFreePorts();
      }
      return stack.run(functions, listen, realNsqd, realLookupd);
    } finally {
      deleteTree(work);
    }
  }

  private List<FunctionSpec> readFunctions() throws IOException {
    if (!Files.exists(file)) {
      throw new InvalidInputException(file + ": no such file. kubefuncs dev runs the functions listed in "
          + "functions.yaml of the current folder, or in the file given with -f; `kubefuncs init DIR` creates a project with one");
    }
    return FunctionsFile.read(file);
  }

  /** What one run started, stopped in reverse order whatever happens. */
  private final class Stack implements AutoCloseable {
    private final PrintWriter out;
    private final PrintWriter err;
    // Also read by the shutdown hook and by a second Ctrl-C, while replicas are being added.
    private final List<Replica> replicas = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService restarts = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "replica-restarts");
      t.setDaemon(true);
      return t;
    });
    private final Thread killReplicas = new Thread(() -> replicas.forEach(Replica::kill), "kill-replicas");
    RoutesSource routes;
    private DevBroker devBroker;
    private Gateway gateway;
    private StopSignals signals;

    Stack(PrintWriter out, PrintWriter err) {
      this.out = out;
      this.err = err;
    }

    int run(List<FunctionSpec> functions, Address listen, Address realNsqd, Address realLookupd) throws Exception {
      int width = labelWidth(functions);
      CliLogging.dev(err, width);
      signals = StopSignals.install(() -> {
        err.println("second signal: killing the functions without waiting");
        replicas.forEach(Replica::kill);
      });
      // Whatever ends this JVM, no function outlives it.
      Runtime.getRuntime().addShutdownHook(killReplicas);

      NsqAddresses nsq;
      List<String> nsqdHttp = new ArrayList<>();
      if (realNsqd == null) {
        devBroker = broker.start();
        nsq = new NsqAddresses(Address.of(devBroker.tcpAddress()), Address.of(devBroker.lookupdHttpAddress()));
        nsqdHttp.add(Address.of(devBroker.httpAddress()).toString());
      } else {
        nsq = new NsqAddresses(realNsqd, realLookupd);
        if (realLookupd != null) {
          try {
            nsqdHttp.addAll(Topics.nsqdHttpAddresses(realLookupd.toString()));
          } catch (IOException e) {
            throw new InvalidInputException("--lookupd " + realLookupd + ": cannot list its nsqds (" + e.getMessage()
                + "); is nsqlookupd running there, and is that its HTTP port?");
          }
        }
      }
      createTopics(functions, nsq, nsqdHttp);

      // Functions first: a JVM takes longest to start, and the gateway's start overlaps with theirs.
      for (FunctionSpec fn : functions) {
        for (int i = 0; i < fn.replicas(); i++) {
          int healthPort = Ports.free();
          Replica replica = new Replica(fn, i, environment(fn, i, nsq, healthPort), healthPort, width, out, err, restarts);
          replicas.add(replica);
          replica.start();
        }
      }

      gateway = Gateway.start(new GatewayConfig(listen.host(), listen.port(), routes.gatewayFile(), nsq.nsqdTcp().toString(),
          nsq.lookupdHttp() == null ? List.of() : List.of(nsq.lookupdHttp().toString()), "kubefuncs-dev",
          RoutesSource.DEFAULT_TIMEOUT, true, ROUTES_POLL, GatewayConfig.Limits.DEFAULTS));
      URI gatewayUrl = URI.create("http://" + listen.connectHost() + ":" + gateway.port());
      printSummary(functions, nsq, gatewayUrl, width);
      awaitReady(gatewayUrl);
      signals.await();
      return 0;
    }

    private void createTopics(List<FunctionSpec> functions, NsqAddresses nsq, List<String> nsqdHttp) throws InterruptedException {
      Set<String> topics = new LinkedHashSet<>();
      for (FunctionSpec fn : functions) {
        topics.add(fn.topic());
        for (String node : nsqdHttp) {
          try {
            Topics.create(node, fn.topic(), fn.channel());
          } catch (IOException e) {
            err.println("cannot create topic " + fn.topic() + " on nsqd " + node + ": " + e.getMessage()
                + "; function " + fn.name() + " may wait up to a minute before it consumes");
          }
        }
      }
      if (nsq.lookupdHttp() != null && !nsqdHttp.isEmpty()) {
        Set<String> unlisted = Topics.awaitListed(nsq.lookupdHttp().toString(), topics, TOPIC_LISTING_TIMEOUT);
        if (!unlisted.isEmpty()) {
          err.println("nsqlookupd " + nsq.lookupdHttp() + " lists no nsqd for " + unlisted + " yet");
        }
      }
    }

    /**
     * Ours, then what the chart sets (TOPIC, CHANNEL, NSQ_*, HEALTHZ_ADDR), then the function's own
     * env and local.env; HOSTNAME names the replica as a pod's names the pod.
     */
    private Map<String, String> environment(FunctionSpec fn, int index, NsqAddresses nsq, int healthPort) {
      Map<String, String> env = new HashMap<>();
      env.put("TOPIC", fn.topic());
      env.put("CHANNEL", fn.channel());
      env.put("NSQ_NSQD_ADDR", nsq.nsqdTcp().connectHost());
      env.put("NSQ_NSQD_PORT", String.valueOf(nsq.nsqdTcp().port()));
      // Empty (not absent) so that one set in our own environment does not leak in.
      env.put("NSQ_LOOKUPD_ADDR", nsq.lookupdHttp() == null ? "" : nsq.lookupdHttp().connectHost());
      env.put("NSQ_LOOKUPD_PORT", nsq.lookupdHttp() == null ? "" : String.valueOf(nsq.lookupdHttp().port()));
      env.put("HEALTHZ_ADDR", "127.0.0.1:" + healthPort);
      env.put("HOSTNAME", fn.name() + "-" + index);
      env.putAll(fn.env());
      return env;
    }

    private void printSummary(List<FunctionSpec> functions, NsqAddresses nsq, URI gatewayUrl, int width) {
      String indent = "  ";
      out.println("kubefuncs dev: " + file + ", routes " + routes.origin());
      if (devBroker != null) {
        out.println(indent + label("broker", width) + "nsqd " + Address.of(devBroker.tcpAddress())
            + " (http " + Address.of(devBroker.httpAddress()) + "), nsqlookupd " + Address.of(devBroker.lookupdTcpAddress())
            + " (http " + Address.of(devBroker.lookupdHttpAddress()) + "); in memory, for development only");
      } else {
        out.println(indent + label("nsq", width) + "nsqd " + nsq.nsqdTcp()
            + (nsq.lookupdHttp() == null ? "" : ", nsqlookupd " + nsq.lookupdHttp()));
      }
      String table = RoutesSource.describe(routes.routes());
      out.println(indent + label("gateway", width) + gatewayUrl + (table.isEmpty() ? "  (no routes)" : "  " + table));
      for (Replica r : replicas) {
        FunctionSpec fn = r.function();
        out.println(indent + label(r.label(), width) + (r.isUnstartable() ? "not started" : "pid " + r.pid())
            + ", topic " + fn.topic() + ", channel " + fn.channel() + ", health " + r.healthUrl());
      }
      for (FunctionSpec fn : functions) {
        if (fn.replicas() == 0) {
          out.println(indent + label(fn.name(), width) + "replicas: 0, not started");
        }
      }
    }

    /**
     * Prints the ready line once the gateway and every replica answer their health checks, or
     * once what does not has shown it will not soon: it could not start, or it exited.
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
        for (Replica r : replicas) {
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
          String hint = routes.routes().all().stream().map(Route::prefix).sorted().findFirst()
              .map(prefix -> ": curl " + gatewayUrl + prefix).orElse("");
          out.println(down.isEmpty() ? "ready in " + took + hint : "ready in " + took + ", but not healthy: " + String.join(", ", down));
          return;
        }
        signals.await(Duration.ofMillis(25));
      }
    }

    @Override
    public void close() {
      replicas.forEach(Replica::stopping);
      boolean asked = signals != null && signals.isRequested();
      if (asked) {
        out.println("stopping");
      }
      if (gateway != null) {
        gateway.close();
      }
      List<Thread> stopping = replicas.stream().map(r -> Thread.ofPlatform().name(r.label() + "-stop").start(r::stop)).toList();
      for (Thread t : stopping) {
        try {
          t.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          replicas.forEach(Replica::kill);
        }
      }
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

  /** The width of the widest {@code [label]} of a run: replicas' {@code [name-i]}, {@code [gateway]}, {@code [broker]}. */
  static int labelWidth(List<FunctionSpec> functions) {
    int width = "[gateway]".length();
    for (FunctionSpec fn : functions) {
      width = Math.max(width, ("[" + fn.name() + "-" + Math.max(0, fn.replicas() - 1) + "]").length());
    }
    return width;
  }

  /** Since the JVM started (which ProcessHandle's start instant, computed from boot time, is too coarse for). */
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
