package io.kubefuncs.gateway;

import io.kubefuncs.HttpResponse;
import io.kubefuncs.Kubefuncs;

/**
 * A function as users write it, for {@link FirstRequestTest} to run in a child JVM as Kubernetes
 * would.
 */
public final class GreeterFunctionMain {
  private GreeterFunctionMain() {}

  public static void main(String[] args) {
    Kubefuncs.run(msg -> msg.respond(HttpResponse.ok("hello " + msg.http().path())));
  }
}
