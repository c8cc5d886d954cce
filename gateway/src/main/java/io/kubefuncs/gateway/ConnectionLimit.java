package io.kubefuncs.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most so many open connections: each one costs memory and a file descriptor whatever it
 * sends, so past the limit a new connection gets a short 503 and is closed, and the clients
 * already connected are served as before.
 */
final class ConnectionLimit {
  /**
   * How long a refused client has to read the 503. Closing at once with its request unread would
   * make the kernel answer with a reset, which can destroy the 503 before the client reads it.
   */
  static final long REFUSAL_LINGER_SECONDS = 1;

  private final int max;
  private final GatewayMetrics metrics;
  private final AtomicInteger open = new AtomicInteger();
  private final ByteBuf refusal;
  private final ChannelHandler refuse = new Refuse();

  ConnectionLimit(int max, GatewayMetrics metrics, PrometheusRegistry registry) {
    this.max = max;
    this.metrics = metrics;
    byte[] body = ErrorBody.of(503, "too_many_connections", "the gateway has " + max + " connections open; retry shortly");
    String head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " + body.length
        + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n";
    this.refusal = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body).asReadOnly());
    GaugeWithCallback.builder().name("kubefuncs_gateway_connections")
        .help("Open HTTP connections").callback(cb -> cb.call(open.get())).register(registry);
  }

  /**
   * Counts {@code channel} in, until it closes, and returns true; over the limit, sets it up to be
   * refused instead and returns false.
   */
  boolean admit(Channel channel) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      metrics.refusedOverMaxConnections.inc();
      channel.pipeline().addLast(refuse);
      return false;
    }
    channel.closeFuture().addListener(f -> open.decrementAndGet());
    return true;
  }

  /** Answers 503 at once, then reads and drops what the client sends until it closes or the linger ends. */
  @ChannelHandler.Sharable
  private final class Refuse extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.writeAndFlush(refusal.duplicate()).addListener((ChannelFutureListener) f -> {
        if (f.isSuccess()) {
          ((SocketChannel) f.channel()).shutdownOutput();
        } else {
          f.channel().close();
        }
      });
      ctx.executor().schedule(() -> ctx.close(), REFUSAL_LINGER_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // the client reset
    }
  }
}
