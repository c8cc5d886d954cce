package io.kubefuncs.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The nsqd of a kubefuncs release named kubefuncs, read through the apiserver's pod proxy: no port
 * of nsqd is opened to the test.
 */
final class Nsqd {
  static final String PODS =
      "app.kubernetes.io/instance=kubefuncs,app.kubernetes.io/component=nsqd";

  private final Cluster cluster;
  private final String namespace;

  Nsqd(Cluster cluster, String namespace) {
    this.cluster = cluster;
    this.namespace = namespace;
  }

  /** The one nsqd pod that is not being deleted, or "" while there is not exactly one. */
  String pod() {
    List<String> running = new ArrayList<>();
    for (JsonNode pod :
        cluster
            .kubectlJson("-n", namespace, "get", "pods", "-l", PODS, "-o", "json")
            .path("items")) {
      if (pod.path("metadata").path("deletionTimestamp").isMissingNode()) {
        running.add(pod.path("metadata").path("name").asText());
      }
    }
    return running.size() == 1 ? running.get(0) : "";
  }

  /** nsqd's /stats for one topic. */
  JsonNode stats(String pod, String topic) {
    return cluster.kubectlJson(
        "get",
        "--raw",
        "/api/v1/namespaces/"
            + namespace
            + "/pods/"
            + pod
            + ":4151/proxy/stats?format=json&topic="
            + topic);
  }

  /**
   * A channel's counters: message_count, depth, in_flight_count, deferred, requeue and timeout
   * counts.
   */
  Map<String, Long> channel(String pod, String topic, String channel) {
    return findChannel(pod, topic, channel)
        .orElseThrow(
            () -> new AssertionError("nsqd " + pod + " has no channel " + topic + "/" + channel));
  }

  /** The same, or nothing while no consumer has created the channel. */
  Optional<Map<String, Long>> findChannel(String pod, String topic, String channel) {
    for (JsonNode t : stats(pod, topic).path("topics")) {
      for (JsonNode c : t.path("channels")) {
        if (c.path("channel_name").asText().equals(channel)) {
          Map<String, Long> counts = new LinkedHashMap<>();
          for (String key :
              List.of(
                  "message_count",
                  "depth",
                  "in_flight_count",
                  "deferred_count",
                  "requeue_count",
                  "timeout_count")) {
            counts.put(key, c.path(key).asLong());
          }
          return Optional.of(counts);
        }
      }
    }
    return Optional.empty();
  }

  /** Every message a topic ever took or holds: 0 for a topic that does not exist. */
  long topicMessages(String pod, String topic) {
    for (JsonNode t : stats(pod, topic).path("topics")) {
      if (t.path("topic_name").asText().equals(topic)) {
        return t.path("depth").asLong() + t.path("message_count").asLong();
      }
    }
    return 0;
  }
}
