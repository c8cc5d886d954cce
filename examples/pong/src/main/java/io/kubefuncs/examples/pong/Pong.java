package io.kubefuncs.examples.pong;

import io.kubefuncs.GatewayResponse;
import io.kubefuncs.Handler;
import io.kubefuncs.Kubefuncs;

/** The function of the getting-started guide: answers every request with "pong". */
public final class Pong {
  static final Handler HANDLER = msg -> msg.respond(GatewayResponse.ok("pong\n"));

  private Pong() {}

  public static void main(String[] args) {
    Kubefuncs.run(HANDLER);
  }
}
