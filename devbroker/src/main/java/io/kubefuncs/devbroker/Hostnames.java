package io.kubefuncs.devbroker;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's name, as nsqd's {@code os.Hostname()} gives it, without a DNS lookup if possible.
 */
final class Hostnames {
  private static final String HOSTNAME = lookUp();

  private Hostnames() {}

  static String hostname() {
    return HOSTNAME;
  }

  /**
   * The address the embedded nsqd advertises through nsqlookupd: the address it listens on, so that
   * consumers reach it, or the hostname (nsqd's default) when it listens on every address.
   */
  static String broadcastAddress(String host) {
    return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")
        ? HOSTNAME
        : host;
  }

  private static String lookUp() {
    // Reading the kernel's name first: InetAddress.getLocalHost() can stall on a DNS lookup.
    try {
      String name =
          Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
      if (!name.isEmpty()) {
        return name;
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    String fromEnv = System.getenv("HOSTNAME");
    if (fromEnv == null) {
      fromEnv = System.getenv("COMPUTERNAME");
    }
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv.strip();
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
