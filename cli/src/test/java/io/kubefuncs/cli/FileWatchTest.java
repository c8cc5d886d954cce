package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileWatch} on real files: what a build and an editor do to them. */
class FileWatchTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  @TempDir Path dir;

  private final List<Set<String>> changes = new CopyOnWriteArrayList<>();
  private FileWatch watch;

  @AfterEach
  void close() throws IOException {
    if (watch != null) {
      watch.close();
    }
  }

  private void awaitChanges(int count) {
    await().atMost(DEADLINE).until(() -> changes.size() >= count);
  }

  private void assertNothingFor(Duration period) {
    await().during(period).atMost(period.plus(DEADLINE)).until(changes::isEmpty);
  }

  @Test
  void aBurstOfWritesToAJarIsOneChange() throws Exception {
    Path jar = Files.createDirectories(dir.resolve("target")).resolve("app.jar");
    Files.writeString(jar, "v1");
    watch = new FileWatch(changes::add);
    watch.watch("app", List.of(jar), dir, Set.of());

    for (int i = 0; i < 20; i++) {
      Files.writeString(jar, "v2 part " + i);
    }

    awaitChanges(1);
    await()
        .during(FileWatch.QUIET.multipliedBy(3))
        .atMost(DEADLINE)
        .until(() -> changes.size() == 1);
    assertThat(changes).containsExactly(Set.of("app"));
  }

  @Test
  void aCleanBuildIsOneChangeOnceTheJarIsBackEvenInANewTargetFolder() throws Exception {
    Path target = Files.createDirectories(dir.resolve("target"));
    Path jar = Files.writeString(target.resolve("app.jar"), "v1");
    watch = new FileWatch(changes::add);
    watch.watch("app", List.of(jar), dir, Set.of());

    Files.delete(jar);
    Files.delete(target);
    // Compiling takes longer than the quiet period: nothing may be reported while the jar is
    // missing.
    assertNothingFor(FileWatch.QUIET.multipliedBy(3));
    Files.createDirectories(target);
    Files.writeString(jar, "v2");

    awaitChanges(1);
    assertThat(changes).containsExactly(Set.of("app"));
  }

  @Test
  void aSourceTreeCountsNewFoldersButNotBuildOutputHiddenFoldersOrIgnoredFiles() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src/main"));
    Files.writeString(src.resolve("A.java"), "class A {}");
    Files.createDirectories(dir.resolve("target"));
    Files.createDirectories(dir.resolve(".git"));
    Path other = Files.writeString(dir.resolve("other.yaml"), "a: 1");
    watch = new FileWatch(changes::add);
    watch.watch("app", List.of(dir), dir, Set.of(other));
    watch.watch("file", List.of(other), dir, Set.of());

    Files.writeString(dir.resolve("target/app.jar"), "built");
    Files.writeString(dir.resolve(".git/index"), "x");
    assertNothingFor(FileWatch.QUIET.multipliedBy(3));
    Files.writeString(other, "a: 2");
    awaitChanges(1);
    assertThat(changes).containsExactly(Set.of("file"));
    changes.clear();

    Path pkg = Files.createDirectories(src.resolve("pkg"));
    awaitChanges(1);
    // A folder created after the watch started is watched too.
    Files.writeString(pkg.resolve("B.java"), "class B {}");
    awaitChanges(2);
    assertThat(changes).containsOnly(Set.of("app"));
  }

  @Test
  void anEditorsSaveByRenameIsAChangeOfTheFileOnly() throws Exception {
    Path file = Files.writeString(dir.resolve("functions.yaml"), "a: 1");
    Path other = Files.writeString(dir.resolve("gateway.yaml"), "b: 1");
    watch = new FileWatch(changes::add);
    watch.watch("functions", List.of(file), dir, Set.of());
    watch.watch("routes", List.of(other), dir, Set.of());

    Path swap = Files.writeString(dir.resolve(".functions.yaml.swp"), "a: 2");
    Files.move(
        swap,
        file,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);

    awaitChanges(1);
    assertThat(changes).containsExactly(Set.of("functions"));
  }
}
