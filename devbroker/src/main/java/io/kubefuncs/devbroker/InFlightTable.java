package io.kubefuncs.devbroker;

import java.util.Arrays;

/**
 * A channel's in-flight messages by id: an open-addressing hash table on primitive keys, so that
 * the FIN of every message costs no boxing and no garbage.
 */
final class InFlightTable {
  private static final int MIN_CAPACITY = 16;

  private long[] ids = new long[MIN_CAPACITY];
  private Message[] messages = new Message[MIN_CAPACITY];
  private int size;

  int size() {
    return size;
  }

  Message get(long id) {
    int mask = ids.length - 1;
    for (int i = slot(id, mask); messages[i] != null; i = (i + 1) & mask) {
      if (ids[i] == id) {
        return messages[i];
      }
    }
    return null;
  }

  void put(Message message) {
    if ((size + 1) * 2 > ids.length) {
      resize(ids.length * 2);
    }
    insert(message);
    size++;
  }

  Message remove(long id) {
    int mask = ids.length - 1;
    int i = slot(id, mask);
    while (messages[i] != null && ids[i] != id) {
      i = (i + 1) & mask;
    }
    Message removed = messages[i];
    if (removed == null) {
      return null;
    }
    // Backward-shift deletion: pull later members of the probe run into the hole, so that no
    // tombstones ever accumulate.
    int hole = i;
    for (int j = (i + 1) & mask; messages[j] != null; j = (j + 1) & mask) {
      int home = slot(ids[j], mask);
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        ids[hole] = ids[j];
        messages[hole] = messages[j];
        hole = j;
      }
    }
    messages[hole] = null;
    size--;
    return removed;
  }

  void clear() {
    if (ids.length > MIN_CAPACITY) {
      ids = new long[MIN_CAPACITY];
      messages = new Message[MIN_CAPACITY];
    } else {
      Arrays.fill(messages, null);
    }
    size = 0;
  }

  private void insert(Message message) {
    int mask = ids.length - 1;
    int i = slot(message.id, mask);
    while (messages[i] != null) {
      i = (i + 1) & mask;
    }
    ids[i] = message.id;
    messages[i] = message;
  }

  private void resize(int capacity) {
    Message[] old = messages;
    ids = new long[capacity];
    messages = new Message[capacity];
    for (Message message : old) {
      if (message != null) {
        insert(message);
      }
    }
  }

  private static int slot(long id, int mask) {
    long h = id * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }
}
