package io.kubefuncs.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports handed to child processes, which listen on them later. They come from the half of the port
 * space below the kernel's ephemeral range, in turn from a random start, so that neither the kernel
 * (for a port-0 bind or a connection) nor this process (twice in a row) nor, most likely, another
 * {@code kubefuncs dev} gives the same port out before the child binds it.
 */
final class ChildPorts {
  private final int from;
  private final int size;
  private final AtomicInteger turn;

  /** Ports {@code from} to {@code to - 1}; none, so any free port: {@code from == to}. */
  ChildPorts(int from, int to) {
    if (from < 0 || to < from || to > 65536) {
      throw new IllegalArgumentException("no port range " + from + ".." + to);
    }
    this.from = from;
    this.size = to - from;
    this.turn = new AtomicInteger(size == 0 ? 0 : ThreadLocalRandom.current().nextInt(size));
  }

  /**
   * Below the range that {@code rangeFile} ({@code ip_local_port_range}: "low high") gives, down to
   * half its low end and not under 1024; any free port where that file is missing or unreadable.
   */
  static ChildPorts belowEphemeral(Path rangeFile) {
    int low;
    // Read as a stream: Files.readString returns only the first byte of this /proc file.
    try (BufferedReader reader = Files.newBufferedReader(rangeFile)) {
      String line = reader.readLine();
      low = Integer.parseInt(line == null ? "" : line.trim().split("\\s+")[0]);
    } catch (IOException | NumberFormatException e) {
      return new ChildPorts(0, 0);
    }
    int from = Math.max(1024, low / 2);
    return low > from ? new ChildPorts(from, Math.min(low, 65536)) : new ChildPorts(0, 0);
  }

  /** The next port of the range free on 127.0.0.1 now; any free one when the range has none. */
  int next() {
    for (int tried = 0; tried < size; tried++) {
      int port = from + Math.floorMod(turn.getAndIncrement(), size);
      if (isFree(port)) {
        return port;
      }
    }
    return anyFree();
  }

  private static boolean isFree(int port) {
    try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int anyFree() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }
}
