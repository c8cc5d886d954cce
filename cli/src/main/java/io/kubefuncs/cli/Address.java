package io.kubefuncs.cli;

/** A {@code [host]:port} given on the command line; an empty host means every interface. */
record Address(String host, int port) {
  static Address parse(String flag, String text) {
    int colon = text.lastIndexOf(':');
    if (colon >= 0) {
      try {
        int port = Integer.parseInt(text.substring(colon + 1));
        if (port >= 0 && port <= 65535) {
          return new Address(text.substring(0, colon), port);
        }
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw new InvalidInputException(
        flag + " must be [host]:port, like 127.0.0.1:4150 or :8080, got '" + text + "'");
  }

  /** A bound listener's address, with the host as it was given (not resolved). */
  static Address of(java.net.InetSocketAddress bound) {
    return new Address(bound.getHostString(), bound.getPort());
  }

  /** The host to connect to for this address: the local one when it names every interface. */
  String connectHost() {
    return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
