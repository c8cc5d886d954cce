package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.nsq.NsqProducer;
import io.kubefuncs.nsq.internal.HostPort;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
      classFiles(anchor)
          .forEach(
              (name, text) -> {
                if (text.contains("makeConcatWithConstants")) {
                  offenders.add(name);
                }
              });
    }
    assertThat(offenders).as("classes that concatenate with an invokedynamic").isEmpty();
  }

  @Test
  void connectionKeysHaveTheirOwnEqualsAndHashCode() throws Exception {
    assertThat(classFiles(HostPort.class).get("io/kubefuncs/nsq/internal/HostPort.class"))
        .as("HostPort bootstraps a record's generated equals and hashCode")
        .doesNotContain("java/lang/runtime/ObjectMethods");
  }

  /**
   * Each class file of ANCHOR's module by name, read as ISO-8859-1: names in a class file's
   * constant pool are (modified) UTF-8, so ASCII ones appear in the text as they are. Read where
   * the class was loaded from, a folder or a jar, which holds the module without the tests that
   * surefire patches into it.
   */
  private static Map<String, String> classFiles(Class<?> anchor)
      throws IOException, URISyntaxException {
    Path location = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
    ModuleReference module = ModuleFinder.of(location).findAll().iterator().next();
    Map<String, String> files = new TreeMap<>();
    try (ModuleReader reader = module.open();
        Stream<String> names = reader.list()) {
      for (String name : names.filter(n -> n.endsWith(".class")).toList()) {
        try (InputStream in = reader.open(name).orElseThrow()) {
          files.put(name, new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
        }
      }
    }
    assertThat(files).as("class files of %s", anchor.getModule()).isNotEmpty();
    return files;
  }
}
