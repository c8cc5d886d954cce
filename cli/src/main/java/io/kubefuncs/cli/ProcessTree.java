package io.kubefuncs.cli;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Stops a process and everything it started, as stopping a container does. The descendants are
 * listed while the process still runs: once it is gone they are re-parented and cannot be found
 * from it any more (a {@code go run} or {@code sh -c} wrapper would otherwise leave its program
 * running).
 */
final class ProcessTree {
  private static final Duration KILL_WAIT = Duration.ofSeconds(5);

  private ProcessTree() {}

  /**
   * SIGTERM to {@code root} and its descendants, then SIGKILL to whatever still runs after {@code
   * grace}, descendants started meanwhile included.
   *
   * @return whether everything stopped within {@code grace}
   */
  static boolean stop(ProcessHandle root, Duration grace) {
    Set<ProcessHandle> tree = tree(root);
    tree.forEach(ProcessHandle::destroy);
    if (awaitExit(tree, grace)) {
      return true;
    }
    tree.addAll(tree(root));
    tree.forEach(ProcessHandle::destroyForcibly);
    awaitExit(tree, KILL_WAIT);
    return false;
  }

  /** SIGKILL to {@code root} and its descendants, without waiting: for a JVM on its way out. */
  static void kill(ProcessHandle root) {
    tree(root).forEach(ProcessHandle::destroyForcibly);
  }

  private static Set<ProcessHandle> tree(ProcessHandle root) {
    Set<ProcessHandle> tree = new LinkedHashSet<>();
    Stream.concat(Stream.of(root), root.descendants()).forEach(tree::add);
    return tree;
  }

  private static boolean awaitExit(Set<ProcessHandle> processes, Duration timeout) {
    List<CompletableFuture<ProcessHandle>> exits =
        processes.stream().map(ProcessHandle::onExit).toList();
    try {
      CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new))
          .get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException("waiting for a process to exit failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
