package io.kubefuncs.devbroker;

import java.nio.charset.StandardCharsets;

/**
 * Go's formatting where nsqd's error texts depend on it. Command arguments are carried as
 * ISO-8859-1 strings, one char per byte, so that they go back to the client byte for byte.
 */
final class GoText {
  private GoText() {}

  /**
   * Go's {@code %q} of a string holding the given bytes: printable UTF-8 kept as is, the usual
   * backslash escapes, {@code \xNN} for control bytes and bytes that are not valid UTF-8. The
   * result is again one char per byte.
   */
  static String quote(String bytes) {
    byte[] raw = bytes.getBytes(StandardCharsets.ISO_8859_1);
    StringBuilder out = new StringBuilder(raw.length + 2).append('"');
    int i = 0;
    while (i < raw.length) {
      int b = raw[i] & 0xff;
      if (b < 0x80) {
        appendAscii(out, b);
        i++;
        continue;
      }
      int length = utf8Length(raw, i);
      if (length == 0) {
        appendHex(out, b);
        i++;
        continue;
      }
      int codePoint = new String(raw, i, length, StandardCharsets.UTF_8).codePointAt(0);
      if (isPrintable(codePoint)) {
        for (int k = i; k < i + length; k++) {
          out.append((char) (raw[k] & 0xff));
        }
      } else if (codePoint < 0x10000) {
        out.append(String.format("\\u%04x", codePoint));
      } else {
        out.append(String.format("\\U%08x", codePoint));
      }
      i += length;
    }
    return out.append('"').toString();
  }

  private static void appendAscii(StringBuilder out, int b) {
    switch (b) {
      case 0x07 -> out.append("\\a");
      case 0x08 -> out.append("\\b");
      case 0x0c -> out.append("\\f");
      case '\n' -> out.append("\\n");
      case '\r' -> out.append("\\r");
      case '\t' -> out.append("\\t");
      case 0x0b -> out.append("\\v");
      case '"' -> out.append("\\\"");
      case '\\' -> out.append("\\\\");
      default -> {
        if (b < 0x20 || b == 0x7f) {
          appendHex(out, b);
        } else {
          out.append((char) b);
        }
      }
    }
  }

  private static void appendHex(StringBuilder out, int b) {
    out.append("\\x")
        .append(Character.forDigit(b >> 4, 16))
        .append(Character.forDigit(b & 0xf, 16));
  }

  /** Length of the well-formed UTF-8 sequence starting at {@code i}, or 0 if there is none. */
  private static int utf8Length(byte[] raw, int i) {
    int b = raw[i] & 0xff;
    int length;
    int min;
    if (b >= 0xc2 && b <= 0xdf) {
      length = 2;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      min = 0x10000;
    } else {
      return 0;
    }
    if (i + length > raw.length) {
      return 0;
    }
    int codePoint = b & (0xff >> (length + 1));
    for (int k = 1; k < length; k++) {
      int next = raw[i + k] & 0xff;
      if ((next & 0xc0) != 0x80) {
        return 0;
      }
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    boolean surrogate = codePoint >= 0xd800 && codePoint <= 0xdfff;
    return codePoint < min || codePoint > 0x10ffff || surrogate ? 0 : length;
  }

  private static boolean isPrintable(int codePoint) {
    if (Character.isISOControl(codePoint) || !Character.isDefined(codePoint)) {
      return false;
    }
    int type = Character.getType(codePoint);
    return type != Character.FORMAT
        && type != Character.PRIVATE_USE
        && type != Character.SURROGATE
        && type != Character.LINE_SEPARATOR
        && type != Character.PARAGRAPH_SEPARATOR
        && (type != Character.SPACE_SEPARATOR || codePoint == ' ');
  }
}
