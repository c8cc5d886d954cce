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
 * Bounds the request bodies that all connections together hold: the per-request limit alone lets
 * many slow bodies at once take any amount of memory. Sits in front of the body aggregator and
 * takes each chunk's bytes from the shared {@link Pool} before the aggregator keeps it; once the
 * request has gone through (the rest of the pipeline handles it before returning), the bytes go
 * back. A chunk the budget cannot cover ends the connection with 503. A request that becomes a call
 * takes its body's bytes again, until the call ends ({@link GatewayHandler}).
 */
final class BodyBudget extends ChannelInboundHandlerAdapter {
  /** One per gateway: the bytes still free for bodies. */
  static final class Pool {
    /**
     * The first bytes of each body, which the budget does not count: a budget taken by large bodies
     * must not refuse every small one, and these are bounded all the same, by --max-connections and
     * the requests each may have unanswered (4096 x 16 x 1 KiB = 64 MiB).
     */
    static final int UNCOUNTED_BYTES = 1024;

    private final AtomicLong free;

    Pool(long bytes) {
      free = new AtomicLong(bytes);
    }

    /** What a body of {@code bodyBytes} takes from the budget. */
    static long counted(long bodyBytes) {
      return Math.max(0, bodyBytes - UNCOUNTED_BYTES);
    }

    boolean take(long bytes) {
      if (bytes == 0) {
        return true; // most requests: no atomic operation for them
      }
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
      if (bytes != 0) {
        free.addAndGet(bytes);
      }
    }
  }

  private final Pool pool;
  private final int maxBodyBytes;
  private final GatewayMetrics metrics;

  /** Bytes of the current request's body received so far, and of those taken from the pool. */
  private long received;

  private long held;

  /**
   * The aggregator drops this request's body (over the limit, or a request refused at its headers):
   * nothing to hold.
   */
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
      dropped =
          request.decoderResult().isFailure()
              || HttpUtil.getContentLength(request, -1L) > maxBodyBytes;
      received = 0;
    }
    if (msg instanceof HttpContent content && !dropped) {
      long before = Pool.counted(received);
      received += content.content().readableBytes();
      long more = Pool.counted(received) - before;
      if (!pool.take(more)) {
        content.release();
        refuse(ctx);
        return;
      }
      held += more;
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
    FullHttpResponse busy = busy();
    HttpUtil.setContentLength(busy, busy.content().readableBytes());
    HttpUtil.setKeepAlive(busy, false);
    ctx.writeAndFlush(busy).addListener(ChannelFutureListener.CLOSE);
  }

  /** The answer to a request whose body the budget cannot take now. */
  static FullHttpResponse busy() {
    FullHttpResponse busy =
        GatewayHandler.json(
            HttpResponseStatus.SERVICE_UNAVAILABLE,
            "busy",
            "the gateway holds too many request bodies at once; retry shortly");
    busy.headers().set(HttpHeaderNames.RETRY_AFTER, 1);
    return busy;
  }
}
