package io.kubefuncs.testkit;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Kills the NSQ processes and deletes the temporary directories that a test forgot to close (or
 * could not close because the JVM is exiting), so that no nsqd outlives the test JVM and keeps
 * ports, files or CPU. It cannot help when the JVM itself is killed with SIGKILL.
 */
final class Reaper {
  private static final Set<Process> PROCESSES = ConcurrentHashMap.newKeySet();
  private static final Set<Path> DIRECTORIES = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(Reaper::reap, "kubefuncs-testkit-reaper"));
  }

  private Reaper() {}

  static void register(Process process) {
    PROCESSES.add(process);
  }

  static void unregister(Process process) {
    PROCESSES.remove(process);
  }

  static void register(Path directory) {
    DIRECTORIES.add(directory);
  }

  static void unregister(Path directory) {
    DIRECTORIES.remove(directory);
  }

  /** Kills {@code process} and everything it started, without waiting. */
  static void destroyForcibly(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  private static void reap() {
    for (Process process : PROCESSES) {
      destroyForcibly(process);
    }
    for (Process process : PROCESSES) {
      try {
        process.waitFor(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (Path directory : DIRECTORIES) {
      deleteQuietly(directory);
    }
  }

  /** Deletes a directory tree, best effort: a leftover temp file must not fail a test. */
  static void deleteQuietly(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc)
                throws IOException {
              Files.deleteIfExists(dir);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      // best effort
    }
  }
}
