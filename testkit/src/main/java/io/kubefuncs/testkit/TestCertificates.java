package io.kubefuncs.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for TLS tests, made fresh by {@code openssl} in a temporary directory, so that no
 * key is checked in and none outlives a day: a CA, an nsqd server certificate signed by it for
 * {@code 127.0.0.1}, {@code localhost} and {@value #SERVER_NAME}, a client certificate signed by
 * it, a second CA, and a client certificate signed by that second CA. Keys are PEM PKCS#8 (EC
 * P-256), as nsqd and the NSQ clients read them. Files are PEM, one per item.
 *
 * <p>openssl is found as {@code /usr/bin/openssl} or on the {@code PATH}.
 */
public final class TestCertificates {
  /** A DNS name in the server certificate that no resolver knows, to test the server name check. */
  public static final String SERVER_NAME = "nsqd.test";

  private final Path directory;

  private TestCertificates(Path directory) {
    this.directory = directory;
  }

  /**
   * Generates a full set; takes a few hundred milliseconds. The directory goes when the JVM exits.
   */
  public static TestCertificates generate() {
    Path dir = NsqdProcess.createWorkDirectory("certificates");
    TestCertificates certs = new TestCertificates(dir);
    certs.makeCa("ca", "kubefuncs test CA");
    certs.makeCa("other-ca", "unrelated test CA");
    certs.makeLeaf(
        "server",
        "ca",
        SERVER_NAME,
        "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:"
            + SERVER_NAME
            + "\nextendedKeyUsage=serverAuth\n");
    certs.makeLeaf("client", "ca", "kubefuncs test client", "extendedKeyUsage=clientAuth\n");
    certs.makeLeaf(
        "other-client", "other-ca", "unrelated test client", "extendedKeyUsage=clientAuth\n");
    return certs;
  }

  /** The CA that signed the server and client certificates. */
  public Path caCertificate() {
    return directory.resolve("ca.crt");
  }

  /** A CA that signed only {@link #otherClientCertificate()}: trusting only it must refuse nsqd. */
  public Path otherCaCertificate() {
    return directory.resolve("other-ca.crt");
  }

  public Path serverCertificate() {
    return directory.resolve("server.crt");
  }

  public Path serverKey() {
    return directory.resolve("server.key");
  }

  public Path clientCertificate() {
    return directory.resolve("client.crt");
  }

  public Path clientKey() {
    return directory.resolve("client.key");
  }

  /** A client certificate that nsqd, trusting {@link #caCertificate()}, must refuse. */
  public Path otherClientCertificate() {
    return directory.resolve("other-client.crt");
  }

  public Path otherClientKey() {
    return directory.resolve("other-client.key");
  }

  /** Where the files are, to put more next to them (a broken PEM, say). */
  public Path directory() {
    return directory;
  }

  private void makeCa(String name, String commonName) {
    String key = name + ".key";
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key);
    openssl(
        "req",
        "-x509",
        "-new",
        "-key",
        key,
        "-subj",
        "/CN=" + commonName,
        "-days",
        "1",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-out",
        name + ".crt");
  }

  private void makeLeaf(String name, String ca, String commonName, String extensions) {
    String key = name + ".key";
    String extFile = name + ".ext";
    try {
      Files.writeString(directory.resolve(extFile), extensions, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + extFile + " in " + directory, e);
    }
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key);
    openssl("req", "-new", "-key", key, "-subj", "/CN=" + commonName, "-out", name + ".csr");
    openssl(
        "x509",
        "-req",
        "-in",
        name + ".csr",
        "-CA",
        ca + ".crt",
        "-CAkey",
        ca + ".key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        extFile,
        "-out",
        name + ".crt");
  }

  private void openssl(String... arguments) {
    List<String> command = new ArrayList<>();
    command.add(Files.isExecutable(Path.of("/usr/bin/openssl")) ? "/usr/bin/openssl" : "openssl");
    command.addAll(List.of(arguments));
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(directory.toFile())
              .redirectErrorStream(true)
              .start();
      p.getOutputStream().close();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException(
            String.join(" ", command) + " failed in " + directory + ":\n" + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot run " + command.get(0) + " (is openssl installed?)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
    }
  }
}
