package io.kubefuncs.conformance;

import java.net.InetSocketAddress;

/**
 * One NSQ deployment under test: an nsqd and the nsqlookupd it registers with. The suite sees
 * nothing else of a broker, so every test says only what a client on the network can observe.
 */
interface Broker extends AutoCloseable {
  /** Where producers and consumers speak the TCP protocol. */
  InetSocketAddress tcpAddress();

  /** nsqd's HTTP API. */
  InetSocketAddress httpAddress();

  /** nsqlookupd's TCP port, which nsqds register with. */
  InetSocketAddress lookupdTcpAddress();

  /** nsqlookupd's HTTP API, which consumers query. */
  InetSocketAddress lookupdHttpAddress();

  @Override
  void close();

  /** {@code host:port} of {@link #tcpAddress()}, as clients and NSQ tools take it. */
  default String tcpHostPort() {
    return hostPort(tcpAddress());
  }

  /** {@code host:port} of {@link #lookupdHttpAddress()}, as clients and NSQ tools take it. */
  default String lookupdHttpHostPort() {
    return hostPort(lookupdHttpAddress());
  }

  /** {@code http://host:port} of nsqd, without a trailing slash. */
  default String httpUrl() {
    return "http://" + hostPort(httpAddress());
  }

  /** {@code http://host:port} of nsqlookupd, without a trailing slash. */
  default String lookupdHttpUrl() {
    return "http://" + lookupdHttpHostPort();
  }

  private static String hostPort(InetSocketAddress address) {
    return address.getHostString() + ":" + address.getPort();
  }
}
