package io.kubefuncs.devbroker;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A topic's NSQ channel (not Netty's {@code Channel}): its own copy of every message, handed out to
 * its subscribers within each one's RDY, timed out and redelivered when unanswered, requeued on
 * REQ, held back while deferred. All of it runs on the broker's one event loop, so none of it
 * locks.
 *
 * <p>Invariant: while the channel is not paused, messages wait in {@link #ready} only when no
 * subscriber can take one. Every change that gives a subscriber room (RDY, FIN, REQ, a timeout,
 * unpausing) fills that room from {@link #ready} at once.
 */
final class NsqChannel {
  private static final Comparator<Message> BY_DEADLINE =
      Comparator.comparingLong((Message m) -> m.deadline).thenComparingLong(m -> m.id);

  final Topic topic;
  final String name;
  final boolean ephemeral;
  private final Nsqd nsqd;

  private final ArrayDeque<Message> ready = new ArrayDeque<>();
  private final PriorityQueue<Message> deferred = new PriorityQueue<>(BY_DEADLINE);
  private final InFlightTable inFlight = new InFlightTable();
  private final List<ClientV2> clients = new ArrayList<>();

  /** Where the round-robin over subscribers resumes. */
  private int nextClient;

  long messageCount;
  long requeueCount;
  long timeoutCount;
  boolean paused;
  boolean deleted;

  NsqChannel(Topic topic, String name, Nsqd nsqd) {
    this.topic = topic;
    this.name = name;
    this.ephemeral = Names.isEphemeral(name);
    this.nsqd = nsqd;
  }

  int depth() {
    return ready.size();
  }

  int inFlightCount() {
    return inFlight.size();
  }

  int deferredCount() {
    return deferred.size();
  }

  List<ClientV2> clients() {
    return clients;
  }

  /**
   * Whether {@code count} more messages fit; ephemeral channels take anything and drop the excess.
   */
  boolean hasRoomFor(int count) {
    return ephemeral || ready.size() + (long) count <= nsqd.options.memQueueSize();
  }

  /** A message from the topic: ready now, or after its DPUB delay. */
  void put(Message message) {
    messageCount++;
    if (message.deferNanos > 0) {
      defer(message, message.deferNanos);
    } else {
      offer(message);
    }
  }

  /** Hands a ready message to the next subscriber with room, or queues it. */
  private void offer(Message message) {
    if (!paused) {
      ClientV2 client = nextClientWithRoom();
      if (client != null) {
        deliver(client, message);
        return;
      }
    }
    if (ready.size() >= nsqd.options.memQueueSize() && ephemeral) {
      return; // what nsqd's ephemeral channels do when their memory queue is full
    }
    ready.add(message);
  }

  private void defer(Message message, long delayNanos) {
    message.deadline = System.nanoTime() + delayNanos;
    deferred.add(message);
  }

  private ClientV2 nextClientWithRoom() {
    int n = clients.size();
    for (int tried = 0; tried < n; tried++) {
      if (nextClient >= n) {
        nextClient = 0;
      }
      ClientV2 client = clients.get(nextClient++);
      if (client.canTakeMessage()) {
        return client;
      }
    }
    return null;
  }

  /** Gives {@code client} as many waiting messages as its RDY leaves room for. */
  private void fill(ClientV2 client) {
    if (paused) {
      return;
    }
    Message message;
    while (client.canTakeMessage() && (message = ready.poll()) != null) {
      deliver(client, message);
    }
  }

  private void deliver(ClientV2 client, Message message) {
    if (client.sampleRate > 0 && ThreadLocalRandom.current().nextInt(100) > client.sampleRate) {
      return; // nsqd's sampling drops the message for the whole channel
    }
    message.attempts = (message.attempts + 1) & 0xffff;
    long now = System.nanoTime();
    message.owner = client;
    message.deliveredAt = now;
    message.deadline = now + client.msgTimeoutNanos;
    inFlight.put(message);
    client.addInFlight(message);
    client.sendMessage(message);
  }

  // ---- subscribers ----

  void addClient(ClientV2 client) {
    clients.add(client);
  }

  /**
   * A subscriber left (disconnected, or its channel went away). Its in-flight messages are ready
   * again at once rather than after their timeout, which is all nsqd would wait for; they are
   * counted as timeouts, as nsqd counts them in the end.
   */
  void removeClient(ClientV2 client) {
    int index = clients.indexOf(client);
    if (index < 0) {
      return;
    }
    clients.remove(index);
    if (nextClient > index) {
      nextClient--;
    }
    for (Message m = client.oldestInFlight(); m != null; m = client.oldestInFlight()) {
      client.removeInFlight(m);
      inFlight.remove(m.id);
      timeoutCount++;
      if (!deleted) {
        offer(m);
      }
    }
    if (clients.isEmpty() && ephemeral && !deleted) {
      topic.deleteChannel(name);
    }
  }

  void setReady(ClientV2 client, long count) {
    client.readyCount = count;
    fill(client);
  }

  // ---- answers: each returns null, or why nsqd would refuse it ----

  String finish(ClientV2 client, long id) {
    Message message = ownedInFlight(client, id);
    if (message == null) {
      return whyNotOwned(id);
    }
    takeInFlight(client, message);
    client.finishCount++;
    fill(client);
    return null;
  }

  String requeue(ClientV2 client, long id, long delayNanos) {
    Message message = ownedInFlight(client, id);
    if (message == null) {
      return whyNotOwned(id);
    }
    takeInFlight(client, message);
    requeueCount++;
    client.requeueCount++;
    if (delayNanos == 0) {
      offer(message);
    } else {
      defer(message, delayNanos);
    }
    fill(client);
    return null;
  }

  /** Restarts the message's timeout, though never past max-msg-timeout after its delivery. */
  String touch(ClientV2 client, long id) {
    Message message = ownedInFlight(client, id);
    if (message == null) {
      return whyNotOwned(id);
    }
    long maxTimeout = Options.MAX_MSG_TIMEOUT_NANOS;
    long deadline = System.nanoTime() + client.msgTimeoutNanos;
    if (deadline - message.deliveredAt >= maxTimeout) {
      deadline = message.deliveredAt + maxTimeout;
    }
    message.deadline = deadline;
    client.reorderInFlight(message);
    return null;
  }

  private void takeInFlight(ClientV2 client, Message message) {
    inFlight.remove(message.id);
    client.removeInFlight(message);
  }

  private Message ownedInFlight(ClientV2 client, long id) {
    Message message = id < 0 ? null : inFlight.get(id);
    return message != null && message.owner == client ? message : null;
  }

  private String whyNotOwned(long id) {
    return id < 0 || inFlight.get(id) == null ? "ID not in flight" : "client does not own message";
  }

  // ---- timers ----

  /**
   * Moves deferred messages whose time has come to ready, and redelivers in-flight messages whose
   * timeout passed. nsqd does this in a scan every 100 ms; so does the broker.
   */
  void processTimers(long now) {
    Message message;
    while ((message = deferred.peek()) != null && message.deadline - now <= 0) {
      deferred.poll();
      offer(message);
    }
    for (int i = 0; i < clients.size(); i++) {
      ClientV2 client = clients.get(i);
      boolean freed = false;
      while ((message = client.oldestInFlight()) != null && message.deadline - now <= 0) {
        client.removeInFlight(message);
        inFlight.remove(message.id);
        timeoutCount++;
        freed = true;
        offer(message);
      }
      if (freed) {
        fill(client);
      }
    }
  }

  boolean hasTimers() {
    return !deferred.isEmpty() || inFlight.size() > 0;
  }

  // ---- administration (HTTP) ----

  void pause() {
    paused = true;
  }

  void unpause() {
    paused = false;
    for (int i = 0; i < clients.size(); i++) {
      fill(clients.get(i));
    }
  }

  /** Drops every message, ready, deferred and in flight, as nsqd's /channel/empty does. */
  void empty() {
    ready.clear();
    deferred.clear();
    inFlight.clear();
    for (ClientV2 client : clients) {
      client.clearInFlight();
    }
  }

  /** Drops everything and closes the subscribers' connections, as nsqd does. */
  void delete() {
    deleted = true;
    empty();
    for (ClientV2 client : List.copyOf(clients)) {
      client.close();
    }
  }
}
