package io.kubefuncs.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The dashboard, on its own port: the page ({@code /}, plain HTML, CSS and JavaScript from the
 * jar), its live state as Server-Sent Events ({@code /api/events}, one event a second while anyone
 * watches, nothing asked of nsqd otherwise), and {@code POST /api/invoke}, which sends a request
 * through the gateway's public port as any client would.
 *
 * <p>What it may cost the gateway is bounded: {@value #MAX_WATCHERS} pages watching at once,
 * {@value #MAX_CONNECTIONS} connections, small requests, and a watcher that does not take its
 * events is closed rather than buffered for (the browser reconnects, and gets the whole log again).
 * Requests from another site's page are refused: their {@code Origin} is not the host they were
 * sent to, and an invoke must be JSON, which a cross-site form cannot send.
 */
final class DashboardServer implements AutoCloseable {
  static final int MAX_WATCHERS = 8;
  static final int MAX_CONNECTIONS = 32;
  private static final int MAX_REQUEST_BYTES = 64 * 1024;

  /** What the invoke form shows of an answer; the rest is cut. */
  private static final int MAX_SHOWN_BODY = 4096;

  private static final Duration TICK = Duration.ofSeconds(1);
  private static final Duration INVOKE_TIMEOUT = Duration.ofMinutes(2);
  private static final Set<String> INVOKE_METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, Asset> ASSETS =
      Map.of(
          "/", Asset.load("index.html", "text/html; charset=utf-8"),
          "/dashboard.js", Asset.load("dashboard.js", "text/javascript; charset=utf-8"),
          "/dashboard.css", Asset.load("dashboard.css", "text/css; charset=utf-8"));

  private final Supplier<Routes> routes;
  private final RequestRing ring;
  private final NsqStats stats;
  private final Supplier<List<FunctionStatus>> functions;
  private final URI gateway;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private final EventLoopGroup group;
  private final Channel server;
  private final ScheduledExecutorService ticker;
  private final AtomicInteger connections = new AtomicInteger();

  /**
   * Watchers that have had the whole log; and those that connected since the last tick, which get
   * it next.
   */
  private final Set<Channel> watchers = ConcurrentHashMap.newKeySet();

  private final Set<Channel> joining = ConcurrentHashMap.newKeySet();

  /**
   * Watchers admitted and not yet closed: the bound is kept on this count, as a tick moves channels
   * from {@link #joining} to {@link #watchers} in two steps, between which they are in neither.
   */
  private final AtomicInteger watching = new AtomicInteger();

  /** Only touched by the ticker's thread. */
  private long cursor;

  private record Asset(byte[] bytes, String type) {
    static Asset load(String name, String type) {
      try (InputStream in = DashboardServer.class.getResourceAsStream("dashboard/" + name)) {
        if (in == null) {
          throw new IllegalStateException(
              "dashboard/" + name + " is missing from the gateway's jar");
        }
        return new Asset(in.readAllBytes(), type);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * @param gateway the gateway's own address, where invokes are sent
   */
  DashboardServer(
      DashboardSettings settings,
      Supplier<Routes> routes,
      RequestRing ring,
      NsqStats stats,
      URI gateway)
      throws IOException {
    this.routes = routes;
    this.ring = ring;
    this.stats = stats;
    this.functions = settings.functions();
    this.gateway = gateway;
    this.group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("dashboard-io"), NioIoHandler.newFactory());
    Handler handler = new Handler();
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(64 * 1024, 256 * 1024))
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    if (!take(connections, MAX_CONNECTIONS)) {
                      ch.close();
                      return;
                    }
                    ch.closeFuture()
                        .addListener(
                            f -> {
                              connections.decrementAndGet();
                              watchers.remove(ch);
                              joining.remove(ch);
                            });
                    ch.pipeline()
                        .addLast(new HttpServerCodec(4096, 8192, 8192))
                        .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                        .addLast(handler);
                  }
                });
    InetSocketAddress address =
        settings.listenHost().isEmpty()
            ? new InetSocketAddress(settings.listenPort())
            : new InetSocketAddress(settings.listenHost(), settings.listenPort());
    try {
      server = bootstrap.bind(address).syncUninterruptibly().channel();
    } catch (Exception e) { // Netty rethrows the bind's checked exception as is
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      if (e instanceof BindException) {
        throw new BindException(
            "dashboard port " + settings.listenPort() + " is in use: choose another");
      }
      throw e instanceof IOException io ? io : new IOException(e);
    }
    this.ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "dashboard-tick");
              t.setDaemon(true);
              return t;
            });
    ticker.scheduleWithFixedDelay(
        this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Takes one of {@code max} places on {@code count}; false, with nothing taken, when all are. */
  private static boolean take(AtomicInteger count, int max) {
    if (count.incrementAndGet() > max) {
      count.decrementAndGet();
      return false;
    }
    return true;
  }

  InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  int port() {
    return address().getPort();
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /**
   * On the ticker's thread: one state event to every watcher, the whole log to those that just
   * came.
   */
  private void tick() {
    try {
      if (watchers.isEmpty() && joining.isEmpty()) {
        cursor = ring.since(cursor).next();
        return;
      }
      Map<String, Object> state = state();
      RequestRing.Page page = ring.since(cursor);
      cursor = page.next();
      if (!watchers.isEmpty()) {
        state.put("requests", page.entries().stream().map(DashboardServer::request).toList());
        send(watchers, event(state));
      }
      if (!joining.isEmpty()) {
        List<Channel> joined = List.copyOf(joining);
        joining.removeAll(joined);
        state.put(
            "requests",
            ring.since(0).entries().stream()
                .filter(e -> e.seq() < cursor)
                .map(DashboardServer::request)
                .toList());
        send(joined, event(state));
        watchers.addAll(joined);
      }
    } catch (RuntimeException e) {
      // The next tick tries again; a scheduled task that throws would never run again.
      System.getLogger(DashboardServer.class.getName())
          .log(System.Logger.Level.WARNING, "dashboard update failed", e);
    }
  }

  private static void send(Iterable<Channel> to, byte[] event) {
    for (Channel ch : to) {
      if (!ch.isWritable()) {
        ch.close(); // not taking its events: its browser reconnects, and gets the whole log again
        continue;
      }
      ch.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(event)));
    }
  }

  private Map<String, Object> state() {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("time", System.currentTimeMillis());
    List<Map<String, Object>> routeRows = new ArrayList<>();
    for (Route r : routes.get().all()) {
      routeRows.add(
          Map.of(
              "prefix",
              r.prefix(),
              "topic",
              r.topic(),
              "timeoutMs",
              r.timeout().toMillis(),
              "async",
              r.async()));
    }
    routeRows.sort((a, b) -> ((String) a.get("prefix")).compareTo((String) b.get("prefix")));
    state.put("routes", routeRows);
    if (functions != null) {
      try {
        state.put("functions", functions.get());
      } catch (RuntimeException e) {
        state.put("functionsError", String.valueOf(e.getMessage()));
      }
    }
    NsqStats.Snapshot nsq = stats.read();
    state.put("topics", nsq.topics());
    state.put("nsqErrors", nsq.errors());
    return state;
  }

  private static Map<String, Object> request(RequestRing.Entry e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("seq", e.seq());
    m.put("time", e.epochMillis());
    m.put("method", e.method());
    m.put("path", e.path());
    m.put("route", e.route());
    m.put("status", e.status());
    m.put("ms", Math.round(e.nanos() / 1e4) / 100.0);
    return m;
  }

  private static byte[] event(Map<String, Object> state) {
    try {
      return ("event: state\ndata: " + JSON.writeValueAsString(state) + "\n\n")
          .getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  @ChannelHandler.Sharable
  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      if (!request.decoderResult().isSuccess()) {
        answer(ctx, request, error(HttpResponseStatus.BAD_REQUEST, "malformed request"), false);
        return;
      }
      String host = request.headers().get(HttpHeaderNames.HOST, "");
      String origin = request.headers().get(HttpHeaderNames.ORIGIN);
      if (!isLocalName(host) || origin != null && !origin.equals("http://" + host)) {
        answer(
            ctx,
            request,
            error(
                HttpResponseStatus.FORBIDDEN,
                "the dashboard answers requests to localhost or an IP address from its own page only"),
            false);
        return;
      }
      String uri = request.uri();
      int q = uri.indexOf('?');
      String path = q < 0 ? uri : uri.substring(0, q);
      boolean get = request.method().equals(HttpMethod.GET);
      Asset asset = ASSETS.get(path.equals("/index.html") ? "/" : path);
      if (asset != null && get) {
        FullHttpResponse r =
            new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(asset.bytes()));
        r.headers()
            .set(HttpHeaderNames.CONTENT_TYPE, asset.type())
            .set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        answer(ctx, request, r, true);
      } else if (path.equals("/api/events") && get) {
        watch(ctx, request);
      } else if (path.equals("/api/invoke") && request.method().equals(HttpMethod.POST)) {
        invoke(ctx, request);
      } else if (asset != null || path.startsWith("/api/")) {
        answer(
            ctx,
            request,
            error(
                HttpResponseStatus.METHOD_NOT_ALLOWED,
                request.method() + " is not allowed on " + path),
            true);
      } else {
        answer(ctx, request, error(HttpResponseStatus.NOT_FOUND, "no such page: " + path), true);
      }
    }

    private void watch(ChannelHandlerContext ctx, FullHttpRequest request) {
      if (!take(watching, MAX_WATCHERS)) {
        answer(
            ctx,
            request,
            error(
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                MAX_WATCHERS + " dashboards are open already"),
            false);
        return;
      }
      HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      r.headers()
          .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
          .set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
      HttpUtil.setTransferEncodingChunked(r, true);
      ctx.channel().closeFuture().addListener(f -> watching.decrementAndGet());
      ctx.writeAndFlush(r);
      joining.add(ctx.channel());
      // A new page should not wait out the tick for its first picture.
      ticker.execute(DashboardServer.this::tick);
    }

    private void invoke(ChannelHandlerContext ctx, FullHttpRequest request) {
      String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
      if (!type.startsWith("application/json")) {
        answer(
            ctx,
            request,
            error(
                HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                "an invoke is JSON: {\"method\", \"path\", \"body\"}"),
            true);
        return;
      }
      HttpRequest call;
      try {
        call = call(JSON.readTree(request.content().toString(StandardCharsets.UTF_8)));
      } catch (IOException | IllegalArgumentException e) {
        answer(ctx, request, error(HttpResponseStatus.BAD_REQUEST, e.getMessage()), true);
        return;
      }
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      long start = System.nanoTime();
      http.sendAsync(call, BodyHandlers.ofString())
          .whenComplete(
              (response, e) -> {
                Map<String, Object> result = new LinkedHashMap<>();
                if (e != null) {
                  result.put("error", "the gateway did not answer: " + e.getMessage());
                } else {
                  String body = response.body();
                  result.put("status", response.statusCode());
                  result.put(
                      "body",
                      body.length() > MAX_SHOWN_BODY
                          ? body.substring(0, MAX_SHOWN_BODY) + "…"
                          : body);
                }
                result.put("ms", Math.round((System.nanoTime() - start) / 1e4) / 100.0);
                FullHttpResponse r = json(HttpResponseStatus.OK, result);
                framed(r, keepAlive);
                ctx.writeAndFlush(r)
                    .addListener(
                        keepAlive
                            ? ChannelFutureListener.CLOSE_ON_FAILURE
                            : ChannelFutureListener.CLOSE);
              });
    }

    private HttpRequest call(JsonNode invoke) {
      String method = invoke.path("method").asText("GET").toUpperCase(java.util.Locale.ROOT);
      String path = invoke.path("path").asText("");
      if (!INVOKE_METHODS.contains(method)) {
        throw new IllegalArgumentException(
            "method must be one of " + INVOKE_METHODS + ", not " + method);
      }
      if (!path.startsWith("/") || path.startsWith("//")) {
        throw new IllegalArgumentException(
            "path must start with a single /, as /test/hello: " + path);
      }
      URI target = gateway.resolve(path); // throws IllegalArgumentException for what is no URI path
      String body = invoke.path("body").asText("");
      return HttpRequest.newBuilder(target)
          .timeout(INVOKE_TIMEOUT)
          .method(
              method,
              body.isEmpty()
                  ? HttpRequest.BodyPublishers.noBody()
                  : HttpRequest.BodyPublishers.ofString(body))
          .build();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /**
   * Whether a Host header names the dashboard by address or as localhost: another name could be a
   * site of the attacker's that resolves to this machine (DNS rebinding), whose page would then
   * pass for the dashboard's own.
   */
  static boolean isLocalName(String host) {
    if (host.startsWith("[")) {
      return host.indexOf(']') > 0;
    }
    int colon = host.lastIndexOf(':');
    String name = colon < 0 ? host : host.substring(0, colon);
    return name.equals("localhost")
        || !name.isEmpty() && name.chars().allMatch(c -> c == '.' || c >= '0' && c <= '9');
  }

  private static void answer(
      ChannelHandlerContext ctx,
      FullHttpRequest request,
      FullHttpResponse response,
      boolean keepOpen) {
    boolean keepAlive = keepOpen && HttpUtil.isKeepAlive(request);
    framed(response, keepAlive);
    ctx.writeAndFlush(response)
        .addListener(
            keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
  }

  private static void framed(FullHttpResponse response, boolean keepAlive) {
    HttpUtil.setContentLength(response, response.content().readableBytes());
    if (keepAlive) {
      HttpUtil.setKeepAlive(response, true);
    } else {
      response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
  }

  private static FullHttpResponse error(HttpResponseStatus status, String message) {
    return json(status, Map.of("error", message));
  }

  private static FullHttpResponse json(HttpResponseStatus status, Object body) {
    try {
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(JSON.writeValueAsBytes(body)));
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
      return r;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
