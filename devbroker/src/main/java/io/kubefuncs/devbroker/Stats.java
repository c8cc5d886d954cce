package io.kubefuncs.devbroker;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * nsqd's /stats: the JSON of nsqd 1.3.0 field for field (including where it writes null rather than
 * an empty list), or its text form. Backend depths are always 0: there is no disk queue.
 */
final class Stats {
  private Stats() {}

  static Object of(Nsqd nsqd, QueryParams query) {
    String topicFilter = orEmpty(query.get("topic"));
    String channelFilter = orEmpty(query.get("channel"));
    boolean includeClients = query.bool("include_clients", true, true);
    boolean includeMem = query.bool("include_mem", true, true);
    List<Map<String, Object>> topics = topics(nsqd, topicFilter, channelFilter, includeClients);
    List<Map<String, Object>> producers = includeClients ? producers(nsqd, topicFilter) : null;
    Map<String, Object> memory = includeMem ? memory() : null;
    if (!"json".equals(query.get("format"))) {
      return text(nsqd, topics, producers, memory);
    }
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("version", Options.VERSION);
    stats.put("health", "OK");
    stats.put("start_time", nsqd.startTime);
    stats.put("topics", topics);
    if (memory != null) {
      stats.put("memory", memory);
    }
    stats.put("producers", producers);
    return stats;
  }

  private static List<Map<String, Object>> topics(
      Nsqd nsqd, String topicFilter, String channelFilter, boolean includeClients) {
    List<Topic> selected;
    if (topicFilter.isEmpty()) {
      selected = nsqd.topicsByName();
    } else {
      Topic topic = nsqd.existingTopic(topicFilter);
      if (topic == null) {
        return null;
      }
      selected = List.of(topic);
    }
    List<Map<String, Object>> topics = new ArrayList<>();
    for (Topic topic : selected) {
      List<NsqChannel> channels = new ArrayList<>();
      if (channelFilter.isEmpty()) {
        channels.addAll(topic.channels());
        channels.sort(Comparator.comparing(c -> c.name));
      } else if (topic.existingChannel(channelFilter) != null) {
        channels.add(topic.existingChannel(channelFilter));
      } else {
        continue;
      }
      List<Map<String, Object>> channelStats = new ArrayList<>();
      for (NsqChannel channel : channels) {
        channelStats.add(channel(channel, includeClients, topicFilter));
      }
      Map<String, Object> stats = new LinkedHashMap<>();
      stats.put("topic_name", topic.name);
      stats.put("channels", channelStats);
      stats.put("depth", topic.depth());
      stats.put("backend_depth", 0);
      stats.put("message_count", topic.messageCount);
      stats.put("message_bytes", topic.messageBytes);
      stats.put("paused", topic.paused);
      stats.put("e2e_processing_latency", noLatency());
      topics.add(stats);
    }
    return topics;
  }

  private static Map<String, Object> channel(
      NsqChannel channel, boolean includeClients, String topicFilter) {
    List<Map<String, Object>> clients = null;
    if (includeClients) {
      clients = new ArrayList<>();
      for (ClientV2 client : channel.clients()) {
        clients.add(client(client, topicFilter));
      }
    }
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("channel_name", channel.name);
    stats.put("depth", channel.depth());
    stats.put("backend_depth", 0);
    stats.put("in_flight_count", channel.inFlightCount());
    stats.put("deferred_count", channel.deferredCount());
    stats.put("message_count", channel.messageCount);
    stats.put("requeue_count", channel.requeueCount);
    stats.put("timeout_count", channel.timeoutCount);
    stats.put("client_count", channel.clients().size());
    stats.put("clients", clients);
    stats.put("paused", channel.paused);
    stats.put("e2e_processing_latency", noLatency());
    return stats;
  }

  /** nsqd's producers: connections that have published, whatever else they do. */
  private static List<Map<String, Object>> producers(Nsqd nsqd, String topicFilter) {
    List<Map<String, Object>> producers = null;
    for (ClientV2 client : nsqd.clients()) {
      if (client.isProducer()) {
        if (producers == null) {
          producers = new ArrayList<>();
        }
        producers.add(client(client, topicFilter));
      }
    }
    return producers;
  }

  private static Map<String, Object> client(ClientV2 client, String topicFilter) {
    Map<String, Object> stats = new LinkedHashMap<>();
    stats.put("client_id", client.clientId);
    stats.put("hostname", client.hostname);
    stats.put("version", "V2");
    stats.put("remote_address", client.remoteAddress);
    stats.put("state", client.state);
    stats.put("ready_count", client.readyCount);
    stats.put("in_flight_count", client.inFlightCount);
    stats.put("message_count", client.messageCount);
    stats.put("finish_count", client.finishCount);
    stats.put("requeue_count", client.requeueCount);
    stats.put("connect_ts", client.connectTime);
    stats.put("sample_rate", client.sampleRate);
    stats.put("deflate", false);
    stats.put("snappy", false);
    stats.put("user_agent", client.userAgent);
    // nsqd 1.3.0 lists at most one topic here (its loop breaks after the first match).
    for (Map.Entry<String, long[]> count : client.pubCounts().entrySet()) {
      if (!topicFilter.isEmpty() && !count.getKey().equals(topicFilter)) {
        continue;
      }
      Map<String, Object> pubCount = new LinkedHashMap<>();
      pubCount.put("topic", count.getKey());
      pubCount.put("count", count.getValue()[0]);
      stats.put("pub_counts", List.of(pubCount));
      break;
    }
    stats.put("tls", false);
    stats.put("tls_cipher_suite", "");
    stats.put("tls_version", "");
    stats.put("tls_negotiated_protocol", "");
    stats.put("tls_negotiated_protocol_is_mutual", false);
    return stats;
  }

