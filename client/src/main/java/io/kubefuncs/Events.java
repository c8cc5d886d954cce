package io.kubefuncs;

import com.google.protobuf.Any;
import io.kubefuncs.proto.Event;
import java.util.UUID;

/** Building and answering events, the one place the wire format's rules are applied. */
final class Events {
  private Events() {}

  static Event newEvent(String topic, String returnTopic, com.google.protobuf.Message payload) {
    return newEventBuilder(topic, returnTopic, payload).build();
  }

  /** A new event still open to additions, such as its trace context. */
  static Event.Builder newEventBuilder(
      String topic, String returnTopic, com.google.protobuf.Message payload) {
    return Event.newBuilder()
        .setId(UUID.randomUUID().toString())
        .setTopic(topic)
        .setReturn(returnTopic)
        .setPayload(Any.pack(payload));
  }

  /** The answer to {@code request}: same id, sent to its return topic; never a bare payload. */
  static Event response(Event request, com.google.protobuf.Message payload) {
    return Event.newBuilder()
        .setId(request.getId())
        .setTopic(request.getReturn())
        .setPayload(Any.pack(payload))
        .build();
  }

  static io.kubefuncs.proto.Error error(Throwable t) {
    return error(t.getMessage() != null ? t.getMessage() : t.getClass().getName());
  }

  static io.kubefuncs.proto.Error error(String text) {
    return io.kubefuncs.proto.Error.newBuilder().setError(text).build();
  }
}
