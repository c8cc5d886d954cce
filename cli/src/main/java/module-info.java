/** The kubefuncs command, an application: it exports nothing. */
// Prometheus's model has only an Automatic-Module-Name.
@SuppressWarnings("requires-automatic")
module io.kubefuncs.cli {
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.dataformat.yaml;
  requires info.picocli;
  requires io.kubefuncs.client;
  requires io.kubefuncs.devbroker;
  requires io.kubefuncs.gateway;
  requires io.prometheus.metrics.model;
  requires java.logging;
  requires java.management;
  requires java.net.http;
  requires jdk.unsupported;
  requires org.yaml.snakeyaml;

  // picocli sets the commands' options and calls their methods.
  opens io.kubefuncs.cli to
      info.picocli;
}
