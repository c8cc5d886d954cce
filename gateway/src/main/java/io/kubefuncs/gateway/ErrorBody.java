package io.kubefuncs.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The gateway's own error answers, one stable JSON shape for all: {@code
 * {"status":504,"error":"timeout","message":"..."}}.
 *
 * <p>Written with jackson-core's generator, not databind's {@code ObjectMapper}: the refusal bodies
 * are made when the gateway starts, and an {@code ObjectMapper}'s set-up took 45 ms of the start's
 * main thread (bench/README.md, "The first request").
 */
final class ErrorBody {
  private static final JsonFactory JSON = new JsonFactory();

  private ErrorBody() {}

  static byte[] of(int status, String error, String message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("status", status);
      g.writeStringField("error", error);
      g.writeStringField("message", message);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing JSON to memory", e);
    }
    return out.toByteArray();
  }
}
