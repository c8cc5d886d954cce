package io.kubefuncs.devbroker;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The nsqd part of the broker: its topics, its clients and its clock. Everything here runs on the
 * one event loop, which also serves every connection, so no state needs a lock; work arriving from
 * elsewhere (close, the tests) is submitted to the loop.
 */
final class Nsqd {
  private static final System.Logger LOG = System.getLogger(Nsqd.class.getName());

  /** nsqd's --queue-scan-interval: how often deferred and timed-out messages are looked at. */
  private static final long SCAN_INTERVAL_MILLIS = 100;

  /** How often nsqd pings its nsqlookupds, which keeps it listed as active. */
  private static final long LOOKUPD_PING_SECONDS = 15;

  final Options options;
  final EventLoop loop;
  final Lookupd lookupd;
  final long startTime = System.currentTimeMillis() / 1000;

  private final Map<String, Topic> topics = new HashMap<>();
  private final Set<ClientV2> clients = new LinkedHashSet<>();
  private long lastClientId;
  private final MessageIds ids = new MessageIds(Hostnames.hostname().hashCode() & 1023);
  private final long wallNanosAtStart = System.currentTimeMillis() * 1_000_000;
  private final long nanoTimeAtStart = System.nanoTime();

  private final ArrayDeque<ClientV2> toFlush = new ArrayDeque<>();
  private boolean flushScheduled;
  private final Runnable flushTask = this::flushAll;

  private InetSocketAddress tcpAddress;
  private int httpPort;
  private Lookupd.PeerInfo peer;

  Nsqd(Options options, EventLoop loop, Lookupd lookupd) {
    this.options = options;
    this.loop = loop;
    this.lookupd = lookupd;
  }

  /** On the loop, once the listeners are bound. */
  void start(InetSocketAddress tcpAddress, int httpPort) {
    this.tcpAddress = tcpAddress;
    this.httpPort = httpPort;
    this.peer =
        new Lookupd.PeerInfo(
            DevBroker.hostPort(tcpAddress.getAddress().getHostAddress(), tcpAddress.getPort()),
            DevBroker.hostPort(tcpAddress.getAddress().getHostAddress(), tcpAddress.getPort()),
            Hostnames.hostname(),
            broadcastAddress(),
            tcpAddress.getPort(),
            httpPort,
            Options.VERSION);
    lookupd.identified(peer);
    loop.scheduleAtFixedRate(
        this::scanTimers, SCAN_INTERVAL_MILLIS, SCAN_INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    loop.scheduleAtFixedRate(
        () -> peer.lastUpdateNanos = System.nanoTime(),
        LOOKUPD_PING_SECONDS,
        LOOKUPD_PING_SECONDS,
        TimeUnit.SECONDS);
  }

  InetSocketAddress tcpAddress() {
    return tcpAddress;
  }

  int httpPort() {
    return httpPort;
  }

  String broadcastAddress() {
    return Hostnames.broadcastAddress(options.host());
  }

  // ---- clock and ids ----

  /** Wall-clock nanoseconds since the epoch, as nsqd stamps messages; monotonic within a run. */
  long wallNanos() {
    return wallNanosAtStart + (System.nanoTime() - nanoTimeAtStart);
  }

  Message newMessage(byte[] body, long deferNanos) {
    long now = wallNanos();
    return new Message(ids.next(now), now, body, deferNanos);
  }

  // ---- clients ----

  ClientV2 connected(ChannelHandlerContext ctx) {
    ClientV2 client = new ClientV2(++lastClientId, this, ctx);
    clients.add(client);
    return client;
  }

  void disconnected(ClientV2 client) {
    clients.remove(client);
    if (client.channel != null) {
      client.channel.removeClient(client);
    }
    client.released();
  }

  Set<ClientV2> clients() {
    return clients;
  }

  /** Queues a client's output for the flush at the end of this pass of the event loop. */
  void flushAtEndOfPass(ClientV2 client) {
    toFlush.add(client);
    if (!flushScheduled) {
      flushScheduled = true;
      loop.execute(flushTask);
    }
  }

  private void flushAll() {
    flushScheduled = false;
    ClientV2 client;
    while ((client = toFlush.poll()) != null) {
      client.flush();
    }
  }

  // ---- topics ----

  /** The topic of that name, created (and registered with nsqlookupd) if need be. */
  Topic topic(String name) {
    Topic topic = topics.get(name);
    if (topic != null) {
      return topic;
    }
    topic = new Topic(name, this);
    topics.put(name, topic);
    lookupd.register(peer, name, "");
    log(System.Logger.Level.DEBUG, "TOPIC({0}): created", name);
    // As an nsqd that uses nsqlookupd: channels known there for this topic exist from the start,
    // so that they get every message, even those published before their consumers return.
    for (String channel :
        Lookupd.subKeys(lookupd.findRegistrations(Lookupd.CHANNEL, name, Lookupd.ANY))) {
      if (!Names.isEphemeral(channel)) {
        topic.channel(channel);
      }
    }
    return topic;
  }

  Topic existingTopic(String name) {
    return topics.get(name);
  }

  /** The topics by name, as nsqd's /stats sorts them. */
  List<Topic> topicsByName() {
    return new ArrayList<>(new TreeMap<>(topics).values());
  }

  boolean deleteTopic(String name) {
    Topic topic = topics.remove(name);
    if (topic == null) {
      return false;
    }
    for (NsqChannel channel : List.copyOf(topic.channels())) {
      lookupd.unregister(peer, name, channel.name);
    }
    topic.delete();
    lookupd.unregister(peer, name, "");
    log(System.Logger.Level.DEBUG, "TOPIC({0}): deleted", name);
    return true;
  }

  void channelCreated(NsqChannel channel) {
    lookupd.register(peer, channel.topic.name, channel.name);
    log(
        System.Logger.Level.DEBUG,
        "TOPIC({0}): new channel({1})",
        channel.topic.name,
        channel.name);
  }

  void channelDeleted(NsqChannel channel) {
    lookupd.unregister(peer, channel.topic.name, channel.name);
    log(
        System.Logger.Level.DEBUG,
        "TOPIC({0}): deleted channel({1})",
        channel.topic.name,
        channel.name);
  }

  private void scanTimers() {
    long now = System.nanoTime();
    try {
      for (Topic topic : topics.values()) {
        for (NsqChannel channel : topic.channels()) {
          if (channel.hasTimers()) {
            channel.processTimers(now);
          }
        }
      }
    } catch (RuntimeException e) {
      // A periodic task that throws is never run again; timeouts must go on whatever happened.
      LOG.log(System.Logger.Level.WARNING, "queue scan failed", e);
    }
  }

  void log(System.Logger.Level level, String format, Object... args) {
    if (LOG.isLoggable(level)) {
      LOG.log(level, format, args);
    }
  }
}
