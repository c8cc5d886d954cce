package io.kubefuncs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Creates the functions' topics and channels on nsqd before the functions start. A function that
 * finds its topic through nsqlookupd asks for it once at start and then once a minute: on a fresh
 * nsqd the topic does not exist yet, the first answer is empty, and the function would sit
 * unsubscribed for that minute. Created up front (as {@code nsqadmin} or a first message would on a
 * cluster), the first answer already lists the nsqd.
 */
final class Topics {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Topics() {}

  /**
   * Creates {@code topic} and {@code channel} on the nsqd whose HTTP address is {@code nsqdHttp}.
   */
  static void create(String nsqdHttp, String topic, String channel) throws IOException {
    post(URI.create("http://" + nsqdHttp + "/topic/create?topic=" + encode(topic)));
    post(
        URI.create(
            "http://"
                + nsqdHttp
                + "/channel/create?topic="
                + encode(topic)
                + "&channel="
                + encode(channel)));
  }

  /** The HTTP addresses of the nsqds registered with the nsqlookupd at {@code lookupdHttp}. */
  static List<String> nsqdHttpAddresses(String lookupdHttp) throws IOException {
    Http.Response r = Http.send("GET", URI.create("http://" + lookupdHttp + "/nodes"));
    if (r.status() != 200) {
      throw new IOException(
          "nsqlookupd "
              + lookupdHttp
              + " answered "
              + r.status()
              + " to /nodes: "
              + r.body().strip());
    }
    List<String> out = new ArrayList<>();
    for (JsonNode node : JSON.readTree(r.body()).path("producers")) {
      out.add(node.path("broadcast_address").asText() + ":" + node.path("http_port").asInt());
    }
    return out;
  }

  /**
   * Waits until nsqlookupd lists an nsqd for every topic of {@code topics} (nsqd registers topics
   * with it asynchronously).
   *
   * @return the topics still unlisted at the deadline; empty when all are listed
   */
  static Set<String> awaitListed(String lookupdHttp, Set<String> topics, Duration timeout)
      throws InterruptedException {
    Set<String> missing = new HashSet<>(topics);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      missing.removeIf(topic -> isListed(lookupdHttp, topic));
      if (missing.isEmpty() || System.nanoTime() - deadline >= 0) {
        return missing;
      }
      Thread.sleep(10);
    }
  }

  private static boolean isListed(String lookupdHttp, String topic) {
    try {
      Http.Response r =
          Http.send("GET", URI.create("http://" + lookupdHttp + "/lookup?topic=" + encode(topic)));
      return r.status() == 200 && !JSON.readTree(r.body()).path("producers").isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  private static void post(URI url) throws IOException {
    Http.Response r = Http.send("POST", url);
    if (r.status() != 200) {
      throw new IOException(url + " answered " + r.status() + ": " + r.body().strip());
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
