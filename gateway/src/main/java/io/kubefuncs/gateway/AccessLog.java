package io.kubefuncs.gateway;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Queue;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One line per answered request, for someone watching a gateway on their own machine ({@code
 * kubefuncs dev}): method, path, route, status and time, e.g. {@code GET /test/hello -> /test/ 200
 * 3 ms}. Off unless asked for: a production gateway has its metrics.
 *
 * <p>It sits right after the HTTP codec, so that it sees every answer, the body limit's 413
 * included, without the request handler knowing about it. Answers leave a connection in the order
 * its requests came (pipelining included), so a queue pairs each answer with its request. Health
 * checks and metrics scrapes are left out: they are polled, and would drown the rest. The same
 * pairing feeds the dashboard's {@link RequestRing}, through another {@link Sink}.
 */
final class AccessLog extends ChannelDuplexHandler {
  private final Supplier<Routes> routes;
  private final Sink sink;
  // Only touched on the connection's event loop.
  private final Queue<Request> requests = new ArrayDeque<>();

  private record Request(String method, String path, long start) {}

  /** Told of each answered request, on the connection's event loop. */
  interface Sink {
    /**
     * @param route the route the request took, or null
     */
    void answered(String method, String path, Route route, HttpResponse response, long nanos);

    /** Both, this one first; either may be null. */
    static Sink both(Sink first, Sink second) {
      if (first == null || second == null) {
        return first == null ? second : first;
      }
      return (method, path, route, response, nanos) -> {
        first.answered(method, path, route, response, nanos);
        second.answered(method, path, route, response, nanos);
      };
    }
  }

  /**
   * @param routes the routes in force, to name the one a request took
   * @param sink what is told of each answer
   */
  AccessLog(Supplier<Routes> routes, Sink sink) {
    this.routes = routes;
    this.sink = sink;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      String uri = request.uri();
      int query = uri.indexOf('?');
      requests.add(
          new Request(
              request.method().name(),
              query < 0 ? uri : uri.substring(0, query),
              System.nanoTime()));
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    // 1xx (100 Continue) is not the answer: the request's answer follows.
    if (msg instanceof HttpResponse response && response.status().code() >= 200) {
      Request request = requests.poll();
      if (request != null
          && !request.path().equals("/healthz")
          && !request.path().equals("/metrics")) {
        sink.answered(
            request.method(),
            request.path(),
            routes.get().match(request.path()),
            response,
            System.nanoTime() - request.start());
      }
    }
    ctx.write(msg, promise);
  }

  /** One line per answer to {@code lines}. */
  static Sink lines(Consumer<String> lines) {
    return (method, path, route, response, nanos) -> {
      String took =
          nanos < 1_000_000_000L
              ? nanos / 1_000_000 + " ms"
              : String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
      String unconsumed = response.headers().get(GatewayHandler.NO_CONSUMER_HEADER);
      lines.accept(
          method
              + " "
              + path
              + " -> "
              + (route == null ? "no route" : route.prefix())
              + " "
              + response.status().code()
              + " "
              + took
              + (unconsumed == null ? "" : " (no function consumes topic " + unconsumed + ")"));
    };
  }
}
