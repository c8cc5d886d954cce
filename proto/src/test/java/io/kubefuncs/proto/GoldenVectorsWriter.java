package io.kubefuncs.proto;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * (Re)writes the golden vectors: {@code proto/testdata/<name>.bin} and {@code vectors.json}, from
 * the definitions in {@link GoldenVectors#all()}. Output is reproducible: running it twice, or on
 * another machine, gives the same files. Stale {@code .bin} files are removed.
 *
 * <p>The committed files are the truth; normal test runs only read them. To regenerate after a
 * deliberate change (see {@code proto/testdata/README.md}):
 *
 * <pre>
 * ./mvnw -B -ntp -pl proto test-compile exec:java -Dexec.mainClass=io.kubefuncs.proto.GoldenVectorsWriter \
 *   -Dexec.classpathScope=test
 * </pre>
 *
 * <p>optionally giving the target directory as its argument.
 */
public final class GoldenVectorsWriter {

  private GoldenVectorsWriter() {}

  public static void main(String[] args) throws IOException {
    Path dir = args.length > 0 ? Path.of(args[0]) : GoldenVectors.testdataDir();
    write(dir);
  }

  static void write(Path dir) throws IOException {
    GoldenVectors.Generated generated = GoldenVectors.generate();
    Files.createDirectories(dir);
    try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "*.bin")) {
      for (Path file : old) {
        if (!generated.files().containsKey(file.getFileName().toString())) {
          Files.delete(file);
          System.out.println("removed " + file);
        }
      }
    }
    for (Map.Entry<String, byte[]> file : generated.files().entrySet()) {
      Files.write(dir.resolve(file.getKey()), file.getValue());
    }
    Files.write(dir.resolve(GoldenVectors.MANIFEST), generated.manifest());
    System.out.println(
        "wrote "
            + generated.files().size()
            + " vectors and "
            + GoldenVectors.MANIFEST
            + " to "
            + dir.toAbsolutePath().normalize());
  }
}
