package {{package}};

import io.kubefuncs.GatewayResponse;
import io.kubefuncs.Handler;
import io.kubefuncs.Kubefuncs;

/**
 * The {{name}} function. Kubefuncs.run reads its settings from the environment the function
 * chart (or `kubefuncs dev`) gives it, consumes its topic, and calls HANDLER once per event.
 */
public final class {{className}} {
  static final Handler HANDLER = msg -> msg.respond(GatewayResponse.ok("hello from {{name}}\n"));

  private {{className}}() {}

  public static void main(String[] args) {
    Kubefuncs.run(HANDLER);
  }
}
