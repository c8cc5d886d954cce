package io.kubefuncs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One replica of a function, run as a local process the way a pod runs it: restarted whenever it
 * exits, after a delay that doubles from 1 s up to 30 s while it keeps failing and starts over once
 * it stayed up for 10 s. A command that cannot be started at all is reported once and not retried.
 * Its output and error lines are copied to ours after its label.
 */
final class Replica {
  private static final Duration FIRST_RESTART_DELAY = Duration.ofSeconds(1);
  private static final Duration MAX_RESTART_DELAY = Duration.ofSeconds(30);
  private static final Duration STABLE_AFTER = Duration.ofSeconds(10);

  private final FunctionSpec function;
  private final String label;
  private final String prefix;
  private final ProcessBuilder builder;
  private final URI healthUrl;
  private final Duration grace;
  private final PrintWriter out;
  private final PrintWriter err;
  private final ScheduledExecutorService timer;

  // Guarded by this.
  private Process process;

  /** A process that {@link #restart} is stopping: its exit is not a crash. */
  private Process replaced;

  private boolean started;
  private long startedAt;
  private int failures;
  private boolean stopping;
  private ScheduledFuture<?> restart;
  private volatile boolean unstartable;
  private volatile int exits;

  /**
   * @param env the variables added to our own environment for the process
   * @param labelWidth the width of the widest {@code [label]} of the run, so that lines align
   */
  Replica(
      FunctionSpec fn,
      int index,
      Map<String, String> env,
      int healthPort,
      int labelWidth,
      PrintWriter out,
      PrintWriter err,
      ScheduledExecutorService timer) {
    this.function = fn;
    this.label = fn.name() + "-" + index;
    this.prefix = Labels.of(label, labelWidth);
    this.builder = new ProcessBuilder(fn.command()).directory(fn.dir().toFile());
    this.builder.environment().putAll(env);
    this.healthUrl = URI.create("http://127.0.0.1:" + healthPort + "/healthz");
    this.grace = fn.grace();
    this.out = out;
    this.err = err;
    this.timer = timer;
  }

  FunctionSpec function() {
    return function;
  }

  /** {@code <function>-<index>}. */
  String label() {
    return label;
  }

  URI healthUrl() {
    return healthUrl;
  }

  /** Starts the process; reports, rather than throws, when it cannot be started. */
  synchronized void start() {
    if (stopping) {
      return;
    }
    Process p;
    try {
      p = builder.start();
    } catch (IOException e) {
      unstartable = true;
      err.println(
          prefix
              + "cannot start "
              + String.join(" ", builder.command())
              + " in "
              + builder.directory()
              + ": "
              + e.getMessage()
              + "; the other functions keep running");
      return;
    }
    process = p;
    startedAt = System.nanoTime();
    if (started) {
      err.println(prefix + "restarted, pid " + p.pid());
    }
    started = true;
    Thread stdout = LinePump.start(p.getInputStream(), out, prefix, label + "-out");
    Thread stderr = LinePump.start(p.getErrorStream(), err, prefix, label + "-err");
    // Not on the thread that completes onExit: that one reaps every child of this JVM.
    p.onExit()
        .thenAcceptAsync(
            exited -> {
              awaitEnd(stdout);
              awaitEnd(stderr);
              exited(exited);
            },
            r -> Thread.ofVirtual().name(label + "-exit").start(r));
  }

  /** The pid of the current process, or -1 when there is none. */
  synchronized long pid() {
    return process == null ? -1 : process.pid();
  }

  /** How often its process exited by itself (not stopped by us). */
  int exits() {
    return exits;
  }

  /** Whether its command could not be started at all. */
  boolean isUnstartable() {
    return unstartable;
  }

  /**
   * No restart and no exit report from now on. Called on every replica as soon as a stop is asked
   * for: Ctrl-C in a terminal reaches the functions too, and one that exits before {@link #stop}
   * gets to it has not crashed.
   */
  synchronized void stopping() {
    stopping = true;
    if (restart != null) {
      restart.cancel(false);
    }
  }

  /**
   * Stops the process as {@link #stop} does and starts a new one, because what it runs changed. Not
   * a crash: the restart delay starts over, and a command that could not be started is tried again.
   */
  void restart() {
    Process p;
    synchronized (this) {
      if (stopping) {
        return;
      }
      if (restart != null) {
        restart.cancel(false);
      }
      p = process;
      replaced = p;
      failures = 0;
      unstartable = false;
    }
    stopProcess(p);
    start();
  }

  /**
   * SIGTERM to the process and its descendants, SIGKILL after the grace period; no restart after
   * this.
   */
  void stop() {
    Process p;
    synchronized (this) {
      stopping();
      p = process;
    }
    stopProcess(p);
  }

  private void stopProcess(Process p) {
    if (p != null && p.isAlive() && !ProcessTree.stop(p.toHandle(), grace)) {
      err.println(prefix + "did not stop within " + grace.toSeconds() + " s of SIGTERM: killed");
    }
  }

  /** SIGKILL to the process and its descendants, for a JVM that is exiting anyway. */
  void kill() {
    Process p;
    synchronized (this) {
      stopping();
      p = process;
    }
    if (p != null) {
      ProcessTree.kill(p.toHandle());
    }
  }

  private synchronized void exited(Process p) {
    if (stopping || p != process || p == replaced) {
      return;
    }
    exits++;
    long upNanos = System.nanoTime() - startedAt;
    if (upNanos >= STABLE_AFTER.toNanos()) {
      failures = 0;
    }
    failures++;
    Duration delay = FIRST_RESTART_DELAY.multipliedBy(1L << Math.min(failures - 1, 5));
    if (delay.compareTo(MAX_RESTART_DELAY) > 0) {
      delay = MAX_RESTART_DELAY;
    }
    err.println(
        prefix
            + "exited with code "
            + exitDescription(p.exitValue())
            + " after "
            + seconds(upNanos)
            + "; restarting in "
            + delay.toSeconds()
            + " s");
    restart = timer.schedule(this::start, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Java reports death by signal N as 128 + N, as shells do. */
  private static String exitDescription(int code) {
    return code > 128 && code < 160
        ? code + " (killed by signal " + (code - 128) + ")"
        : String.valueOf(code);
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
  }

  /** Lets the last lines of a process come out before what we say about its end. */
  private static void awaitEnd(Thread pump) {
    try {
      pump.join(Duration.ofSeconds(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
