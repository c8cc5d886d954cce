package io.kubefuncs.gateway;

import io.kubefuncs.Client;
import io.kubefuncs.internal.StartWarmUp;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.opentelemetry.api.OpenTelemetry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The HTTP gateway. Pipeline per connection, once {@link ConnectionLimit} admitted it and {@link
 * AbuseCooldown} did not refuse it: write timeout and idleness ({@link ConnectionTimeouts}) →
 * HTTP/1.1 codec (bounded request line and headers) → header and body timeouts → flow control
 * (decoded requests wait while reading is paused) → {@link HttpRequestChecks} (version, method,
 * Host, target) → keep-alive → {@link AdminEndpoints} (/healthz, /metrics, answered from the head)
 * → {@link BodyBudget} (bytes buffered by all connections) → aggregation of the body up to the
 * limit (413 beyond) → {@link GatewayHandler}.
 */
public final class Gateway implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Gateway.class.getName());
  static final int MAX_INITIAL_LINE = 8192;
  static final int MAX_HEADER_SIZE = 16384;

  /**
   * Answers the dashboard shows: a few minutes of a person trying things, a second of heavy load.
   */
  static final int RECENT_REQUESTS = 512;

  private final GatewayConfig config;
  private final Client client;
  private final EventLoopGroup group;
  private final Channel server;
  private final RoutesWatcher watcher;
  private final TopicConsumers consumers;
  private final RouteTopics topics;
  private final AtomicReference<Routes> routes;
  private final GatewayHandler handler;

  /** Null unless a dashboard was asked for. */
  private final DashboardServer dashboard;

  private Gateway(
      GatewayConfig config,
      PrometheusRegistry registry,
      Consumer<String> accessLog,
      OpenTelemetry openTelemetry,
      DashboardSettings dashboardSettings)
      throws IOException {
    StartWarmUp warmUp = StartWarmUp.forGateway();
    this.config = config;
    byte[] initial = Files.readAllBytes(config.routesFile());
    this.routes =
        new AtomicReference<>(
            RoutesFile.parse(
                new String(initial, java.nio.charset.StandardCharsets.UTF_8),
                config.routesFile().toString(),
                config.defaultTimeout()));
    GatewayMetrics metrics = new GatewayMetrics(registry);
    // One event loop per core rather than Netty's default of two: a loop never blocks, and more
    // loops only spread a request's stages (the HTTP read, the publish, the answer) over more
    // threads that must wake each other (bench/README.md, "The gateway image").
    this.group =
        new MultiThreadIoEventLoopGroup(
            Runtime.getRuntime().availableProcessors(),
            new DefaultThreadFactory("gateway-io"),
            NioIoHandler.newFactory());
    Client.Builder b =
        Client.builder()
            // Calls and emits complete on their connection's loop (GatewayHandler); what else the
            // client completes, connect(), on any loop of the gateway's, rather than start a
            // thread.
            .executor(group)
            // Its nsqd connections on the same loops: no threads of its own, and an answer read
            // from nsqd is often on the loop that writes it to the HTTP client already.
            .eventLoopGroup(group)
            .nsqd(config.nsqdAddress())
            .clientId(config.gatewayId())
            .registry(registry)
            .nsqSecurity(config.nsqTls(), config.nsqAuthSecret());
    if (!config.lookupdAddresses().isEmpty()) {
      b.lookupd(config.lookupdAddresses().toArray(String[]::new));
    }
    if (openTelemetry != null) {
      b.openTelemetry(openTelemetry);
    }
    this.client = b.build();
    // Now rather than once listening: nsqd's handshakes and the return topic's subscription then
    // overlap the rest of the start, and /healthz answers 503 until they are done.
    client
        .connect()
        .whenComplete(
            (v, e) -> {
              if (e != null) {
                LOG.log(
                    System.Logger.Level.WARNING,
                    "NSQ not reachable yet ({0}); answering 503 until it is",
                    e.getMessage());
              }
            });
    this.topics =
        config.nsqdHttpAddress() == null ? null : new RouteTopics(config.nsqdHttpAddress());
    if (topics != null) {
      topics.ensure(routes.get());
    }
    this.watcher =
        new RoutesWatcher(
            config.routesFile(),
            initial,
            config.defaultTimeout(),
            config.reloadInterval(),
            r -> {
              routes.set(r);
              if (topics != null) {
                topics.ensure(r);
              }
              metrics.reloads.labelValues("ok").inc();
            },
            why -> metrics.reloads.labelValues("rejected").inc());
    // Consumers come and go more slowly than routes files change, and each check costs nsqlookupd a
    // request per topic.
    this.consumers =
        TopicConsumers.watch(
            config.lookupdAddresses(), routes::get, config.reloadInterval().multipliedBy(5));
    GatewayConfig.Limits limits = config.limits();
    BodyBudget.Pool bodies = new BodyBudget.Pool(limits.bodyBudgetBytes());
    this.handler =
        new GatewayHandler(
            client,
            routes,
            metrics,
            registry,
            config.exposeFunctionErrors(),
            consumers,
            bodies,
            openTelemetry == null ? null : new RequestSpans(openTelemetry));
    ConnectionLimit connections = new ConnectionLimit(limits.maxConnections(), metrics, registry);
    RequestRing recent = dashboardSettings == null ? null : new RequestRing(RECENT_REQUESTS);
    AccessLog.Sink answered =
        AccessLog.Sink.both(
            accessLog == null ? null : AccessLog.lines(accessLog),
            recent == null
                ? null
                : (method, path, route, response, nanos) ->
                    recent.record(
                        method,
                        path,
                        route == null ? null : route.prefix(),
                        response.status().code(),
                        nanos));
    AbuseCooldown cooldown = new AbuseCooldown(limits.abuseCooldown(), metrics, registry);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (!connections.admit(ch) || cooldown.refuses(ch)) {
                      return;
                    }
                    ChannelPipeline p =
                        ch.pipeline()
                            .addLast(
                                "http",
                                new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 8192))
                            // The codec decodes every request of a read at once, paused or not:
                            // while the connection is not read from, the requests already decoded
                            // wait here.
                            .addLast("flow", new FlowControlHandler())
                            .addLast("checks", HttpRequestChecks.INSTANCE)
                            .addLast("keep-alive", new HttpServerKeepAliveHandler())
                            .addLast("admin", new AdminEndpoints(handler))
                            .addLast(
                                "budget", new BodyBudget(bodies, limits.maxBodyBytes(), metrics))
                            .addLast("body", new BodyLimit(limits.maxBodyBytes(), metrics))
                            .addLast("gateway", handler);
                    ConnectionTimeouts.install(p, "http", limits, metrics, cooldown);
                    if (answered != null) {
                      p.addAfter("http", "access-log", new AccessLog(routes::get, answered));
                    }
                  }
                });
    InetSocketAddress address =
        config.listenHost().isEmpty()
            ? new InetSocketAddress(config.listenPort())
            : new InetSocketAddress(config.listenHost(), config.listenPort());
    // Before /healthz can answer at all.
    warmUp.await();
    Channel bound;
    try {
      bound = bootstrap.bind(address).syncUninterruptibly().channel();
    } catch (Exception e) { // Netty rethrows the bind's checked exception as is
      watcher.close();
      consumers.close();
      closeTopics();
      client.close();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      if (e instanceof BindException) {
        throw new BindException(
            "port " + config.listenPort() + " is in use: choose another with --listen-addr");
      }
      throw e instanceof IOException io ? io : new IOException(e);
    }
    this.server = bound;
    try {
      this.dashboard =
          dashboardSettings == null
              ? null
              : new DashboardServer(
                  dashboardSettings,
                  routes::get,
                  recent,
                  new NsqStats(
                      config.lookupdAddresses(), config.nsqdHttpAddress(), Duration.ofSeconds(2)),
                  selfAddress(config));
    } catch (IOException | RuntimeException e) {
      server.close();
      watcher.close();
      consumers.close();
      closeTopics();
      group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
      client.close();
      throw e;
    }
    LOG.log(
        System.Logger.Level.INFO,
        "gateway listening on {0} with {1} routes{2}",
        server.localAddress(),
        String.valueOf(routes.get().size()),
        dashboard == null ? "" : "; dashboard on " + dashboard.address());
  }

  public static Gateway start(GatewayConfig config) throws IOException {
    return new Gateway(config, PrometheusRegistry.defaultRegistry, null, null, null);
  }

  public static Gateway start(GatewayConfig config, PrometheusRegistry registry)
      throws IOException {
    return new Gateway(config, registry, null, null, null);
  }

  /** With an {@link AccessLog}: one line per answered request to {@code accessLog}. */
  public static Gateway start(
      GatewayConfig config, PrometheusRegistry registry, Consumer<String> accessLog)
      throws IOException {
    return new Gateway(config, registry, accessLog, null, null);
  }

  /**
   * Traced through {@code openTelemetry} (null for no tracing): a SERVER span per routed request,
   * continuing the client's {@code traceparent}, and the trace carried on in the events.
   */
  public static Gateway start(
      GatewayConfig config,
      PrometheusRegistry registry,
      Consumer<String> accessLog,
      OpenTelemetry openTelemetry)
      throws IOException {
    return new Gateway(config, registry, accessLog, openTelemetry, null);
  }

  /**
   * With a dashboard on a port of its own as well (docs/dashboard.md), when {@code dashboard} is
   * not null. The gateway then keeps its last {@value #RECENT_REQUESTS} answers for it.
   */
  public static Gateway start(
      GatewayConfig config,
      PrometheusRegistry registry,
      Consumer<String> accessLog,
      OpenTelemetry openTelemetry,
      DashboardSettings dashboard)
      throws IOException {
    return new Gateway(config, registry, accessLog, openTelemetry, dashboard);
  }

  /** The port of the dashboard; -1 when it has none. */
  public int dashboardPort() {
    return dashboard == null ? -1 : dashboard.port();
  }

  /**
   * Where the dashboard's invokes go: the gateway's own port, on loopback when it listens on every
   * interface.
   */
  private URI selfAddress(GatewayConfig config) {
    String host =
        config.listenHost().isEmpty() || config.listenHost().equals("0.0.0.0")
            ? "127.0.0.1"
            : config.listenHost();
    return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port());
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  public Client client() {
    return client;
  }

  @Override
  /**
   * Stops accepting connections, answers the requests already published (for at most the longest
   * route timeout, as their callers would wait no longer), then shuts down.
   */
  public void close() {
    if (dashboard != null) {
      dashboard.close();
    }
    server.close().syncUninterruptibly();
    handler.drain();
    long longest = 0;
    for (Route r : routes.get().all()) {
      longest = Math.max(longest, r.timeout().toNanos());
    }
    long deadline = System.nanoTime() + longest;
    // Kept-alive connections may still bring requests while draining: wait again if one came.
    while (handler.active() > 0) {
      try {
        handler.idle().get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        break;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException e) {
        throw new IllegalStateException("never completed exceptionally", e);
      }
    }
    watcher.close();
    consumers.close();
    closeTopics();
    client.close();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private void closeTopics() {
    if (topics != null) {
      topics.close();
    }
  }

  /**
   * Aggregates the body up to the limit; beyond it, answers 413 in the gateway's JSON shape,
   * whether the size was announced with {@code Expect: 100-continue} or not.
   */
  private static final class BodyLimit extends HttpObjectAggregator {
    private final GatewayMetrics metrics;

    BodyLimit(int maxBytes, GatewayMetrics metrics) {
      super(maxBytes, true);
      this.metrics = metrics;
    }

    /**
     * Called when the announced Content-Length is over the limit (the body still to come), or when
     * a chunked body grew over it. In the first case, on a keep-alive connection, the answer goes
     * out at once and the aggregator discards the rest of the body as it arrives: closing with the
     * body unread would make the kernel reset the connection, and the client lose the answer.
     */
    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      boolean close = oversized instanceof FullHttpMessage || !HttpUtil.isKeepAlive(oversized);
      ctx.writeAndFlush(tooLarge(close))
          .addListener(
              close ? ChannelFutureListener.CLOSE : ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    /**
     * With {@code Expect: 100-continue}, Netty answers an announced oversized body here rather than
     * in {@link #handleOversizedMessage}, with an empty 413 of its own: answer ours instead. Being
     * a 4xx, it is written in place of "100 Continue" and the connection then closed.
     */
    @Override
    protected Object newContinueResponse(
        HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
      Object response = super.newContinueResponse(start, maxContentLength, pipeline);
      if (response instanceof FullHttpResponse canned
          && canned.status().code() == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE.code()) {
        canned.release();
        return tooLarge(true);
      }
      return response;
    }

    private FullHttpResponse tooLarge(boolean close) {
      FullHttpResponse r =
          GatewayHandler.json(
              HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
              "body_too_large",
              "request body is over the limit of " + maxContentLength() + " bytes");
      HttpUtil.setContentLength(r, r.content().readableBytes());
      // When the connection is closed after this answer, say so, or clients put it back in their
      // pool.
      HttpUtil.setKeepAlive(r, !close);
      metrics.requests.labelValues("none", "413").inc();
      return r;
    }
  }
}
