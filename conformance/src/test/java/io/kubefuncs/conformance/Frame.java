package io.kubefuncs.conformance;

import java.nio.charset.StandardCharsets;

/** One frame from nsqd: {@code [size int32][type int32][data]}, size counting type and data. */
record Frame(int type, byte[] data) {
  static final int RESPONSE = 0;
  static final int ERROR = 1;
  static final int MESSAGE = 2;

  String text() {
    return new String(data, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return switch (type) {
      case RESPONSE -> "RESPONSE \"" + text() + "\"";
      case ERROR -> "ERROR \"" + text() + "\"";
      case MESSAGE -> "MESSAGE " + MessageFrame.decode(data);
      default -> "frame of unknown type " + type + " (" + data.length + " bytes)";
    };
  }
}
