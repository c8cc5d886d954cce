package io.kubefuncs.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The replicas of one function in {@code kubefuncs dev}, as a Deployment's pods: scaled up and
 * down, restarted one at a time when what they run changed, stopped together. Once stopped it
 * starts nothing more, so that a change applied while {@code dev} stops cannot leave a process
 * behind.
 */
final class RunningFunction {
  /** Makes replica {@code index} of {@code fn}, not yet started. */
  interface Replicas {
    Replica create(FunctionSpec fn, int index);
  }

  private static final Duration RESTARTED_HEALTHY_WAIT = Duration.ofSeconds(10);
  private static final Duration HEALTH_POLL = Duration.ofMillis(50);

  private final Replicas factory;
  // Read by the shutdown hook and the ready check while changes add replicas.
  private final List<Replica> replicas = new CopyOnWriteArrayList<>();
  private volatile FunctionSpec spec;
  // Guarded by this.
  private boolean stopped;

  RunningFunction(FunctionSpec spec, Replicas factory) {
    this.spec = spec;
    this.factory = factory;
  }

  FunctionSpec spec() {
    return spec;
  }

  List<Replica> replicas() {
    return replicas;
  }

  /** Starts the replicas of its spec. */
  void start() {
    scale(spec);
  }

  /**
   * Starts or stops replicas, the highest index first, until there are as many as {@code scaled}
   * asks for; the others keep running.
   *
   * @return the replicas started or stopped
   */
  List<Replica> scale(FunctionSpec scaled) {
    List<Replica> started = new ArrayList<>();
    List<Replica> removed = new ArrayList<>();
    synchronized (this) {
      spec = scaled;
      if (stopped) {
        return List.of();
      }
      for (int i = replicas.size(); i < scaled.replicas(); i++) {
        Replica r = factory.create(scaled, i);
        replicas.add(r);
        started.add(r);
      }
      while (replicas.size() > scaled.replicas()) {
        Replica r = replicas.removeLast();
        r.stopping();
        removed.add(r);
      }
    }
    started.forEach(Replica::start);
    stopAll(removed);
    return started.isEmpty() ? removed : started;
  }

  /**
   * Restarts its replicas one after the other, each once the one before answers its health check
   * (or has shown it will not soon), so that the others keep serving meanwhile.
   */
  void restart() throws InterruptedException {
    for (Replica r : replicas) {
      int exits = r.exits();
      r.restart();
      long deadline = System.nanoTime() + RESTARTED_HEALTHY_WAIT.toNanos();
      // A program without /healthz never answers 200: the deadline bounds what that costs.
      while (replicas.size() > 1
          && !r.isUnstartable()
          && r.exits() == exits
          && Http.status(r.healthUrl()) != 200
          && System.nanoTime() - deadline < 0) {
        Thread.sleep(HEALTH_POLL.toMillis());
      }
    }
  }

  /**
   * Stops every replica (SIGTERM, then SIGKILL after the grace period), all at once; starts nothing
   * after.
   */
  void stop() {
    stopping();
    stopAll(replicas);
  }

  /** From now on, starts nothing, and its replicas' exits are no crashes: dev is stopping them. */
  synchronized void stopping() {
    stopped = true;
    replicas.forEach(Replica::stopping);
  }

  /** SIGKILL to every replica, for a JVM on its way out. */
  void kill() {
    replicas.forEach(Replica::kill);
  }

  /**
   * Stops {@code replicas} in parallel: each waits out its own grace period. Interrupted, it kills
   * them instead of waiting.
   */
  static void stopAll(List<Replica> replicas) {
    List<Thread> stopping =
        replicas.stream()
            .map(r -> Thread.ofPlatform().name(r.label() + "-stop").start(r::stop))
            .toList();
    for (Thread t : stopping) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        replicas.forEach(Replica::kill);
        return;
      }
    }
  }
}
