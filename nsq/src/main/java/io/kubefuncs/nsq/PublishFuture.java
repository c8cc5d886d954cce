package io.kubefuncs.nsq;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The future of one publish. A caller blocked in {@link #join()} or {@code get} on it is counted,
 * so that the shared I/O threads know somebody is waiting for them and poll briefly before they
 * sleep ({@link SpinningSelectStrategy}). Futures derived from it ({@code thenApply} and the like)
 * are plain {@link CompletableFuture}s.
 */
final class PublishFuture extends CompletableFuture<Void> {
  private static final AtomicInteger BLOCKED = new AtomicInteger();

  /** How many threads are blocked on a publish now. */
  static int blockedCallers() {
    return BLOCKED.get();
  }

  @Override
  public Void join() {
    BLOCKED.incrementAndGet();
    try {
      return super.join();
    } finally {
      BLOCKED.decrementAndGet();
    }
  }

  @Override
  public Void get() throws InterruptedException, ExecutionException {
    BLOCKED.incrementAndGet();
    try {
      return super.get();
    } finally {
      BLOCKED.decrementAndGet();
    }
  }

  @Override
  public Void get(long timeout, TimeUnit unit)
      throws InterruptedException, ExecutionException, TimeoutException {
    BLOCKED.incrementAndGet();
    try {
      return super.get(timeout, unit);
    } finally {
      BLOCKED.decrementAndGet();
    }
  }
}
