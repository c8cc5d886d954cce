package io.kubefuncs.nsq;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The process-wide I/O threads used when a config names no group of its own. Daemon threads, so a
 * forgotten client never keeps the JVM alive; one per core, as NSQ traffic is I/O-bound.
 */
final class EventLoops {
  private EventLoops() {}

  static EventLoopGroup shared() {
    return Holder.GROUP;
  }

  private static final class Holder {
    static final EventLoopGroup GROUP =
        new MultiThreadIoEventLoopGroup(
            Runtime.getRuntime().availableProcessors(),
            new DefaultThreadFactory("nsq-io", true),
            NioIoHandler.newFactory());
  }
}
