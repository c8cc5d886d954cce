package io.kubefuncs.cli;

import io.kubefuncs.Client;
import io.kubefuncs.devbroker.DevBroker;
import io.kubefuncs.nsq.NsqConfig;
import io.kubefuncs.proto.Event;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * The Kubefuncs jars this command runs with, written into a new Java project as a Maven repository
 * of its own ({@code third_party/maven}) under a version that names exactly them.
 *
 * <p>Why: Kubefuncs is not on Maven Central yet, and the alternative, {@code 0.1.0-SNAPSHOT} from
 * {@code ~/.m2}, is whatever checkout installed last: a project would build against other code than
 * it was made with, and change under its feet. Here the project carries the jars it was made with,
 * versioned {@code 0.1.0-<first 12 hex digits of their SHA-256>}: a release version, so Maven never
 * looks for a newer one, and different jars can never share it. The poms are the modules' own (from
 * inside their jars) and the parent's, with the build's version replaced by that one.
 */
final class KubefuncsArtifacts {
  static final String GROUP = "io.kubefuncs";
  static final String PARENT = "kubefuncs-parent";

  /** The jars a function and its tests use: the client (with proto and nsq) and the dev broker. */
  private static final List<Class<?>> IN_JARS =
      List.of(Event.class, NsqConfig.class, Client.class, DevBroker.class);

  private final List<Path> jars;
  private final String buildVersion;
  private final String version;

  private KubefuncsArtifacts(List<Path> jars, String buildVersion, String version) {
    this.jars = jars;
    this.buildVersion = buildVersion;
    this.version = version;
  }

  /**
   * The jars on this command's class path.
   *
   * @param buildVersion the version they were built as, which their poms name
   * @throws IllegalStateException when the classes are not in jars: run from a build's class
   *     folders (an {@code mvn test} without {@code package}) rather than from kubefuncs.jar
   */
  static KubefuncsArtifacts ofThisCommand(String buildVersion) throws IOException {
    List<Path> jars = new ArrayList<>();
    MessageDigest sha256 = sha256();
    for (Class<?> c : IN_JARS) {
      Path jar;
      try {
        jar = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
      } catch (URISyntaxException e) {
        throw new IllegalStateException(
            "cannot locate the jar of " + c.getName() + ": " + e.getMessage(), e);
      }
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException(
            "kubefuncs init copies the Kubefuncs jars into the project, but "
                + c.getName()
                + " comes from "
                + jar
                + ", not a jar: package the modules first (./mvnw package)");
      }
      jars.add(jar);
      sha256.update(Files.readAllBytes(jar));
    }
    String release = buildVersion.replaceFirst("-SNAPSHOT$", "");
    String digest = HexFormat.of().formatHex(sha256.digest()).substring(0, 12);
    return new KubefuncsArtifacts(List.copyOf(jars), buildVersion, release + "-" + digest);
  }

  /** The version the project depends on. */
  String version() {
    return version;
  }

  /**
   * Writes the jars and their poms, and the parent pom, in Maven's repository layout under {@code
   * repo}.
   */
  void writeTo(Path repo) throws IOException {
    try (InputStream in =
        KubefuncsArtifacts.class.getResourceAsStream("init/kubefuncs-parent/pom.xml")) {
      if (in == null) {
        throw new IllegalStateException(
            "the parent pom is missing from the kubefuncs command: rebuild it");
      }
      writePom(repo, PARENT, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    for (Path jar : jars) {
      try (JarFile file = new JarFile(jar.toFile())) {
        String artifactId = artifactId(file, jar);
        writePom(
            repo,
            artifactId,
            read(file, "META-INF/maven/" + GROUP + "/" + artifactId + "/pom.xml", jar));
        write(
            artifactFolder(repo, artifactId).resolve(artifactId + "-" + version + ".jar"),
            Files.readAllBytes(jar));
      }
    }
  }

  private void writePom(Path repo, String artifactId, String pom) throws IOException {
    if (!pom.contains("<version>" + buildVersion + "</version>")) {
      throw new IllegalStateException(
          "the pom of " + artifactId + " does not name version " + buildVersion);
    }
    String pinned =
        pom.replace(
            "<version>" + buildVersion + "</version>", "<version>" + version + "</version>");
    write(
        artifactFolder(repo, artifactId).resolve(artifactId + "-" + version + ".pom"),
        pinned.getBytes(StandardCharsets.UTF_8));
  }

  private Path artifactFolder(Path repo, String artifactId) {
    return repo.resolve(GROUP.replace('.', '/')).resolve(artifactId).resolve(version);
  }

  /** The file and its SHA-1, which Maven checks (and warns about when it is missing). */
  private static void write(Path file, byte[] content) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, content);
    try {
      String sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(content));
      Files.writeString(file.resolveSibling(file.getFileName() + ".sha1"), sha1);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String artifactId(JarFile file, Path jar) throws IOException {
    Properties p = new Properties();
    for (var entries = file.entries(); entries.hasMoreElements(); ) {
      ZipEntry e = entries.nextElement();
      if (e.getName().startsWith("META-INF/maven/" + GROUP + "/")
          && e.getName().endsWith("/pom.properties")) {
        try (InputStream in = file.getInputStream(e)) {
          p.load(in);
        }
        return p.getProperty("artifactId");
      }
    }
    throw new IllegalStateException(
        jar + " has no Maven pom.properties: not a jar the Kubefuncs build made");
  }

  private static String read(JarFile file, String entry, Path jar) throws IOException {
    ZipEntry e = file.getEntry(entry);
    if (e == null) {
      throw new IllegalStateException(jar + " has no " + entry);
    }
    try (InputStream in = file.getInputStream(e)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