  private static Map<String, Object> noLatency() {
    Map<String, Object> latency = new LinkedHashMap<>();
    latency.put("count", 0);
    latency.put("percentiles", null);
    return latency;
  }

  /** nsqd reports Go's heap; these are the JVM's nearest figures. */
  private static Map<String, Object> memory() {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    long gcRuns = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      gcRuns += Math.max(0, gc.getCollectionCount());
    }
    Map<String, Object> memory = new LinkedHashMap<>();
    memory.put("heap_objects", 0);
    memory.put("heap_idle_bytes", heap.getCommitted() - heap.getUsed());
    memory.put("heap_in_use_bytes", heap.getUsed());
    memory.put("heap_released_bytes", 0);
    memory.put("gc_pause_usec_100", 0);
    memory.put("gc_pause_usec_99", 0);
    memory.put("gc_pause_usec_95", 0);
    memory.put("next_gc_bytes", heap.getCommitted());
    memory.put("gc_total_runs", gcRuns);
    return memory;
  }

  /** nsqd's text /stats, line for line. */
  @SuppressWarnings("unchecked")
  private static String text(
      Nsqd nsqd,
      List<Map<String, Object>> topics,
      List<Map<String, Object>> producers,
      Map<String, Object> memory) {
    StringBuilder out = new StringBuilder();
    Instant start = Instant.ofEpochSecond(nsqd.startTime);
    out.append("nsqd v").append(Options.VERSION).append(" (kubefuncs dev broker)\n");
    String startTime =
        DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(start.atOffset(ZoneOffset.UTC));
    String uptime =
        Duration.between(start, Instant.now()).toString().substring(2).toLowerCase(Locale.ROOT);
    out.append("start_time ").append(startTime).append('\n');
    out.append("uptime ").append(uptime).append('\n');
    out.append("\nHealth: OK\n");
    if (memory != null) {
      out.append("\nMemory:\n");
      memory.forEach((name, value) -> out.append(String.format("   %-25s\t%d\n", name, value)));
    }
    Collection<Map<String, Object>> topicList = topics == null ? List.of() : topics;
    out.append(topicList.isEmpty() ? "\nTopics: None\n" : "\nTopics:");
    for (Map<String, Object> t : topicList) {
      out.append(
          String.format(
              "\n%s[%-15s] depth: %-5d be-depth: %-5d msgs: %-8d e2e%%: \n",
              (boolean) t.get("paused") ? "*P " : "   ",
              t.get("topic_name"),
              ((Number) t.get("depth")).longValue(),
              0,
              ((Number) t.get("message_count")).longValue()));
      for (Map<String, Object> c : (List<Map<String, Object>>) t.get("channels")) {
        out.append(
            String.format(
                "%s[%-25s] depth: %-5d be-depth: %-5d inflt: %-4d def: %-4d re-q: %-5d timeout: %-5d msgs: %-8d e2e%%: \n",
                (boolean) c.get("paused") ? "   *P " : "      ",
                c.get("channel_name"),
                ((Number) c.get("depth")).longValue(),
                0,
                ((Number) c.get("in_flight_count")).longValue(),
                ((Number) c.get("deferred_count")).longValue(),
                ((Number) c.get("requeue_count")).longValue(),
                ((Number) c.get("timeout_count")).longValue(),
                ((Number) c.get("message_count")).longValue()));
        List<Map<String, Object>> clients = (List<Map<String, Object>>) c.get("clients");
        for (Map<String, Object> client :
            clients == null ? List.<Map<String, Object>>of() : clients) {
          out.append("        ").append(clientLine(client)).append('\n');
        }
      }
    }
    if (producers == null || producers.isEmpty()) {
      out.append("\nProducers: None\n");
    } else {
      out.append("\nProducers:\n");
      for (Map<String, Object> producer : producers) {
        out.append("   ").append(clientLine(producer)).append('\n');
      }
    }
    return out.toString();
  }

  @SuppressWarnings("unchecked")
  private static String clientLine(Map<String, Object> c) {
    String address = (String) c.get("remote_address");
    String id =
        c.get("hostname")
            + ":"
            + address.substring(address.lastIndexOf(':') + 1)
            + " "
            + c.get("user_agent");
    List<Map<String, Object>> pubCounts = (List<Map<String, Object>>) c.get("pub_counts");
    if (pubCounts != null) {
      long total = 0;
      List<String> topics = new ArrayList<>();
      for (Map<String, Object> count : pubCounts) {
        total += (long) count.get("count");
        topics.add(count.get("topic") + "=" + count.get("count"));
      }
      return String.format(
          "[V2 %-21s] msgs: %-8d topics: %s connected: %s",
          id, total, String.join(",", topics), connected(c));
    }
    return String.format(
        "[V2 %-21s] state: %d inflt: %-4d rdy: %-4d fin: %-8d re-q: %-8d msgs: %-8d connected: %s",
        id,
        c.get("state"),
        c.get("in_flight_count"),
        c.get("ready_count"),
        c.get("finish_count"),
        c.get("requeue_count"),
        c.get("message_count"),
        connected(c));
  }

  /** How long the client has been connected, in whole seconds, as Go prints a duration. */
  private static String connected(Map<String, Object> client) {
    long seconds = Math.max(0, System.currentTimeMillis() / 1000 - (long) client.get("connect_ts"));
    long hours = seconds / 3600;
    long minutes = seconds % 3600 / 60;
    if (hours > 0) {
      return hours + "h" + minutes + "m" + seconds % 60 + "s";
    }
    return minutes > 0 ? minutes + "m" + seconds % 60 + "s" : seconds + "s";
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }
}
