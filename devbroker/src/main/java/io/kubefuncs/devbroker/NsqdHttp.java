package io.kubefuncs.devbroker;

import static io.netty.handler.codec.http.HttpMethod.GET;
import static io.netty.handler.codec.http.HttpMethod.POST;

import io.netty.handler.codec.http.HttpUtil;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * nsqd's HTTP API: publishing, topic and channel administration and /stats, with nsqd 1.3.0's
 * checks, statuses and messages. Each request runs on the broker's event loop.
 */
final class NsqdHttp {
  private final Nsqd nsqd;
  private final Options options;

  NsqdHttp(Nsqd nsqd) {
    this.nsqd = nsqd;
    this.options = nsqd.options;
  }

  HttpApi api() {
    return new HttpApi("nsqd HTTP", options.maxBodySize())
        .plainTextRoute(GET, "/ping", request -> "OK")
        .route(GET, "/info", request -> info())
        .route(POST, "/pub", this::pub)
        .route(POST, "/mpub", this::mpub)
        .route(GET, "/stats", request -> Stats.of(nsqd, request.query()))
        .route(
            POST,
            "/topic/create",
            request -> {
              topicFromQuery(request.query());
              return null;
            })
        .route(POST, "/topic/delete", this::deleteTopic)
        .route(POST, "/topic/empty", this::emptyTopic)
        .route(POST, "/topic/pause", request -> pauseTopic(request, true))
        .route(POST, "/topic/unpause", request -> pauseTopic(request, false))
        .route(
            POST,
            "/channel/create",
            request -> {
              TopicAndChannel target = existingTopicAndChannel(request.query());
              target.topic().channel(target.channel());
              return null;
            })
        .route(
            POST,
            "/channel/delete",
            request -> {
              TopicAndChannel target = existingTopicAndChannel(request.query());
              if (!target.topic().deleteChannel(target.channel())) {
                throw new HttpError(404, "CHANNEL_NOT_FOUND");
              }
              return null;
            })
        .route(
            POST,
            "/channel/empty",
            request -> {
              existingChannel(request.query()).empty();
              return null;
            })
        .route(
            POST,
            "/channel/pause",
            request -> {
              existingChannel(request.query()).pause();
              return null;
            })
        .route(
            POST,
            "/channel/unpause",
            request -> {
              existingChannel(request.query()).unpause();
              return null;
            });
  }

  private Object info() {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("version", Options.VERSION);
    info.put("broadcast_address", nsqd.broadcastAddress());
    info.put("hostname", Hostnames.hostname());
    info.put("http_port", nsqd.httpPort());
    info.put("tcp_port", nsqd.tcpAddress().getPort());
    info.put("start_time", nsqd.startTime);
    // Go's time.Duration is nanoseconds in JSON.
    info.put("max_heartbeat_interval", Options.MAX_HEARTBEAT_INTERVAL_NANOS);
    info.put("max_output_buffer_size", Options.MAX_OUTPUT_BUFFER_SIZE);
    info.put("max_output_buffer_timeout", Options.MAX_OUTPUT_BUFFER_TIMEOUT_NANOS);
    info.put("max_deflate_level", Options.MAX_DEFLATE_LEVEL);
    return info;
  }

  private Object pub(HttpApi.Request request) throws HttpError {
    if (HttpUtil.getContentLength(request.http(), -1L) > options.maxMsgSize()) {
      throw new HttpError(413, "MSG_TOO_BIG");
    }
    byte[] body = request.body();
    if (body.length > options.maxMsgSize()) {
      throw new HttpError(413, "MSG_TOO_BIG");
    }
    if (body.length == 0) {
      throw new HttpError(400, "MSG_EMPTY");
    }
    QueryParams query = request.query();
    Topic topic = topicFromQuery(query);
    long delay = 0;
    if (query.has("defer")) {
      try {
        delay = Long.parseLong(query.get("defer")) * 1_000_000;
      } catch (NumberFormatException e) {
        throw new HttpError(400, "INVALID_DEFER");
      }
      if (delay < 0 || delay > Options.MAX_REQ_TIMEOUT_NANOS) {
        throw new HttpError(400, "INVALID_DEFER");
      }
    }
    if (!topic.hasRoomFor(1)) {
      throw new HttpError(503, "MEM_QUEUE_FULL");
    }
    topic.put(nsqd.newMessage(body, delay));
    return "OK";
  }

  private Object mpub(HttpApi.Request request) throws HttpError {
    if (HttpUtil.getContentLength(request.http(), -1L) > options.maxBodySize()) {
      throw new HttpError(413, "BODY_TOO_BIG");
    }
    Topic topic = topicFromQuery(request.query());
    // As nsqd: text mode by default; an unrecognised value of binary= means binary.
    boolean binary = request.query().bool("binary", false, true);
    byte[] body = request.body();
    List<byte[]> messages = binary ? binaryMessages(body) : lines(body);
    if (!topic.hasRoomFor(messages.size())) {
      throw new HttpError(503, "MEM_QUEUE_FULL");
    }
    for (byte[] message : messages) {
      topic.put(nsqd.newMessage(message, 0));
    }
    return "OK";
  }

