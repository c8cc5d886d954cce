package io.kubefuncs.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kubefuncs.nsq.internal.JsonTokens;
import io.kubefuncs.proto.Event;
import io.kubefuncs.proto.HTTPRequest;
import io.kubefuncs.proto.HTTPResponse;
import java.io.IOException;

/**
 * Runs, on a thread of its own started with {@code Function} or {@code Gateway}, static
 * initializers that would otherwise run later on a thread the start or the first request waits for.
 * The AOT cache holds classes loaded and linked, not initialized, so these run in the interpreter
 * at every start:
 *
 * <ul>
 *   <li>jackson-core's parser, and with it the JDK's {@code BigDecimal}, whose initializer in JDK
 *       25 squares {@code BigInteger}s up to 5^65536: 11 to 40 ms of CPU here, which the first NSQ
 *       connection spent between nsqd's answer to IDENTIFY and sending SUB (bench/README.md,
 *       "BigDecimal on the way to ready");
 *   <li>protobuf-java's descriptors of kubefuncs.proto and any.proto, parsed from their serialized
 *       form with their features resolved, and the default entry of each map field, which the first
 *       request after /healthz turned 200 waited for (bench/README.md, "The first request").
 * </ul>
 */
public final class StartWarmUp {
  private static final byte[] EMPTY_JSON_OBJECT = {'{', '}'};

  private final Thread thread;

  private StartWarmUp(Thread thread) {
    this.thread = thread;
  }

  /**
   * A function's: JSON first, which its first NSQ connection needs some 40 ms into the start, then
   * the messages, which its first event needs after ready. {@link #await} it before reporting
   * ready.
   */
  public static StartWarmUp forFunction() {
    return start(
        () -> {
          readJson();
          writeAndReadMessages();
        });
  }

  /**
   * The gateway's: the messages only. Its main thread reads the routes file with jackson at once,
   * and so initializes what {@link #forFunction} warms before any other thread needs it. {@link
   * #await} it before listening.
   */
  public static StartWarmUp forGateway() {
    return start(StartWarmUp::writeAndReadMessages);
  }

  private static StartWarmUp start(Runnable steps) {
    return new StartWarmUp(Thread.ofPlatform().name("kubefuncs-warm-up").daemon().start(steps));
  }

  /** Returns once the warm-up is done, or at once if this thread is interrupted meanwhile. */
  public void await() {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void readJson() {
    try (JsonParser p = JsonTokens.FACTORY.createParser(EMPTY_JSON_OBJECT)) {
      while (p.nextToken() != null) {}
    } catch (IOException e) {
      throw new IllegalStateException("{} does not read as JSON", e);
    }
  }

  /** Writes and reads one event carrying a request, and one response. */
  private static void writeAndReadMessages() {
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
