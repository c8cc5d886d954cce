package io.kubefuncs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubefuncs.gateway.Route;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code kubefuncs status} shows of an installation, made from what kubectl returns: the
 * function chart's Deployments and their pods, the gateway's routes, and nsqd's {@code /stats}.
 *
 * @param nsq the kubefuncs release whose NSQ and gateway the functions use
 * @param nsqds how many nsqd pods answered /stats; the queue figures are their sums
 */
record InstallationStatus(
    String namespace, Nsq nsq, int nsqds, List<Function> functions, List<RouteRow> routes) {
  /** The function chart's Deployments, which {@code status} lists. */
  static final String FUNCTION_SELECTOR =
      "app.kubernetes.io/component=function,app.kubernetes.io/part-of=kubefuncs";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** NSQ_NSQD_ADDR as the function chart sets it: {@code <release>-nsq-nsqd.<namespace>.svc...}. */
  private static final Pattern CHART_NSQD =
      Pattern.compile("(.+)-nsq-nsqd\\.([a-z0-9-]+)\\.svc(\\..*)?");

  /**
   * One function: a Deployment of the function chart.
   *
   * @param depth the messages waiting on its channel, null when no nsqd answered
   * @param routes the gateway routes to its topic
   */
  record Function(
      String name,
      String release,
      int ready,
      int desired,
      int restarts,
      String image,
      String topic,
      String channel,
      Long depth,
      Long inFlight,
      Long requeued,
      List<String> routes) {}

  /** A gateway route, and the functions consuming its topic (none: its requests time out). */
  record RouteRow(String prefix, String topic, boolean async, List<String> functions) {}

  /** The kubefuncs release and namespace that the functions' NSQ belongs to. */
  record Nsq(String release, String namespace) {}

  /**
   * Where the function chart pointed the functions' NSQ (their {@code NSQ_NSQD_ADDR}); null when
   * there is no function, or its address is not the chart's default Service name.
   */
  static Nsq nsqOf(JsonNode deployments) {
    for (JsonNode d : deployments.path("items")) {
      Matcher m = CHART_NSQD.matcher(env(d, "NSQ_NSQD_ADDR"));
      if (m.matches()) {
        return new Nsq(m.group(1), m.group(2));
      }
    }
    return null;
  }

  /**
   * @param deployments {@code kubectl get deployments -l FUNCTION_SELECTOR -o json}
   * @param pods {@code kubectl get pods -l FUNCTION_SELECTOR -o json}, for the restarts
   * @param routes the gateway's routes; empty when no gateway was found
   * @param nsqdStats each nsqd's {@code /stats?format=json}
   */
  static InstallationStatus of(
      String namespace,
      Nsq nsq,
      JsonNode deployments,
      JsonNode pods,
      List<Route> routes,
      List<JsonNode> nsqdStats) {
    List<Function> functions = new ArrayList<>();
    for (JsonNode d : deployments.path("items")) {
      JsonNode labels = d.path("metadata").path("labels");
      String name = labels.path("kubefuncs.io/function").asText();
      String release = labels.path("app.kubernetes.io/instance").asText();
      String topic = env(d, "TOPIC");
      String channel = env(d, "CHANNEL");
      long[] queue = nsqdStats.isEmpty() ? null : queue(nsqdStats, topic, channel);
      functions.add(
          new Function(
              name,
              release,
              d.path("status").path("readyReplicas").asInt(),
              d.path("spec").path("replicas").asInt(),
              restarts(pods, release, name),
              container(d).path("image").asText(),
              topic,
              channel,
              queue == null ? null : queue[0],
              queue == null ? null : queue[1],
              queue == null ? null : queue[2],
              routes.stream()
                  .filter(r -> r.topic().equals(topic))
                  .map(Route::prefix)
                  .sorted()
                  .toList()));
    }
    functions.sort(Comparator.comparing(Function::release).thenComparing(Function::name));
    List<RouteRow> rows =
        routes.stream()
            .sorted(Comparator.comparing(Route::prefix))
            .map(
                r ->
                    new RouteRow(
                        r.prefix(),
                        r.topic(),
                        r.async(),
                        functions.stream()
                            .filter(f -> f.topic().equals(r.topic()))
                            .map(Function::name)
                            .toList()))
            .toList();
    return new InstallationStatus(namespace, nsq, nsqdStats.size(), List.copyOf(functions), rows);
  }

  /** depth, in flight, requeued of {@code topic}/{@code channel}, summed over the nsqds. */
  private static long[] queue(List<JsonNode> nsqdStats, String topic, String channel) {
    long[] sums = new long[3];
    for (JsonNode stats : nsqdStats) {
      for (JsonNode t : stats.path("topics")) {
        if (!t.path("topic_name").asText().equals(topic)) {
          continue;
        }
        for (JsonNode c : t.path("channels")) {
          if (c.path("channel_name").asText().equals(channel)) {
            sums[0] += c.path("depth").asLong();
            sums[1] += c.path("in_flight_count").asLong();
            sums[2] += c.path("requeue_count").asLong();
          }
        }
      }
    }
    return sums;
  }

  private static int restarts(JsonNode pods, String release, String function) {
    int restarts = 0;
    for (JsonNode p : pods.path("items")) {
      JsonNode labels = p.path("metadata").path("labels");
      if (labels.path("app.kubernetes.io/instance").asText().equals(release)
          && labels.path("kubefuncs.io/function").asText().equals(function)) {
        for (JsonNode c : p.path("status").path("containerStatuses")) {
          restarts += c.path("restartCount").asInt();
        }
      }
    }
    return restarts;
  }

  private static JsonNode container(JsonNode deployment) {
    for (JsonNode c : deployment.path("spec").path("template").path("spec").path("containers")) {
      if (c.path("name").asText().equals("function")) {
        return c;
      }
    }
    return JSON.missingNode();
  }

  private static String env(JsonNode deployment, String name) {
    for (JsonNode e : container(deployment).path("env")) {
      if (e.path("name").asText().equals(name)) {
        return e.path("value").asText();
      }
    }
    return "";
  }

  /** The two tables, functions and routes, with a header line saying where they come from. */
  String table() {
    StringBuilder out = new StringBuilder();
    out.append("namespace ")
        .append(namespace)
        .append(", NSQ and gateway of release ")
        .append(nsq.release)
        .append(" in namespace ")
        .append(nsq.namespace)
        .append(String.format(Locale.ROOT, " (%d nsqd%s)%n", nsqds, nsqds == 1 ? "" : "s"));
    List<List<String>> rows = new ArrayList<>();
    rows.add(
        List.of(
            "FUNCTION",
            "RELEASE",
            "READY",
            "RESTARTS",
            "TOPIC/CHANNEL",
            "DEPTH",
            "IN FLIGHT",
            "REQUEUED",
            "ROUTES",
            "IMAGE"));
    for (Function f : functions) {
      rows.add(
          List.of(
              f.name,
              f.release,
              f.ready + "/" + f.desired,
              Integer.toString(f.restarts),
              f.topic + "/" + f.channel,
              number(f.depth),
              number(f.inFlight),
              number(f.requeued),
              f.routes.isEmpty() ? "-" : String.join(",", f.routes),
              f.image));
    }
    if (functions.isEmpty()) {
      out.append("no functions (Deployments of the function chart) in namespace ")
          .append(namespace)
          .append('\n');
    } else {
      columns(out, rows);
    }
    out.append('\n');
    rows = new ArrayList<>();
    rows.add(List.of("ROUTE", "TOPIC", "FUNCTIONS"));
    for (RouteRow r : routes) {
      rows.add(
          List.of(
              r.prefix,
              r.topic + (r.async ? " (async)" : ""),
              r.functions.isEmpty() ? "none in " + namespace : String.join(",", r.functions)));
    }
    if (routes.isEmpty()) {
      out.append("no gateway routes found (no gateway of release ")
          .append(nsq.release)
          .append(" in namespace ")
          .append(nsq.namespace)
          .append(")\n");
    } else {
      columns(out, rows);
    }
    return out.toString();
  }

  private static String number(Long n) {
    return n == null ? "?" : n.toString();
  }

  private static void columns(StringBuilder out, List<List<String>> rows) {
    int[] widths = new int[rows.get(0).size()];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(row.get(i))
            .append(" ".repeat(i == row.size() - 1 ? 0 : widths[i] - row.get(i).length() + 2));
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
  }

  /** The same as JSON, for scripts: unknown queue figures are null. */
  String json() throws Exception {
    ObjectNode root = JSON.createObjectNode();
    root.put("namespace", namespace);
    root.putObject("kubefuncs")
        .put("release", nsq.release)
        .put("namespace", nsq.namespace)
        .put("nsqds", nsqds);
    ArrayNode fs = root.putArray("functions");
    for (Function f : functions) {
      ObjectNode o = fs.addObject();
      o.put("name", f.name)
          .put("release", f.release)
          .put("ready", f.ready)
          .put("replicas", f.desired)
          .put("restarts", f.restarts)
          .put("image", f.image)
          .put("topic", f.topic)
          .put("channel", f.channel)
          .put("depth", f.depth)
          .put("inFlight", f.inFlight)
          .put("requeued", f.requeued);
      f.routes.forEach(o.putArray("routes")::add);
    }
    ArrayNode rs = root.putArray("routes");
    for (RouteRow r : routes) {
      ObjectNode o =
          rs.addObject().put("prefix", r.prefix).put("topic", r.topic).put("async", r.async);
      r.functions.forEach(o.putArray("functions")::add);
    }
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
  }
}
