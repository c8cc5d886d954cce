package io.kubefuncs.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A port of 127.0.0.1 that refuses connections for as long as it is held: a socket bound to it that
 * never listens. For a test of "nothing answers there": a port found free and let go could
 * meanwhile be taken by anything on the machine, and then something would answer.
 */
public final class ClosedPort implements AutoCloseable {
  private final Socket socket;

  private ClosedPort(Socket socket) {
    this.socket = socket;
  }

  /** Binds a port the system picks; nothing else can bind or be given it until {@link #close}. */
  public static ClosedPort reserve() {
    try {
      return new ClosedPort(bound());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind a port of 127.0.0.1", e);
    }
  }

  // A Socket's default: no SO_REUSEADDR, so a listener asking for it cannot share the port either.
  private static Socket bound() throws IOException {
    Socket socket = new Socket();
    try {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  public int port() {
    return socket.getLocalPort();
  }

  /** {@code 127.0.0.1:port}. */
  public String address() {
    return "127.0.0.1:" + port();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
