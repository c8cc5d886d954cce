package io.kubefuncs.gateway;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection that holds the gateway without moving: headers not complete within the header
 * timeout of their first byte, or of the connection's opening for its first request (slowloris,
 * which trickles bytes so that no idle timer ever fires), a body that stops arriving, a keep-alive
 * connection with nothing to do, answers the client stops reading. Sits right after the HTTP codec,
 * which tells it where a request starts and ends; the waiting itself is measured by Netty's {@link
 * IdleStateHandler} in front of the codec (body progress as reader idleness, keep-alive as idleness
 * both ways, and writer idleness as the tick at which answers waiting to be sent must have moved
 * since the last one, so that a slow reader still taking bytes is not cut off), see {@link
 * #install}. It also closes a connection with more than {@link #MAX_PIPELINE_DEPTH} requests
 * unanswered, and has its address cool down ({@link AbuseCooldown}). Each close is counted by
 * reason.
 */
final class ConnectionTimeouts extends ChannelDuplexHandler {
  private enum Reading {
    BETWEEN_REQUESTS,
    HEADERS,
    BODY
  }

  /**
   * Requests a connection may have unanswered: {@link PipelinedResponses#MAX_UNANSWERED} published
   * to their functions, and as many again decoded and waiting. The codec decodes every request of a
   * read, but the gateway publishes no more once that many are unanswered, and stops reading; those
   * decoded meanwhile wait, and that wait must stay bounded. A client that reads its answers gets
   * here only by sending more than this many at once; one that keeps writing without reading does
   * as soon as a read brings in more than this many, and is closed before the requests waiting are
   * published: such a connection costs the functions {@link PipelinedResponses#MAX_UNANSWERED}
   * calls, not one per request it managed to send.
   */
  static final int MAX_PIPELINE_DEPTH = 2 * PipelinedResponses.MAX_UNANSWERED;

  private final long headerTimeoutNanos;
  private final GatewayMetrics metrics;
  private final AbuseCooldown cooldown;
  private Reading reading = Reading.BETWEEN_REQUESTS;

  /**
   * Requests whose final answer has not been written yet: while any is, the connection is not idle.
   */
  private int unanswered;

  /** Whether the codec made anything of the bytes of the read under way. */
  private boolean decodedThisRead;

  private Future<?> headerDeadline;
  private boolean closed;

  /**
   * The answers waiting at the last writer-idle tick, as Netty's own IdleStateHandler tells output
   * progress: which message was at their head, how much of it was sent, how many bytes were waiting
   * in all (a pooled buffer can come back as the next answer's).
   */
  private int headIdentity;

  private long headProgress;
  private long pendingBytes;
  private ChannelHandlerContext ctx;
  private final Runnable headersLate = this::headersLate;

  private ConnectionTimeouts(
      long headerTimeoutNanos, GatewayMetrics metrics, AbuseCooldown cooldown) {
    this.headerTimeoutNanos = headerTimeoutNanos;
    this.metrics = metrics;
    this.cooldown = cooldown;
  }

  /** Adds the timeouts of {@code limits} around the HTTP codec named {@code codec}. */
  static void install(
      ChannelPipeline pipeline,
      String codec,
      GatewayConfig.Limits limits,
      GatewayMetrics metrics,
      AbuseCooldown cooldown) {
    pipeline.addBefore(
        codec,
        "idle",
        new IdleStateHandler(
            limits.bodyTimeout().toNanos(),
            limits.writeTimeout().toNanos(),
            limits.idleTimeout().toNanos(),
            TimeUnit.NANOSECONDS));
    pipeline.addAfter(
        codec,
        "timeouts",
        new ConnectionTimeouts(limits.headerTimeout().toNanos(), metrics, cooldown));
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    decodedThisRead = true;
    if (msg instanceof HttpRequest) {
      if (headerDeadline != null) {
        headerDeadline.cancel(false);
        headerDeadline = null;
      }
      reading = Reading.BODY;
      if (++unanswered > MAX_PIPELINE_DEPTH && !closed) {
        cooldown.offended(ctx.channel());
        close(metrics.pipelineTooDeep);
      }
    }
    if (closed) {
      ReferenceCountUtil.release(msg); // the rest of what the codec had decoded
      return;
    }
    if (msg instanceof LastHttpContent) {
      reading = Reading.BETWEEN_REQUESTS;
    }
    ctx.fireChannelRead(msg);
  }

  /**
   * A new connection's first request is due within the header timeout: a client that connects and
   * sends nothing holds a connection slot as surely as slowloris does.
   */
  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    awaitHeaders(ctx);
    ctx.fireChannelActive();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // Bytes came in and made no message: the start of a request's headers. A request whose headers
    // come in one read, as a normal client's do, never arms the timer.
    if (!decodedThisRead && reading == Reading.BETWEEN_REQUESTS && ctx.channel().isActive()) {
      awaitHeaders(ctx);
    }
    decodedThisRead = false;
    ctx.fireChannelReadComplete();
  }

  private void awaitHeaders(ChannelHandlerContext ctx) {
    reading = Reading.HEADERS;
    headerDeadline = ctx.executor().schedule(headersLate, headerTimeoutNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent idle) {
      if (idle.state() == IdleState.READER_IDLE && reading == Reading.BODY) {
        close(metrics.bodyTimeouts);
      } else if (idle.state() == IdleState.WRITER_IDLE && !answersMoved(ctx)) {
        close(metrics.writeTimeouts);
      } else if (idle.state() == IdleState.ALL_IDLE
          && reading == Reading.BETWEEN_REQUESTS
          && unanswered == 0
          && waitingAnswer(ctx) == null) {
        close(metrics.idleTimeouts);
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse r && r.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
      unanswered--;
    }
    ctx.write(msg, promise);
  }

  /**
   * Whether the answers waiting to be sent moved since the last writer-idle tick (another answer at
   * their head, or more of it sent), or there are none: writer idleness with nothing to write is
   * only an idle connection. The IdleStateHandler ticks every write timeout while no write
   * completes, so answers that did not move for one to two write timeouts end the connection.
   */
  private boolean answersMoved(ChannelHandlerContext ctx) {
    Object head = waitingAnswer(ctx);
    if (head == null) {
      headIdentity = 0;
      return true;
    }
    ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
    int identity = System.identityHashCode(head);
    boolean moved =
        identity != headIdentity
            || out.currentProgress() != headProgress
            || out.totalPendingWriteBytes() != pendingBytes;
    headIdentity = identity;
    headProgress = out.currentProgress();
    pendingBytes = out.totalPendingWriteBytes();
    return moved;
  }

  /** The answer (or part of one) at the head of those written and not yet sent, or null. */
  private static Object waitingAnswer(ChannelHandlerContext ctx) {
    ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
    return out == null ? null : out.current();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (headerDeadline != null) {
      headerDeadline.cancel(false);
    }
    ctx.fireChannelInactive();
  }

  private void headersLate() {
    if (reading == Reading.HEADERS) {
      close(metrics.headerTimeouts);
    }
  }

  private void close(CounterDataPoint reason) {
    closed = true;
    reason.inc();
    ctx.close();
  }
}
