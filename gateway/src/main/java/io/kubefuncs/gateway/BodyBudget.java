package io.kubefuncs.gateway;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the request bodies that all connections together hold while they arrive: the per-request
 * limit alone lets many slow bodies at once take any amount of memory. Sits in front of the body
 * aggregator and takes each chunk's bytes from the shared budget before the aggregator keeps it;
 * once the request has gone through (the rest of the pipeline handles it before returning), the
 * bytes go back. A chunk the budget cannot cover ends the connection with 503.
 */
final class BodyBudget extends ChannelInboundHandlerAdapter {
  /** One per gateway: the bytes still free for bodies being received. */
  static final class Pool {
    private final AtomicLong free;

    Pool(long bytes) {
      free = new AtomicLong(bytes);
    }

    boolean take(long bytes) {
      long now;
      do {
        now = free.get();
        if (now < bytes) {
          return false;
        }
      } while (!free.compareAndSet(now, now - bytes));
      return true;
    }

    void give(long bytes) {
      free.addAndGet(bytes);
    }

    long free() {
      return free.get();
    }
  }

  private final Pool pool;
  private final int maxBodyBytes;
  private final GatewayMetrics metrics;
  /** Bytes of the current request taken from the pool. */
  private long held;
  /** The aggregator drops this request's body (over the limit, or a request refused at its headers): nothing to hold. */
  private boolean dropped;
  private boolean refused;

  BodyBudget(Pool pool, int maxBodyBytes, GatewayMetrics metrics) {
    this.pool = pool;
    this.maxBodyBytes = maxBodyBytes;
    this.metrics = metrics;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest request) {
      dropped = request.decoderResult().isFailure() || HttpUtil.getContentLength(request, -1L) > maxBodyBytes;
    }
    if (msg instanceof HttpContent content && !dropped) {
      int bytes = content.content().readableBytes();
      if (bytes > 0) {
        if (!pool.take(bytes)) {
          content.release();
          refuse(ctx);
          return;
        }
        held += bytes;
      }
    }
    ctx.fireChannelRead(msg);
    if (msg instanceof LastHttpContent) {
      giveBack();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    giveBack();
    ctx.fireChannelInactive();
  }

  private void giveBack() {
    pool.give(held);
    held = 0;
  }

  private void refuse(ChannelHandlerContext ctx) {
    refused = true;
    giveBack();
    metrics.closedOverBodyBudget.inc();
    metrics.requests.labelValues("none", "503").inc();
    FullHttpResponse busy = GatewayHandler.json(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy",
        "the gateway is receiving too many request bodies at once; retry shortly");
    busy.headers().set(HttpHeaderNames.RETRY_AFTER, 1);
    HttpUtil.setContentLength(busy, busy.content().readableBytes());
    HttpUtil.setKeepAlive(busy, false);
    ctx.writeAndFlush(busy).addListener(ChannelFutureListener.CLOSE);
  }
}
