package io.kubefuncs.gateway;

import io.kubefuncs.GatewayResponse;
import io.kubefuncs.Kubefuncs;

/**
 * A function as users write it, for {@link FirstRequestTest} to run in a child JVM as Kubernetes
 * would.
 */
public final class GreeterFunctionMain {
  private GreeterFunctionMain() {}

  public static void main(String[] args) {
    Kubefuncs.run(msg -> msg.respond(GatewayResponse.ok("hello " + msg.http().path())));
  }
}
