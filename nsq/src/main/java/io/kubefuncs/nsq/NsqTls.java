package io.kubefuncs.nsq;

import io.kubefuncs.nsq.internal.HostPort;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * TLS to nsqd ({@code IDENTIFY tls_v1}): whom to trust, the client certificate for nsqd's {@code
 * --tls-client-auth-policy}, and the name nsqd's certificate must carry. Files are read and checked
 * when given, so a bad one fails at start with its name, not at the first dial; the SSL context is
 * built once here and shared by every connection.
 *
 * <pre>{@code
 * NsqConfig.builder().tls(NsqTls.builder().caFile(Path.of("/etc/nsq/ca.crt")).build())
 * }</pre>
 */
public final class NsqTls {
  private static final Pattern PEM_KEY =
      Pattern.compile("-----BEGIN ([A-Z ]*)PRIVATE KEY-----([^-]*)-----END");
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|.*:.*");

  private final SslContext context;
  private final String serverName;
  private final boolean hasCaFile;
  private final boolean hasClientCertificate;

  private NsqTls(
      SslContext context, String serverName, boolean hasCaFile, boolean hasClientCertificate) {
    this.context = context;
    this.serverName = serverName;
    this.hasCaFile = hasCaFile;
    this.hasClientCertificate = hasClientCertificate;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The name nsqd's certificate must carry when dialled at {@code address}. */
  String serverName(HostPort address) {
    return serverName != null ? serverName : address.host();
  }

  /**
   * A handler for one connection: checks nsqd's certificate against the trusted CAs and the server
   * name.
   */
  SslHandler newHandler(ByteBufAllocator alloc, HostPort address) {
    String name = serverName(address);
    SSLEngine engine = context.newEngine(alloc, name, address.port());
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    if (!IP_LITERAL.matcher(name).matches()) {
      parameters.setServerNames(List.of(new SNIHostName(name)));
    }
    engine.setSSLParameters(parameters);
    return new SslHandler(engine);
  }

  /** Says, in words a person setting up TLS can act on, why TLS with nsqd failed. */
  NsqException failure(HostPort address, Throwable cause) {
    String what =
        "TLS with nsqd " + address + " (server name " + serverName(address) + ") failed: ";
    for (Throwable t = cause; t != null; t = t.getCause()) {
      String message = t.getMessage() == null ? "" : t.getMessage();
      if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException) {
        return new NsqException(
            what
                + "nsqd's certificate is not trusted: it does not chain to "
                + (hasCaFile
                    ? "the CA file given"
                    : "the platform's trust store (give the CA file of nsqd's certificate)"),
            cause);
      }
      if (t instanceof CertificateException && message.contains(" matching ")) {
        return new NsqException(
            what
                + "nsqd's certificate does not carry the server name "
                + serverName(address)
                + " ("
                + message
                + ")",
            cause);
      }
    }
    // Alerts nsqd sent: it checks the client certificate.
    for (Throwable t = cause; t != null; t = t.getCause()) {
      String message = t.getMessage() == null ? "" : t.getMessage();
      if (message.contains("Received fatal alert: certificate_required")) {
        // nsqd names the CAs it accepts, and the JDK sends no certificate that none of them signed.
        return new NsqException(
            what
                + (hasClientCertificate
                    ? "nsqd requires a client certificate signed by a CA it trusts (its --tls-root-ca-file), and the one given is not"
                    : "nsqd requires a client certificate and none was given"),
            cause);
      }
      if (message.contains("Received fatal alert: bad_certificate")
          || message.contains("Received fatal alert: unknown_ca")) {
        return new NsqException(
            what + "nsqd refused the client certificate (" + message + ")", cause);
      }
    }
    String message =
        cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    return new NsqException(what + message, cause);
  }

  public static final class Builder {
    private X509Certificate[] trusted;
    private X509Certificate[] certificateChain;
    private PrivateKey key;
    private String serverName;

    private Builder() {}