  /** MPUB's binary body (count, then size and bytes of each); nsqd's read errors become 413s. */
  private List<byte[]> binaryMessages(byte[] body) throws HttpError {
    ByteBuffer in = ByteBuffer.wrap(body);
    if (in.remaining() < 4) {
      throw new HttpError(413, "BAD_BODY");
    }
    int count = in.getInt();
    if (count <= 0 || count > (options.maxBodySize() - 4) / 5) {
      throw new HttpError(413, "BAD_BODY");
    }
    List<byte[]> messages = new ArrayList<>(Math.min(count, 1024));
    for (int i = 0; i < count; i++) {
      if (in.remaining() < 4) {
        throw new HttpError(413, "BAD_MESSAGE");
      }
      int size = in.getInt();
      if (size <= 0 || size > options.maxMsgSize() || in.remaining() < size) {
        throw new HttpError(413, "BAD_MESSAGE");
      }
      byte[] message = new byte[size];
      in.get(message);
      messages.add(message);
    }
    return messages;
  }

  /** MPUB's text body: one message per line, empty lines skipped. */
  private List<byte[]> lines(byte[] body) throws HttpError {
    List<byte[]> messages = new ArrayList<>();
    int from = 0;
    while (from < body.length) {
      int end = from;
      while (end < body.length && body[end] != '\n') {
        end++;
      }
      int length = end - from;
      if (length > options.maxMsgSize()) {
        throw new HttpError(413, "MSG_TOO_BIG");
      }
      if (length > 0) {
        messages.add(Arrays.copyOfRange(body, from, end));
      }
      from = end + 1;
    }
    return messages;
  }

  private Object deleteTopic(HttpApi.Request request) throws HttpError {
    String name = request.query().get("topic");
    if (name == null) {
      throw new HttpError(400, "MISSING_ARG_TOPIC");
    }
    if (!nsqd.deleteTopic(name)) {
      throw new HttpError(404, "TOPIC_NOT_FOUND");
    }
    return null;
  }

  private Object emptyTopic(HttpApi.Request request) throws HttpError {
    String name = request.query().get("topic");
    if (name == null) {
      throw new HttpError(400, "MISSING_ARG_TOPIC");
    }
    if (!Names.isValid(name)) {
      throw new HttpError(400, "INVALID_TOPIC");
    }
    Topic topic = nsqd.existingTopic(name);
    if (topic == null) {
      throw new HttpError(404, "TOPIC_NOT_FOUND");
    }
    topic.empty();
    return null;
  }

  private Object pauseTopic(HttpApi.Request request, boolean pause) throws HttpError {
    String name = request.query().get("topic");
    if (name == null) {
      throw new HttpError(400, "MISSING_ARG_TOPIC");
    }
    Topic topic = nsqd.existingTopic(name);
    if (topic == null) {
      throw new HttpError(404, "TOPIC_NOT_FOUND");
    }
    if (pause) {
      topic.pause();
    } else {
      topic.unpause();
    }
    return null;
  }

  /** nsqd's getTopicFromQuery: the topic named by ?topic=, created if need be. */
  private Topic topicFromQuery(QueryParams query) throws HttpError {
    String name = query.get("topic");
    if (name == null) {
      throw new HttpError(400, "MISSING_ARG_TOPIC");
    }
    if (!Names.isValid(name)) {
      throw new HttpError(400, "INVALID_TOPIC");
    }
    return nsqd.topic(name);
  }

  private record TopicAndChannel(Topic topic, String channel) {}

  /** nsqd's getExistingTopicFromQuery: both names valid, and the topic already there. */
  private TopicAndChannel existingTopicAndChannel(QueryParams query) throws HttpError {
    String topicName = query.get("topic");
    if (topicName == null) {
      throw new HttpError(400, "MISSING_ARG_TOPIC");
    }
    if (!Names.isValid(topicName)) {
      throw new HttpError(400, "INVALID_ARG_TOPIC");
    }
    String channelName = query.get("channel");
    if (channelName == null) {
      throw new HttpError(400, "MISSING_ARG_CHANNEL");
    }
    if (!Names.isValid(channelName)) {
      throw new HttpError(400, "INVALID_ARG_CHANNEL");
    }
    Topic topic = nsqd.existingTopic(topicName);
    if (topic == null) {
      throw new HttpError(404, "TOPIC_NOT_FOUND");
    }
    return new TopicAndChannel(topic, channelName);
  }

  private NsqChannel existingChannel(QueryParams query) throws HttpError {
    TopicAndChannel target = existingTopicAndChannel(query);
    NsqChannel channel = target.topic().existingChannel(target.channel());
    if (channel == null) {
      throw new HttpError(404, "CHANNEL_NOT_FOUND");
    }
    return channel;
  }
}
