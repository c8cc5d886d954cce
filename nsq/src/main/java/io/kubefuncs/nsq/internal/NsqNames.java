package io.kubefuncs.nsq.internal;

/**
 * Topic and channel name rules of nsqd. Checking them here turns what would be a fatal {@code
 * E_BAD_TOPIC} (and a dropped connection, taking every other in-flight command with it) into an
 * {@link IllegalArgumentException} at the call site.
 */
public final class NsqNames {
  /** nsqd's limit, {@code #ephemeral} suffix included. */
  public static final int MAX_LENGTH = 64;

  public static final String EPHEMERAL_SUFFIX = "#ephemeral";

  private NsqNames() {}

  /** Returns {@code topic} if nsqd accepts it as a topic name, or throws saying why not. */
  public static String checkTopic(String topic) {
    return check("topic", topic);
  }

  /** Returns {@code channel} if nsqd accepts it as a channel name, or throws saying why not. */
  public static String checkChannel(String channel) {
    return check("channel", channel);
  }

  public static boolean isEphemeral(String name) {
    return name.endsWith(EPHEMERAL_SUFFIX);
  }

  /**
   * {@code [.a-zA-Z0-9_-]+(#ephemeral)?}, checked by hand: publish checks the topic of every
   * message, and a regex matcher there was most of the producer's CPU and allocation.
   */
  private static boolean isValid(String name) {
    int end = isEphemeral(name) ? name.length() - EPHEMERAL_SUFFIX.length() : name.length();
    if (end == 0) {
      return false;
    }
    for (int i = 0; i < end; i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static String check(String kind, String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException(kind + " name is empty");
    }
    if (name.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          kind
              + " name '"
              + name
              + "' is "
              + name.length()
              + " characters, nsqd allows "
              + MAX_LENGTH);
    }
    if (!isValid(name)) {
      throw new IllegalArgumentException(
          kind
              + " name '"
              + name
              + "' is invalid: use only letters, digits, '.', '_' and '-',"
              + " optionally ending in #ephemeral");
    }
    return name;
  }
}
