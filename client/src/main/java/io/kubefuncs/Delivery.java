package io.kubefuncs;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kubefuncs.proto.Event;
import io.kubefuncs.proto.HTTPRequest;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One event delivered: handed to a {@link Handler}, with the way to answer it, or the answer that
 * completes a {@link Client#call}. Named apart from protobuf's {@code Message} and the proto {@code
 * Event} it wraps.
 */
public final class Delivery {
  /** Publishes an answer; the SDK finishes the event only once nsqd has acknowledged it. */
  interface Replies {
    CompletableFuture<Void> publish(String topic, Event response);

    /** Resets the redelivery timer of the underlying NSQ message, where there is one. */
    void touch();
  }

  private final Event event;
  private final int attempts;
  private final Replies replies;
  private volatile CompletableFuture<Void> response;

  Delivery(Event event, int attempts, Replies replies) {
    this.event = event;
    this.attempts = attempts;
    this.replies = replies;
  }

  public String id() {
    return event.getId();
  }

  public String topic() {
    return event.getTopic();
  }

  /** Where the answer goes; empty for fire-and-forget events. */
  public String returnTopic() {
    return event.getReturn();
  }

  public boolean expectsResponse() {
    return !event.getReturn().isEmpty();
  }

  /**
   * The event's metadata: with tracing on, {@code traceparent} and {@code tracestate} (W3C Trace
   * Context) of the publish that sent it; the SDK reads them itself.
   */
  public Map<String, String> metadata() {
    return event.getMetadataMap();
  }

  /** Deliveries of this event so far, this one included. */
  public int attempts() {
    return attempts;
  }

  /** The whole event, as it came over the wire. */
  public Event event() {
    return event;
  }

  /** The payload's type URL, for example {@code type.googleapis.com/kubefuncs.HTTPRequest}. */
  public String payloadType() {
    return event.getPayload().getTypeUrl();
  }

  public boolean isPayload(Class<? extends com.google.protobuf.Message> type) {
    return Payloads.is(event.getPayload(), type);
  }

  /** The payload decoded as {@code type}. */
  public <T extends com.google.protobuf.Message> T payload(Class<T> type) {
    try {
      return Payloads.unpack(event.getPayload(), type);
    } catch (InvalidProtocolBufferException e) {
      throw new PayloadException(
          "payload of event " + id() + " is " + payloadType() + ", not " + type.getSimpleName(), e);
    }
  }

  /** The payload's encoded bytes, undecoded. */
  public byte[] payloadBytes() {
    return event.getPayload().getValue().toByteArray();
  }

  /** The payload as an HTTP request, which is what the gateway sends. */
  public GatewayRequest http() {
    return new GatewayRequest(payload(HTTPRequest.class));
  }

  /**
   * Answers the event with {@code payload} on its return topic. Does nothing for an event without
   * one. Only the first answer counts; a second throws.
   */
  public void respond(com.google.protobuf.Message payload) {
    if (!expectsResponse()) {
      return;
    }
    synchronized (this) {
      if (response != null) {
        throw new IllegalStateException("event " + id() + " was already answered");
      }
      response = replies.publish(event.getReturn(), Events.response(event, payload));
    }
  }

  public void respond(GatewayResponse response) {
    respond(response.toProto());
  }

  public boolean hasResponded() {
    return response != null;
  }

  /**
   * Tells NSQ this event is still being worked on. The SDK does this by itself for handlers that
   * run long (up to the handler timeout); call it only to go beyond that.
   */
  public void touch() {
    replies.touch();
  }

  /**
   * Applies the rule that an event with a return topic is always answered: with {@code Error} when
   * the handler failed, {@code Empty} when it returned without answering.
   */
  void answerIfHandlerDidNot(Throwable failure) {
    if (expectsResponse() && !hasResponded()) {
      respond(
          failure != null ? Events.error(failure) : io.kubefuncs.proto.Empty.getDefaultInstance());
    }
  }

  /** The answer's publish, or null when there is none. */
  CompletableFuture<Void> response() {
    return response;
  }
}
