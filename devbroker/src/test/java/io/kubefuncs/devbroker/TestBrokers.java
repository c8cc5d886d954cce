package io.kubefuncs.devbroker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/** Brokers on free ports, and names no two tests share. */
final class TestBrokers {
  private static final AtomicInteger NAMES = new AtomicInteger();

  private TestBrokers() {}

  static DevBroker.Builder onFreePorts() {
    return DevBroker.builder().tcpPort(0).httpPort(0).lookupdTcpPort(0).lookupdHttpPort(0);
  }

  static DevBroker start() {
    try {
      return onFreePorts().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A topic or channel name of its own for each call. */
  static String unique(String prefix) {
    return prefix + "-" + NAMES.incrementAndGet();
  }

  static String hostPort(InetSocketAddress address) {
    return address.getAddress().getHostAddress() + ":" + address.getPort();
  }

  static String url(InetSocketAddress address, String pathAndQuery) {
    return "http://" + hostPort(address) + pathAndQuery;
  }
}
