package io.kubefuncs.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.exporter.common.PrometheusHttpExchange;
import io.prometheus.metrics.exporter.common.PrometheusHttpRequest;
import io.prometheus.metrics.exporter.common.PrometheusHttpResponse;
import io.prometheus.metrics.exporter.common.PrometheusScrapeHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Collections;
import java.util.Enumeration;

/**
 * The answer to a scrape of {@code /metrics}, made by the official exporter's {@link
 * PrometheusScrapeHandler}: the format the scraper's {@code Accept} asks for (Prometheus text,
 * OpenMetrics, protobuf), gzip when it accepts it, only the series its {@code name[]} parameters
 * name. The function's health server and the gateway serve it from their own Netty pipelines, with
 * no HTTP server of the JDK's beside them.
 */
public final class MetricsScrape {
  private static final System.Logger LOG = System.getLogger(MetricsScrape.class.getName());

  private final PrometheusScrapeHandler handler;

  public MetricsScrape(PrometheusRegistry registry) {
    this.handler = new PrometheusScrapeHandler(PrometheusProperties.get(), registry);
  }

  /**
   * The full answer to {@code request}, whatever its path; a registry that failed to collect is a
   * 500 that says why. Called on the thread that writes the answer: it scrapes there and then.
   */
  public FullHttpResponse answer(HttpRequest request) {
    Exchange exchange = new Exchange(request);
    try {
      handler.handleRequest(exchange);
    } catch (IOException e) {
      // Only the body's buffer is written to, which does not fail: a bug if it does.
      exchange.fail(e);
    }
    return exchange.response();
  }

  /** One scrape: the request as the exporter reads it, and the answer it builds. */
  private static final class Exchange
      implements PrometheusHttpExchange, PrometheusHttpRequest, PrometheusHttpResponse {
    private final HttpRequest request;
    private final HttpHeaders headers = new DefaultHttpHeaders();
    private HttpResponseStatus status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
    private ByteBuf body = Unpooled.EMPTY_BUFFER;
    private FullHttpResponse failure;

    Exchange(HttpRequest request) {
      this.request = request;
    }

    FullHttpResponse response() {
      if (failure != null) {
        return failure;
      }
      if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
        // Gzipped, the exporter does not know the length ahead; it is the whole body here.
        headers.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
      }
      return new DefaultFullHttpResponse(
          HttpVersion.HTTP_1_1, status, body, headers, new DefaultHttpHeaders());
    }

    void fail(Exception e) {
      LOG.log(System.Logger.Level.WARNING, "scrape of /metrics failed", e);
      body.release();
      body = Unpooled.EMPTY_BUFFER;
      failure =
          PlainText.response(
              HttpResponseStatus.INTERNAL_SERVER_ERROR, "cannot collect the metrics: " + e + "\n");
    }

    @Override
    public PrometheusHttpRequest getRequest() {
      return this;
    }

    @Override
    public PrometheusHttpResponse getResponse() {
      return this;
    }

    @Override
    public void handleException(IOException e) throws IOException {
      throw e;
    }

    @Override
    public void handleException(RuntimeException e) {
      fail(e);
    }

    @Override
    public void close() {}

    @Override
    public String getQueryString() {
      int q = request.uri().indexOf('?');
      return q < 0 ? null : request.uri().substring(q + 1);
    }

    @Override
    public Enumeration<String> getHeaders(String name) {
      return Collections.enumeration(request.headers().getAll(name));
    }

    @Override
    public String getMethod() {
      return request.method().name();
    }

    @Override
    public String getRequestPath() {
      return new QueryStringDecoder(request.uri()).path();
    }

    @Override
    public void setHeader(String name, String value) {
      headers.set(name, value);
    }

    @Override
    public OutputStream sendHeadersAndGetBody(int statusCode, int contentLength) {
      status = HttpResponseStatus.valueOf(statusCode);
      body = Unpooled.buffer(Math.max(contentLength, 256));
      return new ByteBufOutputStream(body);
    }
  }
}
