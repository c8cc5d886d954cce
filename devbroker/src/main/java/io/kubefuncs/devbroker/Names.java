package io.kubefuncs.devbroker;

import io.netty.buffer.ByteBuf;

/**
 * nsqd's rule for topic and channel names: 1 to 64 bytes of {@code [.a-zA-Z0-9_-]}, optionally
 * ending in {@code #ephemeral}.
 */
final class Names {
  static final String EPHEMERAL = "#ephemeral";
  private static final int MAX_LENGTH = 64;

  private Names() {}

  static boolean isValid(String name) {
    int length = name.length();
    if (length < 1 || length > MAX_LENGTH) {
      return false;
    }
    int end = name.endsWith(EPHEMERAL) ? length - EPHEMERAL.length() : length;
    if (end == 0) {
      return false;
    }
    for (int i = 0; i < end; i++) {
      if (!isNameChar(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** The same rule on the raw bytes of a command, without making a string first. */
  static boolean isValid(ByteBuf in, int from, int to) {
    int length = to - from;
    if (length < 1 || length > MAX_LENGTH) {
      return false;
    }
    int end = endsWithEphemeral(in, from, to) ? to - EPHEMERAL.length() : to;
    if (end == from) {
      return false;
    }
    for (int i = from; i < end; i++) {
      if (!isNameChar((char) (in.getByte(i) & 0xff))) {
        return false;
      }
    }
    return true;
  }

  static boolean isEphemeral(String name) {
    return name.endsWith(EPHEMERAL);
  }

  private static boolean endsWithEphemeral(ByteBuf in, int from, int to) {
    int start = to - EPHEMERAL.length();
    if (start < from) {
      return false;
    }
    for (int i = 0; i < EPHEMERAL.length(); i++) {
      if (in.getByte(start + i) != EPHEMERAL.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isNameChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '.'
        || c == '_'
        || c == '-';
  }
}
