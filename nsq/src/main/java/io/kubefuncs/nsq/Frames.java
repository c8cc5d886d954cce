package io.kubefuncs.nsq;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** The frame layout of the NSQ TCP protocol V2: {@code size:int32 type:int32 data}. */
final class Frames {
  static final int TYPE_RESPONSE = 0;
  static final int TYPE_ERROR = 1;
  static final int TYPE_MESSAGE = 2;

  /** timestamp:int64 attempts:uint16 id:16 bytes, then the body. */
  static final int MESSAGE_HEADER_SIZE = 8 + 2 + 16;

  static final int MESSAGE_ID_SIZE = 16;

  static final String HEARTBEAT = "_heartbeat_";
  static final String OK = "OK";

  private Frames() {}

  /**
   * Errors nsqd reports without closing the connection, and that answer no pending command (FIN,
   * REQ and TOUCH have no success response); every other error is fatal.
   */
  static boolean isNonFatal(String code) {
    return code.equals("E_FIN_FAILED")
        || code.equals("E_REQ_FAILED")
        || code.equals("E_TOUCH_FAILED");
  }

  static boolean contentEquals(ByteBuf data, String ascii) {
    int n = ascii.length();
    if (data.readableBytes() != n) {
      return false;
    }
    int base = data.readerIndex();
    for (int i = 0; i < n; i++) {
      if (data.getByte(base + i) != ascii.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  static String text(ByteBuf data) {
    return data.toString(StandardCharsets.UTF_8);
  }
}
