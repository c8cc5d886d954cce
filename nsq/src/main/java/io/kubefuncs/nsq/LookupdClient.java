package io.kubefuncs.nsq;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * nsqlookupd's HTTP API: {@code /lookup}, {@code /channels}, {@code /nodes} and {@code /topics}. Reads both the
 * plain v1 response bodies and the older {@code {"status_code":..,"data":{..}}} envelope.
 *
 * <p>Each request is one HTTP/1.0 GET on its own socket, on a virtual thread: nsqlookupd then
 * answers without chunking and closes, so the answer is everything up to the end of the stream.
 * Not java.net.http: building its client sets up TLS (the default SSLContext and the trust
 * store), which was about a third of a function's start for a plain-HTTP server polled every
 * few seconds.
 */
public final class LookupdClient {
  /** Far above any real answer (a /nodes of hundreds of nsqds is tens of kB): a guard, not a limit. */
  private static final int MAX_ANSWER = 16 << 20;

  private final Duration timeout;

  /** {@code timeout}: to connect, and for each read of the answer. */
  public LookupdClient(Duration timeout) {
    this.timeout = timeout;
  }

  /** The nsqds that have {@code topic}; empty when nsqlookupd does not know the topic. */
  public CompletableFuture<List<NsqdNode>> lookup(String lookupdAddress, String topic) {
    String path = "/lookup?topic=" + URLEncoder.encode(topic, StandardCharsets.UTF_8);
    return get(lookupdAddress, path, true, NsqJson.LookupdBody::producers);
  }

  /** The channels of {@code topic} on every nsqd; empty when nsqlookupd knows no channel of it. */
  public CompletableFuture<List<String>> channels(String lookupdAddress, String topic) {
    String path = "/channels?topic=" + URLEncoder.encode(topic, StandardCharsets.UTF_8);
    return get(lookupdAddress, path, true, NsqJson.LookupdBody::channels);
  }

  /** Every nsqd registered with nsqlookupd. */
  public CompletableFuture<List<NsqdNode>> nodes(String lookupdAddress) {
    return get(lookupdAddress, "/nodes", false, NsqJson.LookupdBody::producers);
  }

  /** Every topic nsqlookupd knows. */
  public CompletableFuture<List<String>> topics(String lookupdAddress) {
    return get(lookupdAddress, "/topics", false, NsqJson.LookupdBody::topics);
  }

  /** GETs a path and picks a field of the answer; empty for a 404 when {@code notFoundIsEmpty}. */
  private <T> CompletableFuture<List<T>> get(
      String lookupdAddress, String path, boolean notFoundIsEmpty, Function<NsqJson.LookupdBody, List<T>> field) {
    HostPort hp = HostPort.parse(lookupdAddress, "nsqlookupd address");
    CompletableFuture<List<T>> answer = new CompletableFuture<>();
    Thread.ofVirtual().name("kubefuncs-lookupd").start(() -> {
      try {
        NsqJson.LookupdBody body = fetch(hp, path, notFoundIsEmpty);
        answer.complete(body == null ? List.of() : field.apply(body));
      } catch (RuntimeException e) {
        answer.completeExceptionally(e);
      }
    });
    return answer;
  }

  /** The answer's body, or null for a 404 when {@code notFoundIsEmpty}. */
  private NsqJson.LookupdBody fetch(HostPort hp, String path, boolean notFoundIsEmpty) {
    byte[] raw;
    try (Socket socket = new Socket()) {
      int millis = Math.toIntExact(timeout.toMillis());
      socket.connect(new InetSocketAddress(hp.host(), hp.port()), millis);
      socket.setSoTimeout(millis);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.0\r\nHost: " + hp + "\r\nAccept: application/vnd.nsq; version=1.0\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      raw = socket.getInputStream().readNBytes(MAX_ANSWER + 1);
    } catch (IOException e) {
      throw new NsqException("nsqlookupd " + hp + " did not answer GET " + path + ": " + e, e);
    }
    if (raw.length > MAX_ANSWER) {
      throw new NsqException("nsqlookupd " + hp + " answered GET " + path + " with more than " + MAX_ANSWER + " bytes");
    }
    int headEnd = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    String head = new String(raw, 0, Math.max(headEnd, 0), StandardCharsets.ISO_8859_1);
    // "HTTP/1.1 200 OK": the status is the second word.
    String[] status = head.split("[ \r\n]", 3);
    if (headEnd < 0 || status.length < 2 || !status[0].startsWith("HTTP/") || !status[1].matches("[0-9]{3}")) {
      throw new NsqException("nsqlookupd " + hp + " answered GET " + path + " with something that is not HTTP");
    }
    if (head.toLowerCase(Locale.ROOT).contains("\ntransfer-encoding:")) { // not for an HTTP/1.0 request
      throw new NsqException("nsqlookupd " + hp + " answered GET " + path + " in a transfer encoding, which HTTP/1.0 does not know");
    }
    byte[] body = Arrays.copyOfRange(raw, headEnd + 4, raw.length);
    int code = Integer.parseInt(status[1]);
    if (code == 404 && notFoundIsEmpty) {
      return null;
    }
    if (code != 200) {
      throw new NsqException("nsqlookupd " + hp + " answered GET " + path + " with HTTP "
          + code + ": " + new String(body, StandardCharsets.UTF_8).strip());
    }
    try {
      return NsqJson.lookupdBody(body);
    } catch (IOException e) {
      throw new NsqException("nsqlookupd " + hp + " answered GET " + path + " with a body that is not the JSON expected: " + e.getMessage(), e);
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
