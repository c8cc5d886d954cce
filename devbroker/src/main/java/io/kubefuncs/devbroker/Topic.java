package io.kubefuncs.devbroker;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A topic: copies every message to each of its channels. Messages published while it has no
 * channel, or while it is paused, wait in the topic, and go to its channels once there are some
 * (nsqd keeps them the same way, in its topic's memory and disk queues).
 */
final class Topic {
  private static final NsqChannel[] NO_CHANNELS = {};

  final String name;
  final boolean ephemeral;
  private final Nsqd nsqd;
  private final Map<String, NsqChannel> channels = new LinkedHashMap<>();

  /** The channels as an array, for the per-message fan-out. */
  private NsqChannel[] fanOut = NO_CHANNELS;

  private final ArrayDeque<Message> held = new ArrayDeque<>();

  long messageCount;
  long messageBytes;
  boolean paused;
  boolean deleted;

  Topic(String name, Nsqd nsqd) {
    this.name = name;
    this.ephemeral = Names.isEphemeral(name);
    this.nsqd = nsqd;
  }

  int depth() {
    return held.size();
  }

  Collection<NsqChannel> channels() {
    return channels.values();
  }

  NsqChannel existingChannel(String channelName) {
    return channels.get(channelName);
  }

  /**
   * Whether {@code count} more messages fit everywhere they would go. nsqd would spill to disk
   * instead; ephemeral topics and channels accept anything and drop the excess as nsqd does.
   */
  boolean hasRoomFor(int count) {
    if (isHolding()) {
      return ephemeral || held.size() + (long) count <= nsqd.options.memQueueSize();
    }
    for (NsqChannel channel : fanOut) {
      if (!channel.hasRoomFor(count)) {
        return false;
      }
    }
    return true;
  }

  void put(Message message) {
    messageCount++;
    messageBytes += message.body.length;
    if (isHolding()) {
      if (held.size() < nsqd.options.memQueueSize()) {
        held.add(message);
      }
      return;
    }
    copyToChannels(message);
  }

  private void copyToChannels(Message message) {
    NsqChannel[] targets = fanOut;
    targets[0].put(message);
    for (int i = 1; i < targets.length; i++) {
      targets[i].put(message.copy());
    }
  }

  private boolean isHolding() {
    return fanOut.length == 0 || paused;
  }

  /** The channel of that name, created if need be (and registered with nsqlookupd). */
  NsqChannel channel(String channelName) {
    NsqChannel channel = channels.get(channelName);
    if (channel != null) {
      return channel;
    }
    channel = new NsqChannel(this, channelName, nsqd);
    channels.put(channelName, channel);
    fanOut = channels.values().toArray(NO_CHANNELS);
    nsqd.channelCreated(channel);
    release();
    return channel;
  }

  boolean deleteChannel(String channelName) {
    NsqChannel channel = channels.remove(channelName);
    if (channel == null) {
      return false;
    }
    fanOut = channels.values().toArray(NO_CHANNELS);
    channel.delete();
    nsqd.channelDeleted(channel);
    if (channels.isEmpty() && ephemeral) {
      nsqd.deleteTopic(name);
    }
    return true;
  }

  void pause() {
    paused = true;
  }

  void unpause() {
    paused = false;
    release();
  }

  /** Drops the messages waiting in the topic itself (not its channels'), as nsqd's /topic/empty. */
  void empty() {
    held.clear();
  }

  void delete() {
    deleted = true;
    held.clear();
    for (NsqChannel channel : fanOut) {
      channel.delete();
    }
    channels.clear();
    fanOut = NO_CHANNELS;
  }

  /** Sends the messages that waited for a channel, or for an unpause, to the channels. */
  private void release() {
    if (isHolding()) {
      return;
    }
    Message message;
    while ((message = held.poll()) != null) {
      copyToChannels(message);
    }
  }
}
