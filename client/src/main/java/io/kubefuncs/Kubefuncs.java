package io.kubefuncs;

import io.kubefuncs.internal.Tracing;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import sun.misc.Signal;

/**
 * The entry point of a function:
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *   Kubefuncs.run(msg -> msg.respond(GatewayResponse.ok("pong\n")));
 * }
 * }</pre>
 *
 * Reads its settings from the environment ({@code TOPIC}, {@code CHANNEL}, {@code NSQ_*}, {@code
 * HEALTHZ_ADDR}, {@code KUBEFUNCS_*}, and {@code OTEL_*} for tracing (see {@link Tracing}); see
 * docs/writing-a-function-in-java.md), consumes until SIGTERM or SIGINT, then drains and exits 0.
 * Bad settings exit 2 with one line naming the variable.
 */
public final class Kubefuncs {
  private Kubefuncs() {}

  public static void run(Handler handler) {
    Function function;
    try {
      FunctionConfig config = FunctionConfig.fromEnvironment(System.getenv());
      OpenTelemetrySdk tracing =
          Tracing.fromEnvironment(System.getenv(), config.topic()).orElse(null);
      if (tracing != null) {
        try {
          // So that spans the handler makes through the global API are children of the SDK's.
          GlobalOpenTelemetry.set(tracing);
        } catch (
            IllegalStateException alreadySet) { // by the application, or an agent: theirs stays
          System.getLogger(Kubefuncs.class.getName())
              .log(
                  System.Logger.Level.WARNING,
                  "GlobalOpenTelemetry was set before Kubefuncs.run; the SDK traces with its own, from OTEL_*");
        }
      }
      function = new Function(config, handler, PrometheusRegistry.defaultRegistry, tracing);
    } catch (ConfigException e) {
      System.err.println("kubefuncs: bad configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    // A shutdown hook would exit 143 on SIGTERM; a signal handler lets a clean drain exit 0.
    sun.misc.SignalHandler stop =
        signal ->
            Thread.ofPlatform()
                .name("kubefuncs-drain")
                .start(
                    () -> {
                      function.drain();
                      System.exit(0);
                    });
    Signal.handle(new Signal("TERM"), stop);
    Signal.handle(new Signal("INT"), stop);
    function.stopped().join();
  }
}
