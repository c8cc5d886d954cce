package io.kubefuncs.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Listening ports: checked before anything starts, so that a taken one stops nothing half-way. */
final class Ports {
  private Ports() {}

  /**
   * Fails, naming the port and the flag that changes it, when {@code port} cannot be listened on at
   * {@code host} (empty: every interface). Port 0 means any free port and always passes.
   */
  static void requireFree(String host, int port, String flag, String what) {
    if (port == 0) {
      return;
    }
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port));
    } catch (BindException e) {
      throw new InvalidInputException(
          "port "
              + port
              + " ("
              + what
              + ") is in use"
              + (host.isEmpty() ? "" : " on " + host)
              + ": choose another with "
              + flag
              + " (0 picks a free one), or stop what listens there");
    } catch (IOException e) {
      throw new InvalidInputException(
          "cannot listen on "
              + host
              + ":"
              + port
              + " ("
              + what
              + "): "
              + e.getMessage()
              + "; change it with "
              + flag);
    }
  }

  /** A port free on 127.0.0.1 right now, for a child to listen on. */
  static int free() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }
}
