/**
 * The function SDK: {@code Kubefuncs.run(handler)}, messages, the HTTP views and {@code Client}.
 *
 * <p>protobuf-java, Prometheus's and OpenTelemetry's jars have no module-info, only an
 * Automatic-Module-Name; their names are stable, so requiring them is safe, and the API hands out
 * their types (protobuf messages, {@code PrometheusRegistry}, {@code OpenTelemetry}), hence the
 * {@code transitive}.
 */
// "module": the modules named by the qualified export are built after this one.
@SuppressWarnings({"module", "requires-automatic", "requires-transitive-automatic"})
module io.kubefuncs.client {
  requires transitive io.kubefuncs.proto;
  // NsqConfig, the EventLoopGroup of Client.Builder.
  requires transitive io.kubefuncs.nsq;
  requires transitive io.opentelemetry.api;
  requires transitive io.prometheus.metrics.model;
  requires com.fasterxml.jackson.databind;
  requires io.netty.common;
  requires io.opentelemetry.context;
  requires io.opentelemetry.sdk;
  requires io.opentelemetry.sdk.autoconfigure;
  requires io.opentelemetry.sdk.autoconfigure.spi;
  requires io.prometheus.metrics.core;
  requires io.prometheus.metrics.config;
  requires io.prometheus.metrics.exporter.common;
  requires io.netty.buffer;
  requires io.netty.codec;
  requires io.netty.codec.http;
  requires io.netty.handler;
  // sun.misc.Signal: SIGTERM starts the drain.
  requires jdk.unsupported;

  exports io.kubefuncs;
  // Duration parsing, unknown-key messages, tracing set-up, the /metrics page and the admin
  // endpoints' text answers, which the gateway and the cli share with the SDK.
  exports io.kubefuncs.internal to
      io.kubefuncs.gateway,
      io.kubefuncs.cli;
}
