package io.kubefuncs;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The {@code ObjectMapper} of {@link GatewayRequest#bodyAs} and {@link GatewayResponse#json}, made
 * at the first use of either. A function that never reads or writes JSON never sets one up; when
 * {@code GatewayRequest} made it, its first request did, as its first {@code msg.http()}
 * initialized that class (the set-up took 45 ms of the gateway's start: bench/README.md, "The first
 * request").
 */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}
}
