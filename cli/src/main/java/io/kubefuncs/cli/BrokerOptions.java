package io.kubefuncs.cli;

import io.kubefuncs.devbroker.DevBroker;
import java.io.IOException;
import java.net.BindException;
import picocli.CommandLine.Option;

/** Where the dev broker listens: nsqd's and nsqlookupd's usual ports unless told otherwise. */
final class BrokerOptions {
  @Option(
      names = "--broker-host",
      defaultValue = "127.0.0.1",
      paramLabel = "HOST",
      description = "Address the dev broker listens on (default: ${DEFAULT-VALUE}).")
  String host;

  @Option(
      names = "--nsqd-tcp-port",
      defaultValue = "4150",
      paramLabel = "PORT",
      description =
          "The dev broker's nsqd TCP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int nsqdTcpPort;

  @Option(
      names = "--nsqd-http-port",
      defaultValue = "4151",
      paramLabel = "PORT",
      description =
          "The dev broker's nsqd HTTP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int nsqdHttpPort;

  @Option(
      names = "--lookupd-tcp-port",
      defaultValue = "4160",
      paramLabel = "PORT",
      description =
          "The dev broker's nsqlookupd TCP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int lookupdTcpPort;

  @Option(
      names = "--lookupd-http-port",
      defaultValue = "4161",
      paramLabel = "PORT",
      description =
          "The dev broker's nsqlookupd HTTP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int lookupdHttpPort;

  /** Fails, naming the port and its flag, if one of the broker's ports is taken. */
  void requireFreePorts() {
    Ports.requireFree(host, nsqdTcpPort, "--nsqd-tcp-port", "dev broker, nsqd TCP");
    Ports.requireFree(host, nsqdHttpPort, "--nsqd-http-port", "dev broker, nsqd HTTP");
    Ports.requireFree(host, lookupdTcpPort, "--lookupd-tcp-port", "dev broker, nsqlookupd TCP");
    Ports.requireFree(host, lookupdHttpPort, "--lookupd-http-port", "dev broker, nsqlookupd HTTP");
  }

  DevBroker start() throws IOException {
    requireFreePorts();
    try {
      return DevBroker.builder()
          .host(host)
          .tcpPort(nsqdTcpPort)
          .httpPort(nsqdHttpPort)
          .lookupdTcpPort(lookupdTcpPort)
          .lookupdHttpPort(lookupdHttpPort)
          .start();
    } catch (BindException e) {
      // Taken between the check and the start.
      throw new InvalidInputException(
          "the dev broker cannot listen: "
              + e.getMessage()
              + "; change its ports with --nsqd-tcp-port, --nsqd-http-port, --lookupd-tcp-port, --lookupd-http-port");
    }
  }
}
