package io.kubefuncs;

import io.kubefuncs.internal.MetricsScrape;
import io.kubefuncs.internal.PlainText;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * {@code /healthz} and {@code /metrics} on {@code HEALTHZ_ADDR}, for Kubernetes probes and
 * Prometheus. Health is 503 until the function is subscribed, 200 while it serves and is connected
 * to an nsqd, 503 while it drains, so no traffic is routed to a pod that is starting, stopping or
 * cut off from NSQ.
 *
 * <p>One Netty event loop of its own serves both: a probe is answered while the NSQ loops are busy,
 * and a slow scrape (a collector of the application's in the registry) never holds up events.
 */
final class HealthServer implements AutoCloseable {
  enum State {
    STARTING,
    SERVING,
    DRAINING
  }

  /** The kubelet's probes and Prometheus' scrapes are short GETs: anything longer is refused. */
  private static final int MAX_INITIAL_LINE = 4096;

  private static final int MAX_HEADER_SIZE = 8192;

  /**
   * A connection with nothing read for this long is closed: Prometheus keeps its connection between
   * scrapes (every 15 s to 1 min), the kubelet opens one per probe; a client that connects and
   * sends nothing, or half a request, does not keep a socket for ever.
   */
  private static final Duration IDLE = Duration.ofSeconds(90);

  private final EventLoopGroup loop;
  private final Channel server;
  private final BooleanSupplier connected;
  private final MetricsScrape metrics;
  private volatile State state = State.STARTING;

  /** {@code connected}: whether the function is subscribed to at least one nsqd right now. */
  HealthServer(String host, int port, PrometheusRegistry registry, BooleanSupplier connected) {
    this(host, port, registry, connected, IDLE);
  }

  HealthServer(
      String host,
      int port,
      PrometheusRegistry registry,
      BooleanSupplier connected,
      Duration idle) {
    this.connected = connected;
    this.metrics = new MetricsScrape(registry);
    this.loop =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("kubefuncs-health", true), NioIoHandler.newFactory());
    ChannelHandler endpoints = new Endpoints();
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(loop)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new ReadTimeoutHandler(idle.toMillis(), TimeUnit.MILLISECONDS))
                        .addLast(new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 8192))
                        .addLast(new HttpServerKeepAliveHandler())
                        .addLast(endpoints);
                  }
                });
    InetSocketAddress address =
        host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
    ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      Throwable cause = bound.cause();
      if (address.isUnresolved()) {
        throw new ConfigException(
            "HEALTHZ_ADDR", "cannot listen on " + host + ":" + port + ": no such host");
      }
      if (cause instanceof BindException) {
        throw new ConfigException(
            "HEALTHZ_ADDR",
            "cannot listen on "
                + host
                + ":"
                + port
                + " ("
                + cause.getMessage()
                + "): pick a free port");
      }
      throw new IllegalStateException(
          "cannot start the health server on " + host + ":" + port, cause);
    }
    this.server = bound.channel();
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  void state(State state) {
    this.state = state;
  }

  private FullHttpResponse answer(HttpRequest request) {
    return switch (new QueryStringDecoder(request.uri()).path()) {
      case "/healthz" -> health();
      case "/metrics" -> metrics.answer(request);
      default ->
          PlainText.response(HttpResponseStatus.NOT_FOUND, "not found: try /healthz or /metrics\n");
    };
  }

  private FullHttpResponse health() {
    State s = state;
    if (s == State.SERVING && !connected.getAsBoolean()) {
      return PlainText.response(HttpResponseStatus.SERVICE_UNAVAILABLE, "not connected to nsqd\n");
    }
    return PlainText.response(
        s == State.SERVING ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
        s.name().toLowerCase() + "\n");
  }

  /**
   * Answers each request as soon as its head is read; a body, which no probe or scrape has, is
   * dropped unread. A request the codec could not read is answered 400 and its connection closed.
   */
  @ChannelHandler.Sharable
  private final class Endpoints extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (!(msg instanceof HttpRequest request)) {
          return; // content of a request already answered
        }
        if (request.decoderResult().isFailure()) {
          FullHttpResponse bad =
              PlainText.response(
                  HttpResponseStatus.BAD_REQUEST, "bad request: " + request.decoderResult() + "\n");
          HttpUtil.setKeepAlive(bad, false);
          ctx.writeAndFlush(bad).addListener(ChannelFutureListener.CLOSE);
          return;
        }
        ctx.writeAndFlush(answer(request));
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A reset, or a client idle past the timeout: nothing to answer, only a socket to free.
      ctx.close();
    }
  }

  @Override
  public void close() {
    server.close().awaitUninterruptibly();
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }
}
