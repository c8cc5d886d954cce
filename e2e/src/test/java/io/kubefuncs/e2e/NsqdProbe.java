package io.kubefuncs.e2e;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A bare NSQ client for what Kubefuncs' own clients are built never to do: talk to nsqd without
 * TLS, or with a wrong AUTH secret. Each call is one connection to 127.0.0.1:port (a port-forward
 * to an nsqd pod) that returns nsqd's last answer as text ("E_..." for an error frame).
 */
final class NsqdProbe {
  private static final int TIMEOUT_MILLIS = 10_000;

  private final int port;

  NsqdProbe(int port) {
    this.port = port;
  }

  /** IDENTIFY without TLS, then PUB: what nsqd answers the PUB. */
  String publishInPlainText(String topic) throws IOException {
    try (Socket socket = connect()) {
      var out = new DataOutputStream(socket.getOutputStream());
      var in = new DataInputStream(socket.getInputStream());
      identify(out, in, false);
      command(out, "PUB " + topic, "plain".getBytes(StandardCharsets.US_ASCII));
      return frame(in);
    }
  }

  /**
   * IDENTIFY asking for TLS, the TLS handshake verifying nsqd's certificate against {@code ca} for
   * {@code serverName}, then AUTH with {@code secret}: what nsqd answers the AUTH.
   */
  String authenticate(Path ca, String serverName, String secret) throws Exception {
    try (Socket plain = connect()) {
      identify(
          new DataOutputStream(plain.getOutputStream()),
          new DataInputStream(plain.getInputStream()),
          true);
      try (SSLSocket tls =
          (SSLSocket)
              trusting(ca).getSocketFactory().createSocket(plain, serverName, port, false)) {
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        var out = new DataOutputStream(tls.getOutputStream());
        var in = new DataInputStream(tls.getInputStream());
        String ok = frame(in);
        if (!ok.equals("OK")) {
          throw new IOException("nsqd answered the TLS upgrade with " + ok);
        }
        command(out, "AUTH", secret.getBytes(StandardCharsets.UTF_8));
        return frame(in);
      }
    }
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
    socket.setSoTimeout(TIMEOUT_MILLIS);
    socket.getOutputStream().write("  V2".getBytes(StandardCharsets.US_ASCII));
    return socket;
  }

  private static void identify(DataOutputStream out, DataInputStream in, boolean tls)
      throws IOException {
    String body =
        "{\"client_id\":\"e2e-probe\",\"hostname\":\"e2e-probe\",\"user_agent\":\"kubefuncs-e2e\","
            + "\"feature_negotiation\":true,\"tls_v1\":"
            + tls
            + "}";
    command(out, "IDENTIFY", body.getBytes(StandardCharsets.UTF_8));
    String answer = frame(in);
    if (answer.startsWith("E_") || (tls && !answer.contains("\"tls_v1\":true"))) {
      throw new IOException("nsqd answered IDENTIFY with " + answer);
    }
  }

  private static void command(DataOutputStream out, String line, byte[] body) throws IOException {
    out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
    out.writeInt(body.length);
    out.write(body);
    out.flush();
  }

  /** One frame's data as text: a response, or an error, whose code starts with E_. */
  private static String frame(DataInputStream in) throws IOException {
    int size = in.readInt();
    in.readInt(); // the frame type: nsqd sends no message to a client that has not subscribed
    return new String(in.readNBytes(size - 4), StandardCharsets.UTF_8);
  }

  private static SSLContext trusting(Path ca) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream pem = Files.newInputStream(ca)) {
      store.setCertificateEntry(
          "ca", CertificateFactory.getInstance("X.509").generateCertificate(pem));
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }
}
