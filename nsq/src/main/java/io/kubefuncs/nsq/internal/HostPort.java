package io.kubefuncs.nsq.internal;

import java.util.regex.Pattern;

/** A {@code host:port} pair as NSQ tools write it on the command line. */
public record HostPort(String host, int port) {
  /**
   * A DNS name or IPv4 address, or an IPv6 address (with a zone, written without brackets here).
   */
  private static final Pattern HOST =
      Pattern.compile("[A-Za-z0-9._-]+|[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?");

  /**
   * Parses {@code address}; a bad one throws {@link IllegalArgumentException} naming it as {@code
   * what}.
   */
  public static HostPort parse(String address, String what) {
    String s = address.trim();
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      s = s.substring(scheme + 3);
    }
    int slash = s.indexOf('/');
    if (slash >= 0) {
      s = s.substring(0, slash);
    }
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new IllegalArgumentException(what + " '" + address + "' must be host:port");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    // Caught here, where the address is given, rather than as a URI error on an I/O thread later.
    if (!isHost(host)) {
      throw new IllegalArgumentException(
          what
              + " '"
              + address
              + "' has host '"
              + host
              + "', which is not a host name or IP address");
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          what + " '" + address + "' has a port that is not a number");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(
          what + " '" + address + "' has port " + port + ", outside 1-65535");
    }
    return new HostPort(host, port);
  }

  /**
   * Whether {@code host} is a DNS name, an IPv4 address or an IPv6 address (with a zone), and
   * nothing more.
   */
  public static boolean isHost(String host) {
    return HOST.matcher(host).matches();
  }

  // Written out because a record's own equals and hashCode bootstrap through method handles at
  // their first call, spinning classes at run time that the AOT cache does not hold.
  @Override
  public boolean equals(Object o) {
    return o instanceof HostPort other && port == other.port && host.equals(other.host);
  }

  @Override
  public int hashCode() {
    return 31 * host.hashCode() + port;
  }

  @Override
  public String toString() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}
