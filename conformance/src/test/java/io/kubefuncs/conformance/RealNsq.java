package io.kubefuncs.conformance;

import io.kubefuncs.testkit.NsqLookupdProcess;
import io.kubefuncs.testkit.NsqdProcess;
import java.net.InetSocketAddress;

/** The reference: real nsqd and nsqlookupd v1.3.0 processes with their default options. */
final class RealNsq implements Broker {
  private final NsqLookupdProcess lookupd;
  private final NsqdProcess nsqd;

  private RealNsq(NsqLookupdProcess lookupd, NsqdProcess nsqd) {
    this.lookupd = lookupd;
    this.nsqd = nsqd;
  }

  static RealNsq start() {
    NsqLookupdProcess lookupd = NsqLookupdProcess.start();
    try {
      return new RealNsq(lookupd, NsqdProcess.builder().lookupd(lookupd).start());
    } catch (RuntimeException | Error e) {
      lookupd.close();
      throw e;
    }
  }

  @Override
  public InetSocketAddress tcpAddress() {
    return new InetSocketAddress(nsqd.host(), nsqd.tcpPort());
  }

  @Override
  public InetSocketAddress httpAddress() {
    return new InetSocketAddress(nsqd.host(), nsqd.httpPort());
  }

  @Override
  public InetSocketAddress lookupdTcpAddress() {
    return new InetSocketAddress(lookupd.host(), lookupd.tcpPort());
  }

  @Override
  public InetSocketAddress lookupdHttpAddress() {
    return new InetSocketAddress(lookupd.host(), lookupd.httpPort());
  }

  @Override
  public void close() {
    try {
      nsqd.close();
    } finally {
      lookupd.close();
    }
  }

  @Override
  public String toString() {
    return "real " + nsqd + " registered with " + lookupd;
  }
}
