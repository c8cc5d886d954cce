package io.kubefuncs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * Runs a function's {@code local.build} in its folder for {@code kubefuncs dev}, before the
 * function starts and after each change of its sources, and shows it as it goes: a line when it
 * starts, every line it prints after the function's label, and a line with its outcome and how long
 * it took. One build at a time; {@link #cancel} ends the running one when {@code dev} stops.
 */
final class FunctionBuild {
  private static final Duration CANCEL_GRACE = Duration.ofSeconds(5);

  private final PrintWriter out;
  private final PrintWriter err;
  private final int labelWidth;
  private volatile Process running;
  private volatile boolean cancelled;

  FunctionBuild(PrintWriter out, PrintWriter err, int labelWidth) {
    this.out = out;
    this.err = err;
    this.labelWidth = labelWidth;
  }

  /** Builds {@code fn}; whether the build succeeded. */
  boolean run(FunctionSpec fn) throws InterruptedException {
    if (cancelled) {
      return false;
    }
    String command = String.join(" ", fn.build());
    out.println("building " + fn.name() + ": " + command);
    long start = System.nanoTime();
    Process p;
    try {
      p = new ProcessBuilder(fn.build()).directory(fn.dir().toFile()).start();
    } catch (IOException e) {
      err.println(
          "cannot build "
              + fn.name()
              + ": cannot run "
              + command
              + " in "
              + fn.dir()
              + ": "
              + e.getMessage()
              + "; it runs the previous build, if there is one");
      return false;
    }
    running = p;
    if (cancelled) {
      // dev began to stop while this build started: it must not outlive dev.
      ProcessTree.stop(p.toHandle(), CANCEL_GRACE);
    }
    String prefix = Labels.of(fn.name(), labelWidth);
    Thread stdout = LinePump.start(p.getInputStream(), out, prefix, fn.name() + "-build-out");
    Thread stderr = LinePump.start(p.getErrorStream(), err, prefix, fn.name() + "-build-err");
    int code = p.waitFor();
    stdout.join(Duration.ofSeconds(1));
    stderr.join(Duration.ofSeconds(1));
    running = null;
    String took = String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - start) / 1e9);
    if (code != 0) {
      err.println(
          "build of "
              + fn.name()
              + " failed with code "
              + code
              + " after "
              + took
              + "; it runs the previous build, if there is one");
      return false;
    }
    out.println("built " + fn.name() + " in " + took);
    return true;
  }

  /** Stops the running build, if any, and any later one before it starts. */
  void cancel() {
    cancelled = true;
    Process p = running;
    if (p != null) {
      ProcessTree.stop(p.toHandle(), CANCEL_GRACE);
    }
  }
}
