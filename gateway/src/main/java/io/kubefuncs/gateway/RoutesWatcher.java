package io.kubefuncs.gateway;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Re-reads the routes file when its content changes. A mounted ConfigMap is updated by swapping a
 * symlink ({@code ..data}) rather than writing the file, so watching the file's own modification
 * time misses updates; comparing content on a short poll sees every kind of update, symlink swaps
 * included, at the cost of reading a small file once a second.
 */
final class RoutesWatcher implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RoutesWatcher.class.getName());

  private final Path file;
  private final Duration defaultTimeout;
  private final Consumer<Routes> onReload;
  private final Consumer<String> onRejected;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "routes-watcher");
            t.setDaemon(true);
            return t;
          });
  private byte[] lastContent;

  RoutesWatcher(
      Path file,
      byte[] initialContent,
      Duration defaultTimeout,
      Duration interval,
      Consumer<Routes> onReload,
      Consumer<String> onRejected) {
    this.file = file;
    this.lastContent = initialContent;
    this.defaultTimeout = defaultTimeout;
    this.onReload = onReload;
    this.onRejected = onRejected;
    timer.scheduleWithFixedDelay(
        this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void check() {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      // Mid-swap or briefly absent: the next poll sees the settled state.
      return;
    }
    if (Arrays.equals(content, lastContent)) {
      return;
    }
    lastContent = content;
    try {
      Routes routes =
          RoutesFile.parse(
              new String(content, java.nio.charset.StandardCharsets.UTF_8),
              file.toString(),
              defaultTimeout);
      LOG.log(
          System.Logger.Level.INFO,
          "reloaded {0}: {1} routes",
          file,
          String.valueOf(routes.size()));
      onReload.accept(routes);
    } catch (RoutesFile.InvalidRoutesException e) {
      LOG.log(System.Logger.Level.WARNING, "kept the previous routes; new " + e.getMessage());
      onRejected.accept(e.getMessage());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
