package io.kubefuncs;

import io.kubefuncs.nsq.NsqConfig;
import io.kubefuncs.nsq.NsqProducer;
import io.netty.channel.EventLoop;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a client publishes on and gets its calls' answers through on one event loop: a producer
 * connection and a return topic whose connections both live on that loop. A server that calls from
 * its own event loops (the gateway) gets one lane per loop, so that a request read on a loop is
 * published, answered and written back on that loop without waking another thread; the profile of
 * one shared producer and return topic had a fifth of the gateway's time in those wake-ups
 * (bench/README.md, "The gateway image").
 */
record Lane(EventLoop loop, NsqProducer producer, Publisher publisher, Calls calls) {

  static Lane open(
      EventLoop loop,
      String returnTopic,
      String nsqdAddress,
      List<String> lookupds,
      NsqConfig config,
      Metrics metrics) {
    NsqConfig onLoop = config.toBuilder().eventLoopGroup(loop).build();
    NsqProducer producer = NsqProducer.create(nsqdAddress, onLoop);
    Publisher publisher = new Publisher(producer, metrics.publishFailures);
    Calls calls = new Calls(returnTopic, nsqdAddress, lookupds, onLoop, loop, publisher, metrics);
    return new Lane(loop, producer, publisher, calls);
  }

  /** Dials the producer and subscribes the return topic; see {@link Client#connect()}. */
  CompletableFuture<Void> connect() {
    // The return topic first: isConnected() then waits for it too, where it would otherwise be
    // true from the producer's connection on, while calls could not be answered yet.
    CompletableFuture<Void> returnTopic = calls.ready();
    return producer.connect().thenCompose(v -> returnTopic);
  }

  boolean isConnected() {
    return producer.isConnected() && calls.isConnected();
  }

  /** Fails the calls still waiting, then waits for the producer's unanswered publishes. */
  void close() {
    calls.close();
    producer.close();
  }
}
