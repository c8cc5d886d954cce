/** The NSQ client: producer, consumer and discovery over TCP protocol V2 on Netty. */
// "module": the modules named by the qualified export are built after this one.
@SuppressWarnings("module")
module io.kubefuncs.nsq {
  requires com.fasterxml.jackson.core;
  requires io.netty.buffer;
  requires io.netty.codec;
  requires io.netty.common;
  requires io.netty.handler;
  // NsqConfig takes an EventLoopGroup to share.
  requires transitive io.netty.transport;

  exports io.kubefuncs.nsq;
  // Address parsing, name checks, TLS settings and the nsqlookupd client: shared with the
  // project's own modules, not part of the client's API.
  exports io.kubefuncs.nsq.internal to
      io.kubefuncs.client,
      io.kubefuncs.gateway,
      io.kubefuncs.cli;
}
