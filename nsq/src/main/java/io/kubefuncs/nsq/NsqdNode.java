package io.kubefuncs.nsq;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** An nsqd as nsqlookupd lists it. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record NsqdNode(
    @JsonProperty("broadcast_address") String broadcastAddress,
    @JsonProperty("hostname") String hostname,
    @JsonProperty("tcp_port") int tcpPort,
    @JsonProperty("http_port") int httpPort,
    @JsonProperty("version") String version) {

  /** Where clients connect: the broadcast address nsqd registered, with its TCP port. */
  public String tcpAddress() {
    return new HostPort(broadcastAddress, tcpPort).toString();
  }

  /** nsqd's HTTP API, as {@code host:port}. */
  public String httpAddress() {
    return new HostPort(broadcastAddress, httpPort).toString();
  }
}
