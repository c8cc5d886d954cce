package io.kubefuncs.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Turns a new connection away with one canned 503, written as soon as it opens, and closes it.
 * Nothing the client sends is read: a refused client that keeps sending costs no more than its
 * connection. The answer is built once and shared, so a flood of refusals allocates nothing.
 */
@ChannelHandler.Sharable
final class Refusal extends ChannelInboundHandlerAdapter {
  /**
   * How long a refused client has to read the 503 before the connection is closed. Closing at once
   * with its request unread would make the kernel answer with a reset, which can destroy the 503
   * before the client reads it; meanwhile the gateway's side is already shut (the client sees the
   * end of the answer at once).
   */
  static final long LINGER_SECONDS = 1;

  private final ByteBuf answer;

  /** A 503 with the gateway's JSON error body, and {@code Retry-After: retryAfterSeconds}. */
  Refusal(String code, String message, long retryAfterSeconds) {
    byte[] body = ErrorBody.of(503, code, message);
    String head =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: "
            + body.length
            + "\r\nRetry-After: "
            + retryAfterSeconds
            + "\r\nConnection: close\r\n\r\n";
    this.answer =
        Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), body).asReadOnly());
  }

  /** Sets up {@code channel}, not yet registered, to be refused instead of served. */
  void refuse(Channel channel) {
    channel.config().setAutoRead(false);
    channel.pipeline().addLast(this);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.writeAndFlush(answer.duplicate())
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess()) {
                    ((SocketChannel) f.channel()).shutdownOutput();
                  } else {
                    f.channel().close();
                  }
                });
    ctx.executor().schedule(() -> ctx.close(), LINGER_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close(); // the client reset
  }
}
