package io.kubefuncs.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubefuncs.nsq.internal.LookupdClient;
import io.kubefuncs.nsq.internal.NsqdNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Queue figures for the dashboard, from the {@code /stats} of every nsqd: the ones nsqlookupd
 * lists, or else the gateway's own. A topic or channel on several nsqds is one row, its figures
 * added up. A topic's dead letters are the messages waiting in its dead-letter topic ({@code
 * <topic>.dead}), which is folded into the topic's row rather than shown apart.
 */
final class NsqStats {
  static final String DEAD_SUFFIX = ".dead";
  private static final ObjectMapper JSON = new ObjectMapper();

  record Channel(
      String name, long depth, long inFlight, long requeued, long timedOut, long consumers) {}

  record Topic(String name, long depth, long messages, long deadLetters, List<Channel> channels) {}

  /**
   * @param errors one line per nsqd or nsqlookupd that did not answer
   */
  record Snapshot(List<Topic> topics, List<String> errors) {}

  private final List<String> lookupds;
  private final String nsqdHttp;
  private final Duration timeout;
  private final LookupdClient lookupd;
  private final HttpClient http;

  /**
   * @param lookupds nsqlookupd HTTP addresses, to find every nsqd; may be empty
   * @param nsqdHttp the gateway's nsqd's HTTP address, when no nsqlookupd answers; may be null
   */
  NsqStats(List<String> lookupds, String nsqdHttp, Duration timeout) {
    this.lookupds = lookupds;
    this.nsqdHttp = nsqdHttp;
    this.timeout = timeout;
    this.lookupd = new LookupdClient(timeout);
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
  }

  /**
   * Blocks for at most about twice the timeout: once for nsqlookupd, once for the nsqds, each asked
   * in parallel.
   */
  Snapshot read() {
    List<String> errors = new ArrayList<>();
    Set<String> nsqds = new LinkedHashSet<>();
    var lookups = lookupds.stream().map(l -> Map.entry(l, lookupd.nodes(l))).toList();
    for (var lookup : lookups) {
      try {
        lookup.getValue().join().stream().map(NsqdNode::httpAddress).forEach(nsqds::add);
      } catch (RuntimeException e) {
        errors.add("nsqlookupd " + lookup.getKey() + ": " + rootMessage(e));
      }
    }
    if (nsqds.isEmpty() && nsqdHttp != null) {
      nsqds.add(nsqdHttp);
    }
    if (nsqds.isEmpty() && errors.isEmpty()) {
      errors.add(
          "no nsqd to ask: the gateway knows no nsqlookupd (--lookupd-addr) nor nsqd HTTP address (--nsqd-http-addr)");
    }
    var asks =
        nsqds.stream()
            .map(
                a ->
                    Map.entry(
                        a,
                        http.sendAsync(
                            HttpRequest.newBuilder(
                                    URI.create(
                                        "http://" + a + "/stats?format=json&include_clients=false"))
                                .timeout(timeout)
                                .build(),
                            HttpResponse.BodyHandlers.ofByteArray())))
            .toList();
    Map<String, long[]> topics = new TreeMap<>();
    Map<String, Map<String, long[]>> channels = new TreeMap<>();
    for (var ask : asks) {
      try {
        HttpResponse<byte[]> r = ask.getValue().join();
        if (r.statusCode() != 200) {
          throw new IOException("answered " + r.statusCode());
        }
        add(JSON.readTree(r.body()), topics, channels);
      } catch (IOException | RuntimeException e) {
        errors.add("nsqd " + ask.getKey() + ": " + rootMessage(e));
      }
    }
    return new Snapshot(rows(topics, channels), errors);
  }

  private static void add(
      JsonNode stats, Map<String, long[]> topics, Map<String, Map<String, long[]>> channels) {
    // nsqd answers in the old {"data": ...} envelope when asked for it by an Accept header; this is
    // in case a proxy does.
    JsonNode root = stats.has("data") ? stats.get("data") : stats;
    for (JsonNode t : root.path("topics")) {
      String name = t.path("topic_name").asText();
      long[] sums = topics.computeIfAbsent(name, n -> new long[2]);
      sums[0] += t.path("depth").asLong();
      sums[1] += t.path("message_count").asLong();
      Map<String, long[]> byName = channels.computeIfAbsent(name, n -> new TreeMap<>());
      for (JsonNode c : t.path("channels")) {
        long[] figures = byName.computeIfAbsent(c.path("channel_name").asText(), n -> new long[5]);
        figures[0] += c.path("depth").asLong();
        figures[1] += c.path("in_flight_count").asLong();
        figures[2] += c.path("requeue_count").asLong();
        figures[3] += c.path("timeout_count").asLong();
        figures[4] += c.path("client_count").asLong();
      }
    }
  }

  private static List<Topic> rows(
      Map<String, long[]> topics, Map<String, Map<String, long[]>> channels) {
    List<Topic> rows = new ArrayList<>();
    for (var t : topics.entrySet()) {
      String name = t.getKey();
      if (name.endsWith(DEAD_SUFFIX)
          && topics.containsKey(name.substring(0, name.length() - DEAD_SUFFIX.length()))) {
        continue;
      }
      String dead = name + DEAD_SUFFIX;
      long deadLetters =
          topics.containsKey(dead) ? waiting(topics.get(dead), channels.get(dead)) : 0;
      List<Channel> cs = new ArrayList<>();
      channels.get(name).forEach((c, f) -> cs.add(new Channel(c, f[0], f[1], f[2], f[3], f[4])));
      rows.add(new Topic(name, t.getValue()[0], t.getValue()[1], deadLetters, cs));
    }
    return rows;
  }

  /**
   * Messages in a topic not yet finished by every channel: those still in the topic plus each
   * channel's.
   */
  private static long waiting(long[] topic, Map<String, long[]> channels) {
    long n = topic[0];
    for (long[] c : channels.values()) {
      n += c[0] + c[1];
    }
    return n;
  }

  private static String rootMessage(Throwable e) {
    while (e.getCause() != null) {
      e = e.getCause();
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
