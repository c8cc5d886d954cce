package io.kubefuncs.nsq;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import java.nio.channels.spi.SelectorProvider;

/**
 * The process-wide I/O threads used when a config names no group of its own. Daemon threads, so a
 * forgotten client never keeps the JVM alive; one per core, as NSQ traffic is I/O-bound.
 */
final class EventLoops {
  private EventLoops() {}

  static EventLoopGroup shared() {
    return Holder.GROUP;
  }

  /**
   * NIO, polling briefly while a caller is blocked on a publish ({@link SpinningSelectStrategy}),
   * but not on one CPU (or a container limited to one), where polling only keeps the thread it
   * waits for off the CPU.
   */
  static IoHandlerFactory ioHandlerFactory(int cpus) {
    if (cpus < 2) {
      return NioIoHandler.newFactory();
    }
    // Netty hands each handler its own event loop, a SingleThreadEventExecutor.
    return loop -> {
      SingleThreadEventExecutor tasks = (SingleThreadEventExecutor) loop;
      return NioIoHandler.newFactory(
              SelectorProvider.provider(),
              () ->
                  new SpinningSelectStrategy(
                      () -> PublishFuture.blockedCallers() > 0, () -> tasks.pendingTasks() > 0))
          .newHandler(loop);
    };
  }

  private static final class Holder {
    private static final int CPUS = Runtime.getRuntime().availableProcessors();
    static final EventLoopGroup GROUP =
        new MultiThreadIoEventLoopGroup(
            CPUS, new DefaultThreadFactory("nsq-io", true), ioHandlerFactory(CPUS));
  }
}