    /**
     * The PEM file of the CA certificates nsqd's certificate must chain to; without it, the
     * platform's trust store. Read now: a file that is missing or holds no PEM certificate throws
     * {@link IllegalArgumentException} saying so.
     */
    public Builder caFile(Path pemFile) {
      this.trusted = certificates(pemFile);
      return this;
    }

    /**
     * The PEM client certificate (chain), for nsqd's {@code --tls-client-auth-policy}; read now.
     */
    public Builder certFile(Path pemFile) {
      this.certificateChain = certificates(pemFile);
      return this;
    }

    /** The PEM PKCS#8 private key of {@link #certFile}; read now. */
    public Builder keyFile(Path pemFile) {
      this.key = privateKey(pemFile);
      return this;
    }

    /**
     * The name nsqd's certificate must carry (sent as SNI and checked against the certificate); by
     * default the host of the address dialled. Set it when nsqd is dialled by IP address and its
     * certificate names a DNS name, as on Kubernetes, where nsqlookupd hands out pod IPs.
     */
    public Builder serverName(String name) {
      boolean valid = name != null && HostPort.isHost(name);
      if (valid && !IP_LITERAL.matcher(name).matches()) {
        try {
          new SNIHostName(name);
        } catch (IllegalArgumentException e) {
          valid = false;
        }
      }
      if (!valid) {
        throw new IllegalArgumentException(
            "server name must be a host name or IP address, got '" + name + "'");
      }
      this.serverName = name;
      return this;
    }

    /**
     * @throws IllegalArgumentException if only one of certificate and key was given, or they do not
     *     go together
     */
    public NsqTls build() {
      if ((certificateChain == null) != (key == null)) {
        throw new IllegalArgumentException(
            "a client certificate needs its key and a key its certificate: give both or neither");
      }
      SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK);
      if (trusted != null) {
        b.trustManager(trusted);
      }
      if (key != null) {
        b.keyManager(key, certificateChain);
      }
      try {
        return new NsqTls(b.build(), serverName, trusted != null, key != null);
      } catch (SSLException | IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "cannot use the client certificate and key: " + e.getMessage(), e);
      }
    }

    private static X509Certificate[] certificates(Path file) {
      String text = read(file);
      if (!text.contains("-----BEGIN CERTIFICATE-----")) {
        throw new IllegalArgumentException(
            file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
      }
      try {
        return CertificateFactory.getInstance("X.509")
            .generateCertificates(
                new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)))
            .stream()
            .map(X509Certificate.class::cast)
            .toArray(X509Certificate[]::new);
      } catch (CertificateException e) {
        throw new IllegalArgumentException(
            file + " is not a readable PEM certificate file: " + e.getMessage(), e);
      }
    }

    private static PrivateKey privateKey(Path file) {
      Matcher pem = PEM_KEY.matcher(read(file));
      if (!pem.find()) {
        throw new IllegalArgumentException(
            file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
      }
      if (!pem.group(1).isEmpty()) {
        throw new IllegalArgumentException(
            file
                + " holds a "
                + pem.group(1)
                + "PRIVATE KEY, not PKCS#8:"
                + " convert it with openssl pkcs8 -topk8 -nocrypt");
      }
      byte[] der;
      try {
        der = Base64.getMimeDecoder().decode(pem.group(2));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            file + " holds a PEM private key that is not valid base64", e);
      }
      for (String algorithm : List.of("EC", "RSA", "Ed25519", "RSASSA-PSS")) {
        try {
          return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
          // try the next algorithm
        }
      }
      throw new IllegalArgumentException(
          file + " holds a PKCS#8 key that is not an EC, RSA or Ed25519 key");
    }

    private static String read(Path file) {
      try {
        return Files.readString(file, StandardCharsets.ISO_8859_1);
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException(cannotRead(file, e), e);
      }
    }
  }

  /** "cannot read FILE: why", in words rather than exception class names. */
  public static String cannotRead(Path file, Exception e) {
    String why =
        e instanceof NoSuchFileException
            ? "no such file"
            : e instanceof AccessDeniedException
                ? "permission denied"
                : e instanceof IOException && Files.isDirectory(file)
                    ? "it is a directory"
                    : e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    return "cannot read " + file + ": " + why;
  }
}
