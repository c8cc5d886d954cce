package io.kubefuncs.gateway;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.util.AttributeKey;
import java.util.HashMap;
import java.util.Map;

/**
 * Puts one connection's responses back in request order. HTTP/1.1 lets a client send requests
 * before the earlier ones are answered, and matches answers to requests by order alone; the
 * functions behind the gateway answer in any order, so an answer that overtakes an earlier one is
 * held here until those before it are written. Touched only on the connection's event loop.
 */
final class PipelinedResponses {
  private static final AttributeKey<PipelinedResponses> KEY =
      AttributeKey.valueOf(PipelinedResponses.class, "order");

  /**
   * Past this many unanswered requests, the connection stops reading until the oldest are answered;
   * it also stops while its answers are not being read (the channel is not writable), so that a
   * client that only sends cannot make the gateway hold any number of answers for it.
   */
  static final int MAX_UNANSWERED = 16;

  private final Channel channel;
  private int received;
  private int nextToWrite;
  private boolean closing;

  /** Answers that arrived before an earlier request's: empty unless the client pipelines. */
  private Map<Integer, Held> held;

  private record Held(FullHttpResponse response, boolean close) {}

  private PipelinedResponses(Channel channel) {
    this.channel = channel;
  }

  static PipelinedResponses of(Channel channel) {
    PipelinedResponses order = channel.attr(KEY).get();
    if (order == null) {
      order = new PipelinedResponses(channel);
      channel.attr(KEY).set(order);
    }
    return order;
  }

  /** The sequence number of a request just received. */
  int next() {
    if (++received - nextToWrite >= MAX_UNANSWERED) {
      updateReading();
    }
    return received - 1;
  }

  /** Writes the answer to request {@code seq} now, or once every earlier request is answered. */
  void write(int seq, FullHttpResponse response, boolean close) {
    if (closing) {
      response.release();
      return;
    }
    if (seq != nextToWrite) {
      if (held == null) {
        held = new HashMap<>();
      }
      held.put(seq, new Held(response, close));
      return;
    }
    writeNow(response, close);
    while (!closing && held != null && !held.isEmpty()) {
      Held next = held.remove(nextToWrite);
      if (next == null) {
        break;
      }
      writeNow(next.response, next.close);
    }
    if (!channel.config().isAutoRead()) {
      updateReading();
    }
  }

  /**
   * Reads while the client reads its answers and has fewer than {@link #MAX_UNANSWERED} waiting.
   */
  void updateReading() {
    boolean read = channel.isWritable() && received - nextToWrite < MAX_UNANSWERED;
    if (read != channel.config().isAutoRead()) {
      channel.config().setAutoRead(read);
    }
  }

  private void writeNow(FullHttpResponse response, boolean close) {
    nextToWrite++;
    if (close) {
      closing = true;
      channel.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
      if (held != null) {
        held.values().forEach(h -> h.response.release());
        held.clear();
      }
    } else {
      channel.writeAndFlush(response, channel.voidPromise());
    }
  }
}
