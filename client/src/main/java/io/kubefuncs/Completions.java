package io.kubefuncs;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;

/**
 * Hands results over to the executor a caller chose, so that the futures the client returns never
 * complete on an NSQ I/O thread: a dependent stage that blocks there would stall every connection
 * of that loop, heartbeats included.
 */
final class Completions {
  private static final ThreadFactory VIRTUAL =
      Thread.ofVirtual().name("kubefuncs-completion").factory();

  /**
   * The client's default: a new virtual thread per completion. Costs about a microsecond, never
   * refuses work, needs no shutting down, and lets a dependent stage block.
   */
  static final Executor VIRTUAL_THREADS = r -> VIRTUAL.newThread(r).start();

  private Completions() {}

  /**
   * A future completed on {@code executor} as {@code source} completes; cancelling it leaves {@code
   * source} alone.
   */
  static <T> CompletableFuture<T> on(Executor executor, CompletableFuture<T> source) {
    CompletableFuture<T> out = new CompletableFuture<>();
    source.whenComplete((v, e) -> complete(executor, out, v, e));
    return out;
  }

  /**
   * Completes {@code future} on {@code executor}; on the calling thread if the executor refuses
   * (one the caller shut down), since a future left incomplete would hang whoever waits on it.
   */
  static <T> void complete(
      Executor executor, CompletableFuture<T> future, T value, Throwable failure) {
    Throwable cause = unwrap(failure);
    Runnable task =
        cause == null ? () -> future.complete(value) : () -> future.completeExceptionally(cause);
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      task.run();
    }
  }

  /** The failure itself, not the CompletionException a dependent future wraps it in. */
  static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }
}
