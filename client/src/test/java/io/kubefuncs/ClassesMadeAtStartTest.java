package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.nsq.NsqProducer;
import io.kubefuncs.nsq.internal.HostPort;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A function's start makes no class at run time from the SDK's own code: such classes (string
 * concatenation's, a record's equals and hashCode) are not in the AOT cache, so the JVM generates
 * them at every start, which cost start time and 5 MiB of C1 memory (bench/README.md, "Classes made
 * at run time"). Checked in the class files, where each would be an invokedynamic's bootstrap.
 */
class ClassesMadeAtStartTest {
  @Test
  void stringConcatenationIsCompiledInline() throws Exception {
    List<String> offenders = new ArrayList<>();
    for (Class<?> anchor : List.of(Client.class, NsqProducer.class)) {
      forEachClassFile(
          anchor,
          (name, bytes) -> {
            if (contains(bytes, "makeConcatWithConstants")) {
              offenders.add(name);
            }
          });
    }
    assertThat(offenders).as("classes that concatenate with an invokedynamic").isEmpty();
  }

  @Test
  void connectionKeysHaveTheirOwnEqualsAndHashCode() throws IOException {
    try (InputStream in = HostPort.class.getResourceAsStream("HostPort.class")) {
      assertThat(contains(in.readAllBytes(), "java/lang/runtime/ObjectMethods"))
          .as("HostPort bootstraps a record's generated equals and hashCode")
          .isFalse();
    }
  }

  private interface ClassFileVisitor {
    void visit(String name, byte[] bytes) throws IOException;
  }

  /** Every class file of the module (a folder in the reactor, a jar otherwise) ANCHOR is from. */
  private static void forEachClassFile(Class<?> anchor, ClassFileVisitor visitor)
      throws IOException, URISyntaxException {
    Path location = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
    if (Files.isDirectory(location)) {
      visitTree(location, visitor);
    } else {
      try (FileSystem jar = FileSystems.newFileSystem(location)) {
        visitTree(jar.getPath("/"), visitor);
      }
    }
  }

  private static void visitTree(Path root, ClassFileVisitor visitor) throws IOException {
    List<Path> classes;
    try (Stream<Path> files = Files.walk(root)) {
      classes = files.filter(p -> p.toString().endsWith(".class")).toList();
    }
    assertThat(classes).as("class files under %s", root).isNotEmpty();
    for (Path p : classes) {
      visitor.visit(root.relativize(p).toString(), Files.readAllBytes(p));
    }
  }

  /** Names in a class file's constant pool are (modified) UTF-8: ASCII ones appear as they are. */
  private static boolean contains(byte[] bytes, String ascii) {
    byte[] needle = ascii.getBytes(StandardCharsets.US_ASCII);
    outer:
    for (int i = 0; i + needle.length <= bytes.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (bytes[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
