package io.kubefuncs.cli;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Tells, under a name, when files or folder trees changed, once the changes have settled: a build
 * or an editor's save is a burst of events (a jar is truncated, then written in pieces), and acting
 * on the first would run a half-written file. Built on the JDK's WatchService.
 *
 * <p>The folders between a base folder and each watched path are watched too, so that a {@code
 * target/} that {@code mvn clean} deleted is seen again when the build creates it. A watched file
 * that does not exist when the changes settle holds its name back until it exists again: a clean
 * build deletes the jar long before it writes the new one.
 *
 * <p>In a watched folder, hidden folders and build outputs ({@code target}, {@code build}) are
 * skipped: a build writing there must not set off the watch of the sources it builds from.
 */
final class FileWatch implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(FileWatch.class.getName());

  /** How long no event must come before the changes count as settled. */
  static final Duration QUIET = Duration.ofMillis(300);

  private static final Set<String> SKIPPED = Set.of("target", "build", "node_modules");

  private final WatchService service;
  private final Consumer<Set<String>> onChange;
  private final Map<WatchKey, Path> folders = new ConcurrentHashMap<>();
  private final Map<Path, WatchKey> keys = new ConcurrentHashMap<>();
  private final Map<String, Watched> watched = new ConcurrentHashMap<>();
  private final Thread thread;
  // Only touched by the watch's thread.
  private boolean folderCreated;

  /**
   * What is watched under one name: paths (files or folders), the folder they are in, and files in
   * them that do not count.
   */
  private record Watched(List<Path> paths, Path base, Set<Path> ignored) {}

  /**
   * @param onChange called with the names whose paths changed, on the watch's own thread, one call
   *     at a time: what it does is never concurrent with itself
   */
  FileWatch(Consumer<Set<String>> onChange) throws IOException {
    this.service = FileSystems.getDefault().newWatchService();
    this.onChange = onChange;
    this.thread = Thread.ofPlatform().daemon().name("file-watch").start(this::run);
  }

  /**
   * Watches {@code paths} under {@code name}, instead of what that name watched before.
   *
   * @param base the folder the paths are in (a function's {@code local.dir}), from which the
   *     folders leading to each path are watched for being created again
   * @param ignored files whose changes do not count for this name, though in a watched folder
   */
  void watch(String name, List<Path> paths, Path base, Set<Path> ignored) {
    Watched w =
        new Watched(
            absolute(paths), base.toAbsolutePath().normalize(), Set.copyOf(absolute(ignored)));
    watched.put(name, w);
    register(w);
  }

  private static List<Path> absolute(Collection<Path> paths) {
    return paths.stream().map(p -> p.toAbsolutePath().normalize()).toList();
  }

  void unwatch(String name) {
    watched.remove(name);
  }

  private void run() {
    Set<String> pending = new HashSet<>();
    long settleAt = Long.MAX_VALUE; // nothing waiting to settle: wait for the next event
    try {
      while (true) {
        WatchKey key =
            settleAt == Long.MAX_VALUE
                ? service.take()
                : service.poll(Math.max(0, settleAt - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (key == null) {
          settle(pending);
          settleAt = Long.MAX_VALUE;
          continue;
        }
        if (changed(key, pending)) {
          settleAt = System.nanoTime() + QUIET.toNanos();
        }
        if (folderCreated) {
          // A folder came back (target/ after a clean) or was added to a watched tree.
          folderCreated = false;
          watched.values().forEach(this::register);
        }
      }
    } catch (ClosedWatchServiceException | InterruptedException e) {
      // Closed: the run is over.
    }
  }

  /**
   * Adds to {@code pending} the names that the events of {@code key} concern; whether there were
   * any.
   */
  private boolean changed(WatchKey key, Set<String> pending) {
    Path folder = folders.get(key);
    boolean any = false;
    for (WatchEvent<?> event : key.pollEvents()) {
      if (folder == null) {
        continue;
      }
      if (event.kind() == OVERFLOW) {
        // Events were lost, folders created among them: everything may have changed.
        pending.addAll(watched.keySet());
        folderCreated = true;
        any = true;
        continue;
      }
      Path changed = folder.resolve((Path) event.context());
      folderCreated |= event.kind() == ENTRY_CREATE && Files.isDirectory(changed);
      for (Map.Entry<String, Watched> w : watched.entrySet()) {
        if (concerns(w.getValue(), changed)) {
          pending.add(w.getKey());
          any = true;
        }
      }
    }
    if (!key.reset()) {
      folders.remove(key);
      keys.values().remove(key);
    }
    return any;
  }

  /**
   * Reports the pending names whose files all exist; those with a file missing stay pending until
   * the events of its writing settle.
   */
  private void settle(Set<String> pending) {
    pending.retainAll(watched.keySet());
    Set<String> ready = new HashSet<>();
    for (String name : pending) {
      Watched w = watched.get(name);
      if (w != null && w.paths().stream().allMatch(Files::exists)) {
        ready.add(name);
      }
    }
    pending.removeAll(ready);
    if (!ready.isEmpty()) {
      try {
        onChange.accept(Set.copyOf(ready));
      } catch (RuntimeException e) {
        // A bug in what reacts to one change must not end the watch of every later one.
        LOG.log(System.Logger.Level.ERROR, "acting on a change of " + ready + " failed", e);
      }
    }
  }

  /**
   * Whether a change of {@code changed} concerns {@code w}: a watched path, a path in a watched
   * tree, or a folder leading to one.
   */
  private static boolean concerns(Watched w, Path changed) {
    if (w.ignored().contains(changed)) {
      return false;
    }
    for (Path p : w.paths()) {
      if (p.equals(changed) || p.startsWith(changed)) {
        return true;
      }
      if (changed.startsWith(p) && !skipped(p.relativize(changed))) {
        return true;
      }
    }
    return false;
  }

  private static boolean skipped(Path relative) {
    for (Path part : relative) {
      String name = part.toString();
      if (name.startsWith(".") || SKIPPED.contains(name)) {
        return true;
      }
    }
    return false;
  }

  private void register(Watched w) {
    for (Path p : w.paths()) {
      if (p.startsWith(w.base())) {
        for (Path folder = w.base();
            !folder.equals(p);
            folder = folder.resolve(p.getName(folder.getNameCount()))) {
          registerFolder(folder);
        }
      } else if (p.getParent() != null) {
        registerFolder(p.getParent());
      }
      if (Files.isDirectory(p)) {
        try (Stream<Path> tree = Files.walk(p)) {
          tree.filter(Files::isDirectory)
              .filter(d -> !skipped(p.relativize(d)))
              .forEach(this::registerFolder);
        } catch (IOException | UncheckedIOException e) {
          // Changing while we walk it: the events of the change register what we missed.
        }
      }
    }
  }

  private void registerFolder(Path folder) {
    if (keys.containsKey(folder) || !Files.isDirectory(folder)) {
      return;
    }
    try {
      WatchKey key = folder.register(service, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE);
      folders.put(key, folder);
      keys.put(folder, key);
    } catch (IOException e) {
      // Deleted meanwhile: its parent's events bring it back when it is created again.
    }
  }

  @Override
  public void close() throws IOException {
    service.close();
    try {
      thread.join(Duration.ofSeconds(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
