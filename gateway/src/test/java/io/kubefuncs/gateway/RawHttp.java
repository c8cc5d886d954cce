package io.kubefuncs.gateway;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One plain TCP connection speaking HTTP/1.1 by hand, for what a well-behaved client library
 * refuses to send (malformed request lines, huge headers) and to see exactly which responses travel
 * on which connection.
 */
final class RawHttp implements AutoCloseable {
  /** A response as it came off the wire; header names lower-cased. */
  record Response(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawHttp(int port) throws IOException {
    this(port, InetAddress.getLoopbackAddress());
  }

  /**
   * From {@code from}, a loopback address of its own (127.0.0.2...): to the gateway, another client
   * address.
   */
  RawHttp(int port, InetAddress from) throws IOException {
    socket = new Socket(InetAddress.getLoopbackAddress(), port, from, 0);
    socket.setSoTimeout(10_000); // never hang a test: a missing response fails it
    socket.setTcpNoDelay(true);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  RawHttp send(String text) throws IOException {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawHttp send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  /** Reads one response, framed by Content-Length (the gateway always sets it) unless interim. */
  Response read() throws IOException {
    String statusLine = line();
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP/1.x status line: " + statusLine);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String h = line(); !h.isEmpty(); h = line()) {
      int colon = h.indexOf(':');
      headers.put(
          h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
    }
    int status = Integer.parseInt(parts[1]);
    if (status / 100 == 1) {
      return new Response(
          status, headers, ""); // interim (100 Continue): no body, the final response follows
    }
    String length = headers.get("content-length");
    if (length == null) {
      throw new IOException("response without Content-Length: " + statusLine + " " + headers);
    }
    byte[] body = in.readNBytes(Integer.parseInt(length));
    if (body.length != Integer.parseInt(length)) {
      throw new EOFException("body shorter than its Content-Length " + length);
    }
    return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
  }

  /**
   * True when the server closed the connection (end of stream or reset) before sending anything
   * more.
   */
  boolean closedByServer() throws IOException {
    try {
      return in.read() == -1;
    } catch (SocketException reset) {
      return true;
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != '\n') {
      if (c == -1) {
        throw new EOFException(
            "connection closed mid-response after '"
                + b.toString(StandardCharsets.ISO_8859_1)
                + "'");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
