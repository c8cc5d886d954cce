package io.kubefuncs.nsq.internal;

/** An nsqd as nsqlookupd lists it. */
public record NsqdNode(
    String broadcastAddress, String hostname, int tcpPort, int httpPort, String version) {

  /** Where clients connect: the broadcast address nsqd registered, with its TCP port. */
  public String tcpAddress() {
    return new HostPort(broadcastAddress, tcpPort).toString();
  }

  /** nsqd's HTTP API, as {@code host:port}. */
  public String httpAddress() {
    return new HostPort(broadcastAddress, httpPort).toString();
  }
}
