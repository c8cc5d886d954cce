package io.kubefuncs.nsq.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * The strict reading shared by the few JSON documents of NSQ (nsqd's IDENTIFY answer, nsqlookupd's
 * answers): jackson-core's streaming parser rather than databind, which loaded about 570 classes at
 * a function's start for these five small documents. A value of the wrong shape throws {@link
 * IOException} saying where.
 */
public final class JsonTokens {
  public static final JsonFactory FACTORY = new JsonFactory();

  private JsonTokens() {}

  public static String string(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    expect(p, value, JsonToken.VALUE_STRING);
    return p.getText();
  }

  public static long number(JsonParser p, JsonToken value) throws IOException {
    expect(p, value, JsonToken.VALUE_NUMBER_INT);
    return p.getLongValue();
  }

  public static boolean bool(JsonParser p, JsonToken value) throws IOException {
    if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
      expect(p, value, JsonToken.VALUE_TRUE);
    }
    return value == JsonToken.VALUE_TRUE;
  }

  public static void expect(JsonParser p, JsonToken actual, JsonToken expected) throws IOException {
    if (actual != expected) {
      throw new IOException(
          "expected "
              + expected
              + " at "
              + p.currentLocation().offsetDescription()
              + ", found "
              + (actual == null ? "the end" : actual.toString()));
    }
  }

  /** The object ended; nothing may follow it. */
  public static void end(JsonParser p) throws IOException {
    expect(p, p.currentToken(), JsonToken.END_OBJECT);
    JsonToken after = p.nextToken();
    if (after != null) {
      throw new IOException(
          "unexpected "
              + after
              + " after the object at "
              + p.currentLocation().offsetDescription());
    }
  }
}
