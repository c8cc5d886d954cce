package io.kubefuncs.internal;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kubefuncs.proto.Event;
import io.kubefuncs.proto.HTTPRequest;
import io.kubefuncs.proto.HTTPResponse;

/**
 * Has protobuf-java build, during the start, what it builds once per process at the first message
 * of a kind: the descriptors of kubefuncs.proto and any.proto, parsed from their serialized form
 * with their features resolved, and the default entry of each map field. In a fresh JVM that is
 * about 14 ms of interpreted code, which the first request after /healthz turned 200 waited for
 * (bench/README.md, "The first request").
 */
public final class MessagesWarmUp {
  private final Thread thread;

  private MessagesWarmUp(Thread thread) {
    this.thread = thread;
  }

  /**
   * Starts the warm-up on a thread of its own, so that it overlaps the rest of the start; {@link
   * #await} it before reporting ready.
   */
  public static MessagesWarmUp start() {
    return new MessagesWarmUp(
        Thread.ofPlatform().name("kubefuncs-warm-up").daemon().start(MessagesWarmUp::run));
  }

  /** Returns once the warm-up is done, or at once if this thread is interrupted meanwhile. */
  public void await() {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Writes and reads one event carrying a request, and one response. */
  private static void run() {
    HTTPRequest request = HTTPRequest.newBuilder().setUrl("/").putHeaders("Accept", "*/*").build();
    Event event =
        Event.newBuilder()
            .setId("warm-up")
            .putMetadata("attempt", "1")
            .setPayload(Any.pack(request))
            .build();
    HTTPResponse response =
        HTTPResponse.newBuilder().putHeaders("Content-Type", "text/plain").build();
    try {
      Event read = Event.parseFrom(event.toByteString());
      HTTPRequest.parseFrom(read.getPayload().getValue());
      HTTPResponse.parseFrom(response.toByteString());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a message just written does not read back", e);
    }
  }
}
