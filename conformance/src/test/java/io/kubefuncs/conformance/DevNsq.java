package io.kubefuncs.conformance;

import io.kubefuncs.devbroker.DevBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;

/** The embedded dev broker, on ports chosen by the OS and otherwise with its defaults. */
final class DevNsq implements Broker {
  private final DevBroker broker;

  private DevNsq(DevBroker broker) {
    this.broker = broker;
  }

  static DevNsq start() {
    try {
      return new DevNsq(
          DevBroker.builder().tcpPort(0).httpPort(0).lookupdTcpPort(0).lookupdHttpPort(0).start());
    } catch (IOException e) {
      throw new UncheckedIOException("the dev broker did not start", e);
    }
  }

  @Override
  public InetSocketAddress tcpAddress() {
    return broker.tcpAddress();
  }

  @Override
  public InetSocketAddress httpAddress() {
    return broker.httpAddress();
  }

  @Override
  public InetSocketAddress lookupdTcpAddress() {
    return broker.lookupdTcpAddress();
  }

  @Override
  public InetSocketAddress lookupdHttpAddress() {
    return broker.lookupdHttpAddress();
  }

  @Override
  public void close() {
    broker.close();
  }

  @Override
  public String toString() {
    return "dev broker on " + tcpHostPort();
  }
}
