package io.kubefuncs.nsq.internal;

import io.kubefuncs.nsq.NsqException;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * nsqlookupd's HTTP API: {@code /lookup}, {@code /channels}, {@code /nodes} and {@code /topics}.
 * Reads both the plain v1 response bodies and the older {@code {"status_code":..,"data":{..}}}
 * envelope.
 *
 * <p>Each request is one GET ({@link PlainHttp}), on a virtual thread.
 */
public final class LookupdClient {
  /**
   * Far above any real answer (a /nodes of hundreds of nsqds is tens of kB): a guard, not a limit.
   */
  private static final int MAX_ANSWER = 16 << 20;

  private final PlainHttp http;

  /** {@code timeout}: to connect, and for each read of the answer. */
  public LookupdClient(Duration timeout) {
    this.http = new PlainHttp(timeout, timeout, MAX_ANSWER);
  }

  /** The nsqds that have {@code topic}; empty when nsqlookupd does not know the topic. */
  public CompletableFuture<List<NsqdNode>> lookup(String lookupdAddress, String topic) {
    String path = "/lookup?topic=" + URLEncoder.encode(topic, StandardCharsets.UTF_8);
    return get(lookupdAddress, path, true, LookupdBody::producers);
  }

  /** The channels of {@code topic} on every nsqd; empty when nsqlookupd knows no channel of it. */
  public CompletableFuture<List<String>> channels(String lookupdAddress, String topic) {
    String path = "/channels?topic=" + URLEncoder.encode(topic, StandardCharsets.UTF_8);
    return get(lookupdAddress, path, true, LookupdBody::channels);
  }

  /** Every nsqd registered with nsqlookupd. */
  public CompletableFuture<List<NsqdNode>> nodes(String lookupdAddress) {
    return get(lookupdAddress, "/nodes", false, LookupdBody::producers);
  }

  /** Every topic nsqlookupd knows. */
  public CompletableFuture<List<String>> topics(String lookupdAddress) {
    return get(lookupdAddress, "/topics", false, LookupdBody::topics);
  }

  /** GETs a path and picks a field of the answer; empty for a 404 when {@code notFoundIsEmpty}. */
  private <T> CompletableFuture<List<T>> get(
      String lookupdAddress,
      String path,
      boolean notFoundIsEmpty,
      Function<LookupdBody, List<T>> field) {
    HostPort hp = HostPort.parse(lookupdAddress, "nsqlookupd address");
    CompletableFuture<List<T>> answer = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("kubefuncs-lookupd")
        .start(
            () -> {
              try {
                LookupdBody body = fetch(hp, path, notFoundIsEmpty);
                answer.complete(body == null ? List.of() : field.apply(body));
              } catch (RuntimeException e) {
                answer.completeExceptionally(e);
              }
            });
    return answer;
  }

  /** The answer's body, or null for a 404 when {@code notFoundIsEmpty}. */
  private LookupdBody fetch(HostPort hp, String path, boolean notFoundIsEmpty) {
    int code;
    byte[] body;
    try {
      PlainHttp.Answer answer = http.send("GET", hp, path, "application/vnd.nsq; version=1.0");
      code = answer.status();
      body = answer.body();
    } catch (IOException | IllegalArgumentException e) {
      throw new NsqException("nsqlookupd " + hp + " did not answer GET " + path + ": " + e, e);
    }
    if (body.length > MAX_ANSWER) {
      throw new NsqException(
          "nsqlookupd "
              + hp
              + " answered GET "
              + path
              + " with more than "
              + MAX_ANSWER
              + " bytes");
    }
    if (code < 0) {
      throw new NsqException(
          "nsqlookupd " + hp + " answered GET " + path + " with something that is not HTTP");
    }
    if (code == 404 && notFoundIsEmpty) {
      return null;
    }
    if (code != 200) {
      throw new NsqException(
          "nsqlookupd "
              + hp
              + " answered GET "
              + path
              + " with HTTP "
              + code
              + ": "
              + new String(body, StandardCharsets.UTF_8).strip());
    }
    try {
      return LookupdBody.parse(body);
    } catch (IOException e) {
      throw new NsqException(
          "nsqlookupd "
              + hp
              + " answered GET "
              + path
              + " with a body that is not the JSON expected: "
              + e.getMessage(),
          e);
    }
  }
}
