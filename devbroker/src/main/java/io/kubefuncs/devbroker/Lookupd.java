package io.kubefuncs.devbroker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * nsqlookupd's registration database: which nsqd (producer) has which topic and channel. The
 * embedded nsqd registers here directly, in-process, as it creates and deletes topics and channels;
 * real nsqds register over the TCP protocol V1 ({@link LookupProtocolV1}). The rules (what a
 * registration is, when one disappears, which producers count as active) are nsqlookupd's. Only the
 * broker's event loop touches it.
 */
final class Lookupd {
  static final String CLIENT = "client";
  static final String TOPIC = "topic";
  static final String CHANNEL = "channel";
  static final String ANY = "*";

  /** nsqlookupd's {@code --inactive-producer-timeout} and {@code --tombstone-lifetime}. */
  static final long INACTIVE_PRODUCER_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(300);

  static final long TOMBSTONE_LIFETIME_NANOS = TimeUnit.SECONDS.toNanos(45);

  record Registration(String category, String key, String subKey) {
    boolean matches(String category, String key, String subKey) {
      return this.category.equals(category)
          && (key.equals(ANY) || this.key.equals(key))
          && (subKey.equals(ANY) || this.subKey.equals(subKey));
    }
  }

  /** What an nsqd told about itself in IDENTIFY. */
  static final class PeerInfo {
    final String id;
    final String remoteAddress;
    final String hostname;
    final String broadcastAddress;
    final int tcpPort;
    final int httpPort;
    final String version;
    long lastUpdateNanos = System.nanoTime();

    PeerInfo(
        String id,
        String remoteAddress,
        String hostname,
        String broadcastAddress,
        int tcpPort,
        int httpPort,
        String version) {
      this.id = id;
      this.remoteAddress = remoteAddress;
      this.hostname = hostname;
      this.broadcastAddress = broadcastAddress;
      this.tcpPort = tcpPort;
      this.httpPort = httpPort;
      this.version = version;
    }
  }

  static final class Producer {
    final PeerInfo peer;
    private boolean tombstoned;
    private long tombstonedAtNanos;

    Producer(PeerInfo peer) {
      this.peer = peer;
    }

    void tombstone() {
      tombstoned = true;
      tombstonedAtNanos = System.nanoTime();
    }

    boolean isTombstoned(long lifetimeNanos) {
      return tombstoned && System.nanoTime() - tombstonedAtNanos < lifetimeNanos;
    }
  }

  final Options options;
  private final Map<Registration, Map<String, Producer>> registrations = new LinkedHashMap<>();
  private int tcpPort;
  private int httpPort;

  Lookupd(Options options) {
    this.options = options;
  }

  void start(int tcpPort, int httpPort) {
    this.tcpPort = tcpPort;
    this.httpPort = httpPort;
  }

  int tcpPort() {
    return tcpPort;
  }

  int httpPort() {
    return httpPort;
  }

  String broadcastAddress() {
    return Hostnames.broadcastAddress(options.host());
  }

  // ---- what nsqds do: IDENTIFY, REGISTER, UNREGISTER, disconnect ----

  void identified(PeerInfo peer) {
    addProducer(new Registration(CLIENT, "", ""), peer);
  }

  /** REGISTER: the channel (if any) and its topic now have this producer. */
  void register(PeerInfo peer, String topic, String channel) {
    if (!channel.isEmpty()) {
      addProducer(new Registration(CHANNEL, topic, channel), peer);
    }
    addProducer(new Registration(TOPIC, topic, ""), peer);
  }

  /**
   * UNREGISTER: the producer leaves the channel, or without a channel the topic and all its
   * channels. The registrations themselves stay (nsqlookupd keeps them) unless ephemeral and left
   * without producers.
   */
  void unregister(PeerInfo peer, String topic, String channel) {
    if (!channel.isEmpty()) {
      Registration key = new Registration(CHANNEL, topic, channel);
      if (removeProducer(key, peer.id) == 0 && Names.isEphemeral(channel)) {
        registrations.remove(key);
      }
      return;
    }
    for (Registration r : findRegistrations(CHANNEL, topic, ANY)) {
      removeProducer(r, peer.id);
    }
    Registration key = new Registration(TOPIC, topic, "");
    if (removeProducer(key, peer.id) == 0 && Names.isEphemeral(topic)) {
      registrations.remove(key);
    }
  }

  /** The peer's connection ended: it is no producer of anything any more. */
  void disconnected(PeerInfo peer) {
    for (Registration r : registrationsOf(peer.id)) {
      removeProducer(r, peer.id);
    }
  }

  // ---- the database ----

  void addRegistration(Registration key) {
    registrations.computeIfAbsent(key, k -> new LinkedHashMap<>());
  }

  void removeRegistration(Registration key) {
    registrations.remove(key);
  }

  private void addProducer(Registration key, PeerInfo peer) {
    registrations
        .computeIfAbsent(key, k -> new LinkedHashMap<>())
        .putIfAbsent(peer.id, new Producer(peer));
  }

  /** Removes the producer; returns how many producers the registration has left. */
  private int removeProducer(Registration key, String peerId) {
    Map<String, Producer> producers = registrations.get(key);
    if (producers == null) {
      return 0;
    }
    producers.remove(peerId);
    return producers.size();
  }

  List<Registration> findRegistrations(String category, String key, String subKey) {
    List<Registration> found = new ArrayList<>();
    for (Registration r : registrations.keySet()) {
      if (r.matches(category, key, subKey)) {
        found.add(r);
      }
    }
    return found;
  }

  /** The producers of the matching registrations, each peer once. */
  List<Producer> findProducers(String category, String key, String subKey) {
    Map<String, Producer> found = new LinkedHashMap<>();
    registrations.forEach(
        (r, producers) -> {
          if (r.matches(category, key, subKey)) {
            producers.forEach(found::putIfAbsent);
          }
        });
    return new ArrayList<>(found.values());
  }

  List<Registration> registrationsOf(String peerId) {
    List<Registration> found = new ArrayList<>();
    registrations.forEach(
        (r, producers) -> {
          if (producers.containsKey(peerId)) {
            found.add(r);
          }
        });
    return found;
  }

  /** nsqlookupd's FilterByActive: drops producers silent for too long, and tombstoned ones. */
  static List<Producer> active(
      List<Producer> producers, long inactiveTimeoutNanos, long tombstoneLifetimeNanos) {
    long now = System.nanoTime();
    List<Producer> active = new ArrayList<>();
    for (Producer p : producers) {
      if (now - p.peer.lastUpdateNanos > inactiveTimeoutNanos
          || p.isTombstoned(tombstoneLifetimeNanos)) {
        continue;
      }
      active.add(p);
    }
    return active;
  }

  static List<String> keys(List<Registration> registrations) {
    List<String> keys = new ArrayList<>(registrations.size());
    for (Registration r : registrations) {
      keys.add(r.key());
    }
    return keys;
  }

  static List<String> subKeys(List<Registration> registrations) {
    List<String> keys = new ArrayList<>(registrations.size());
    for (Registration r : registrations) {
      keys.add(r.subKey());
    }
    return keys;
  }

  Map<Registration, Map<String, Producer>> all() {
    return registrations;
  }
}
