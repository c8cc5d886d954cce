package io.kubefuncs.cli;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

/** Listening ports: checked before anything starts, so that a taken one stops nothing half-way. */
final class Ports {
  private static final ChildPorts CHILD_PORTS =
      ChildPorts.belowEphemeral(Path.of("/proc/sys/net/ipv4/ip_local_port_range"));

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

  /**
   * A port free on 127.0.0.1 right now, for a child to listen on once it has started.
   *
   * <p>Not one the kernel would pick for a {@code bind} to port 0 or for an outgoing connection:
   * between now and the child's listen, a second or so for a JVM, anything on the machine (the
   * dashboard of this very process, too) could be given that one.
   */
  static int free() {
    return CHILD_PORTS.next();
  }
}
