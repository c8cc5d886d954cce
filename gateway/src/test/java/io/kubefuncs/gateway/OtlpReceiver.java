package io.kubefuncs.gateway;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP trace receiver on 127.0.0.1, as a collector would be: it takes {@code POST
 * /v1/traces} (protobuf {@code ExportTraceServiceRequest}) from any process and keeps the spans.
 * The request is read field by field, by the numbers of opentelemetry-proto's trace.proto, so the
 * test needs no generated classes.
 */
final class OtlpReceiver implements AutoCloseable {
  /** One received span; ids in lower-case hex, the parent empty for a root. */
  record Span(
      String service,
      String traceId,
      String spanId,
      String parentSpanId,
      String name,
      int kind,
      Map<String, String> attributes) {}

  /** OTLP's SpanKind numbers. */
  static final int SERVER = 2, PRODUCER = 4, CONSUMER = 5;

  private final HttpServer server;
  private final List<Span> spans = new CopyOnWriteArrayList<>();

  OtlpReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext("/v1/traces", this::receive);
    server.start();
  }

  /** For OTEL_EXPORTER_OTLP_ENDPOINT: exporters add /v1/traces. */
  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  List<Span> spans() {
    return List.copyOf(spans);
  }

  private void receive(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in =
          "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
              ? new GZIPInputStream(exchange.getRequestBody())
              : exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      try {
        spans.addAll(decode(body));
      } catch (InvalidProtocolBufferException e) {
        exchange.sendResponseHeaders(400, -1);
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, -1); // an empty ExportTraceServiceResponse
    }
  }

  private static List<Span> decode(byte[] request) throws InvalidProtocolBufferException {
    List<Span> out = new java.util.ArrayList<>();
    for (ByteString resourceSpans : fields(UnknownFieldSet.parseFrom(request), 1)) {
      UnknownFieldSet rs = UnknownFieldSet.parseFrom(resourceSpans);
      String service = "";
      for (ByteString resource : fields(rs, 1)) {
        service =
            attributes(UnknownFieldSet.parseFrom(resource), 1).getOrDefault("service.name", "");
      }
      for (ByteString scopeSpans : fields(rs, 2)) {
        for (ByteString span : fields(UnknownFieldSet.parseFrom(scopeSpans), 2)) {
          UnknownFieldSet s = UnknownFieldSet.parseFrom(span);
          out.add(
              new Span(
                  service,
                  hex(s, 1),
                  hex(s, 2),
                  hex(s, 4),
                  string(s, 5),
                  s.hasField(6) ? s.getField(6).getVarintList().get(0).intValue() : 0,
                  attributes(s, 9)));
        }
      }
    }
    return out;
  }

  private static List<ByteString> fields(UnknownFieldSet message, int number) {
    return message.hasField(number) ? message.getField(number).getLengthDelimitedList() : List.of();
  }

  private static String hex(UnknownFieldSet message, int number) {
    List<ByteString> f = fields(message, number);
    return f.isEmpty() ? "" : HexFormat.of().formatHex(f.get(0).toByteArray());
  }

  private static String string(UnknownFieldSet message, int number) {
    List<ByteString> f = fields(message, number);
    return f.isEmpty() ? "" : f.get(0).toStringUtf8();
  }

  /**
   * KeyValue attributes: string values as they are, int values in decimal, booleans as true/false.
   */
  private static Map<String, String> attributes(UnknownFieldSet message, int number)
      throws InvalidProtocolBufferException {
    Map<String, String> out = new LinkedHashMap<>();
    for (ByteString kv : fields(message, number)) {
      UnknownFieldSet pair = UnknownFieldSet.parseFrom(kv);
      List<ByteString> value = fields(pair, 2);
      if (value.isEmpty()) {
        continue;
      }
      UnknownFieldSet any = UnknownFieldSet.parseFrom(value.get(0));
      String text =
          any.hasField(1)
              ? string(any, 1)
              : any.hasField(2)
                  ? String.valueOf(any.getField(2).getVarintList().get(0) != 0)
                  : any.hasField(3) ? String.valueOf(any.getField(3).getVarintList().get(0)) : "";
      out.put(string(pair, 1), text);
    }
    return out;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
