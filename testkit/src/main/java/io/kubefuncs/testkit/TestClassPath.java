package io.kubefuncs.testkit;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The class path for a JVM a test starts to run one of the tests' classes. A module with a
 * module-info is tested on the module path: surefire puts the module and what it requires on the
 * module path, the rest on the class path, and patches the test classes into the module, so the
 * test JVM's class path alone misses most of them.
 */
public final class TestClassPath {
  private TestClassPath() {}

  /** The test JVM's class path and module path, and where {@code main} was loaded from. */
  public static String of(Class<?> main) {
    Set<String> entries = new LinkedHashSet<>();
    try {
      entries.add(
          Path.of(main.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    for (String property : new String[] {"jdk.module.path", "java.class.path"}) {
      String value = System.getProperty(property, "");
      for (String entry : value.split(File.pathSeparator)) {
        if (!entry.isEmpty()) {
          entries.add(entry);
        }
      }
    }
    return String.join(File.pathSeparator, entries);
  }
}
