/** The HTTP gateway, an application: nothing is exported but what the cli embeds. */
// "module": the module named by the qualified export is built after this one. OpenTelemetry's
// and Prometheus's jars have only an Automatic-Module-Name.
@SuppressWarnings({"module", "requires-automatic"})
module io.kubefuncs.gateway {
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.dataformat.yaml;
  requires io.kubefuncs.client;
  requires io.netty.buffer;
  requires io.netty.codec;
  requires io.netty.codec.http;
  requires io.netty.common;
  requires io.netty.handler;
  requires io.netty.transport;
  requires io.opentelemetry.api;
  requires io.opentelemetry.context;
  requires io.opentelemetry.sdk;
  requires io.prometheus.metrics.core;
  requires io.prometheus.writer.text;
  requires io.prometheus.metrics.model;
  requires java.net.http;
  requires org.apache.commons.cli;

  // `kubefuncs dev` and `kubefuncs gateway` run the gateway in the cli's process.
  exports io.kubefuncs.gateway to
      io.kubefuncs.cli;

  // Jackson writes the dashboard's state.
  opens io.kubefuncs.gateway to
      com.fasterxml.jackson.databind;
}
