package io.kubefuncs.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * The ceiling for the gateway benchmarks: HTTP alone. Netty's HTTP codec, keep-alive and
 * aggregation, with the gateway's limits, answering "pong" itself with no queue behind it; none of
 * the gateway's own stages (request checks, body budgets, timeouts, routing, metrics). {@code
 * PlainPongServer <port>}.
 */
public final class PlainPongServer {
  private static final byte[] PONG = "pong\n".getBytes(StandardCharsets.UTF_8);

  private PlainPongServer() {}

  public static void main(String[] args) throws InterruptedException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
    Pong pong = new Pong();
    new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                    .addLast(new HttpServerCodec(8192, 16384, 8192))
                    .addLast(new HttpServerKeepAliveHandler())
                    .addLast(new HttpObjectAggregator(10 * 1024 * 1024, true))
                    .addLast(pong);
              }
            })
        .bind("127.0.0.1", Integer.parseInt(args[0]))
        .sync()
        .channel()
        .closeFuture()
        .sync();
  }

  @ChannelHandler.Sharable
  private static final class Pong extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(PONG));
      r.headers().set("Content-Type", "text/plain; charset=utf-8");
      HttpUtil.setContentLength(r, PONG.length);
      HttpUtil.setKeepAlive(r, HttpUtil.isKeepAlive(request));
      ctx.writeAndFlush(r, ctx.voidPromise());
    }
  }
}
