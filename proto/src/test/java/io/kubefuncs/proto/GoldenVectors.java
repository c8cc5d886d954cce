package io.kubefuncs.proto;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageLite;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The golden wire-format vectors of {@code proto/testdata/}: their definitions, and the two
 * independent translations between an {@link Event} and its language-neutral description in {@code
 * vectors.json}.
 *
 * <ul>
 *   <li>{@link #describe(Event)} goes from a decoded message to the description, generically
 *       through the descriptors, so every field of every message is described (a field added to the
 *       proto shows up in the description without touching this class).
 *   <li>{@link #buildEvent(JsonNode)} goes from the description to a message through the generated
 *       builders, field by field, as a client in another language does; it rejects keys it does not
 *       know so that the two directions cannot drift apart silently.
 * </ul>
 *
 * <p>Everything is encoded deterministically (map entries sorted by key), including the bytes
 * inside {@code Any.value}: {@code Any.pack} would use the plain, insertion-ordered encoding.
 */
final class GoldenVectors {

  static final String MANIFEST = "vectors.json";
  static final String FORMAT = "kubefuncs-golden-vectors/1";

  /** One vector: a name (also the file's base name), what it exercises, and the event itself. */
  record Vector(String name, String description, Event event) {
    String file() {
      return name + ".bin";
    }
  }

  /** Same id in the request and in the responses to it, as the design requires. */
  private static final String REQUEST_ID = "6f1c2a9e-3b7d-4e21-9a5c-0d8e7f6a5b41";

  private static final String RETURN_TOPIC = "rpc-gateway-7d9f4c#ephemeral";

  /** Payload classes by type URL; the only payloads the vectors use. */
  private static final Map<String, Message> PAYLOAD_TYPES =
      Map.of(
          TypeUrls.HTTP_REQUEST, HTTPRequest.getDefaultInstance(),
          TypeUrls.HTTP_RESPONSE, HTTPResponse.getDefaultInstance(),
          TypeUrls.EMPTY, Empty.getDefaultInstance(),
          TypeUrls.ERROR, Error.getDefaultInstance());

  private GoldenVectors() {}

  /**
   * The vectors. Map entries are deliberately put in non-sorted order: the bytes must not depend on
   * insertion order, only on deterministic serialization.
   */
  static List<Vector> all() {
    List<Vector> vectors = new ArrayList<>();
    vectors.add(
        new Vector(
            "http_request_with_return",
            "Gateway call: POST with a query string, several headers, a binary body containing 0x00"
                + " and 0xFF, a remote address and a return topic.",
            Event.newBuilder()
                .setId(REQUEST_ID)
                .setTopic("orders")
                .setReturn(RETURN_TOPIC)
                .setPayload(
                    pack(
                        HTTPRequest.newBuilder()
                            .setMethod("POST")
                            .setUrl("/orders/42/items?expand=true&sort=-created&q=a%20b")
                            .putHeaders("X-Request-Id", "req-0001")
                            .putHeaders("Content-Type", "application/octet-stream")
                            .putHeaders("User-Agent", "curl/8.5.0")
                            .putHeaders("Accept", "application/json, text/plain;q=0.5")
                            .setBody(
                                bytes(
                                    0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF, 0x00, 'k', 'f', 0x0A, 0x0D,
                                    0xFF))
                            .setRemoteAddr("10.244.1.17:53412")
                            .build()))
                .build()));
    vectors.add(
        new Vector(
            "http_response_created",
            "Function's answer to http_request_with_return: same id, published on the return topic,"
                + " status 201 with headers and a JSON body.",
            Event.newBuilder()
                .setId(REQUEST_ID)
                .setTopic(RETURN_TOPIC)
                .setPayload(
                    pack(
                        HTTPResponse.newBuilder()
                            .setStatus(201)
                            .putHeaders("Location", "/orders/42/items/7")
                            .putHeaders("Content-Type", "application/json")
                            .putHeaders("Cache-Control", "no-store")
                            .setBody(utf8("{\"id\":7,\"status\":\"created\"}"))
                            .build()))
                .build()));
    vectors.add(
        new Vector(
            "http_response_status_zero",
            "Response with status 0 (meaning 200): the status field is absent on the wire.",
            Event.newBuilder()
                .setId("0b6a9d52-8f0e-4c6b-b1d4-5e7f3a2c9d10")
                .setTopic(RETURN_TOPIC)
                .setPayload(
                    pack(
                        HTTPResponse.newBuilder()
                            .putHeaders("Content-Type", "text/plain; charset=utf-8")
                            .setBody(utf8("ok\n"))
                            .build()))
                .build()));
    vectors.add(
        new Vector(
            "error_response",
            "A failed handler's answer: an Event (not a bare Error) with the request's id, on the"
                + " return topic, carrying Error.",
            Event.newBuilder()
                .setId(REQUEST_ID)
                .setTopic(RETURN_TOPIC)
                .setPayload(
                    pack(Error.newBuilder().setError("handler failed: division by zero").build()))
                .build()));
    vectors.add(
        new Vector(
            "empty_fire_and_forget",
            "Fire-and-forget event (no return topic) whose payload is Empty: Any.value is zero"
                + " bytes, so only the type URL is on the wire.",
            Event.newBuilder()
                .setId("c3d2e1f0-a9b8-4c7d-8e6f-5a4b3c2d1e0f")
                .setTopic("audit-log")
                .setPayload(pack(Empty.getDefaultInstance()))
                .build()));
    vectors.add(
        new Vector(
            "with_metadata",
            "Event with the metadata map (field 5, absent in the original format): trace context,"
                + " attempt and deadline. The metadata keys here are illustrative.",
            Event.newBuilder()
                .setId("9a7b5c3d-1e2f-4a6b-8c0d-2e4f6a8b0c1d")
                .setTopic("thumbnails")
                .setReturn(RETURN_TOPIC)
                .putMetadata("tracestate", "rojo=00f067aa0ba902b7")
                .putMetadata(
                    "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
                .putMetadata("kubefuncs-deadline", "2025-01-01T12:00:30Z")
                .putMetadata("kubefuncs-attempt", "2")
                .setPayload(
                    pack(
                        HTTPRequest.newBuilder()
                            .setMethod("GET")
                            .setUrl("/thumbnails/cat.png?w=128&h=128")
                            .putHeaders("Accept", "image/png")
                            .setRemoteAddr("10.244.3.9:41000")
                            .build()))
                .build()));
    vectors.add(
        new Vector(
            "unicode",
            "Non-ASCII text in the url, header values, metadata value and body (UTF-8), including"
                + " characters outside the Basic Multilingual Plane.",
            Event.newBuilder()
                .setId("5e8d7c6b-4a39-4281-9f0e-d1c2b3a49586")
                .setTopic("greet")
                .setReturn(RETURN_TOPIC)
                .putMetadata("note", "ünïcödé ✓")
                .setPayload(
                    pack(
                        HTTPRequest.newBuilder()
                            .setMethod("PUT")
                            .setUrl("/grüße/東京?name=José&emoji=😀")
                            .putHeaders("X-Greeting", "Grüße aus Zürich")
                            .putHeaders("X-City", "東京")
                            .putHeaders("X-Emoji", "😀 🚀")
                            .putHeaders("Content-Type", "text/plain; charset=utf-8")
                            .putHeaders("Accept-Language", "de-CH, fr;q=0.8")
                            .setBody(utf8("¡Hola, señor! Привет, мир! 你好"))
                            .setRemoteAddr("10.244.2.5:33333")
                            .build()))
                .build()));
    vectors.add(
        new Vector(
            "empty_body",
            "DELETE request with headers and an empty body: the body field is absent on the wire;"
                + " IPv6 remote address.",
            Event.newBuilder()
                .setId("1d2c3b4a-5f6e-4d7c-8b9a-0f1e2d3c4b5a")
                .setTopic("orders")
                .setReturn(RETURN_TOPIC)
                .setPayload(
                    pack(
                        HTTPRequest.newBuilder()
                            .setMethod("DELETE")
                            .setUrl("/orders/42")
                            .putHeaders("X-Request-Id", "req-0002")
                            .putHeaders("Authorization", "Bearer abc.def.ghi")
                            .setRemoteAddr("[2001:db8::1]:40000")
                            .build()))
                .build()));
    vectors.add(
        new Vector(
            "large_body",
            "Response with a 70000-byte body (byte i = (31*i + 7) mod 256): the lengths of the"
                + " body, of Any.value and of Event.payload are 3-byte varints.",
            Event.newBuilder()
                .setId("7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918")
                .setTopic(RETURN_TOPIC)
                .setPayload(
                    pack(
                        HTTPResponse.newBuilder()
                            .setStatus(200)
                            .putHeaders("Content-Type", "application/octet-stream")
                            .putHeaders("Content-Length", "70000")
                            .setBody(largeBody(70_000))
                            .build()))
                .build()));
    return vectors;
  }

  static ByteString largeBody(int size) {
    byte[] body = new byte[size];
    for (int i = 0; i < size; i++) {
      body[i] = (byte) (31 * i + 7);
    }
    return ByteString.copyFrom(body);
  }

  // ---------------------------------------------------------------- encoding

  /** The deterministic encoding: map entries sorted by key (Go: MarshalOptions{Deterministic}). */
  static byte[] encode(MessageLite message) {
    byte[] out = new byte[message.getSerializedSize()];
    CodedOutputStream stream = CodedOutputStream.newInstance(out);
    stream.useDeterministicSerialization();
    try {
      message.writeTo(stream);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    stream.checkNoSpaceLeft();
    return out;
  }

  /** Like {@code Any.pack}, but with the packed message encoded deterministically. */
  static Any pack(Message message) {
    return Any.newBuilder()
        .setTypeUrl("type.googleapis.com/" + message.getDescriptorForType().getFullName())
        .setValue(ByteString.copyFrom(encode(message)))
        .build();
  }

  static ByteString utf8(String text) {
    return ByteString.copyFromUtf8(text);
  }

  static ByteString bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return ByteString.copyFrom(out);
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- message -> description

  /** The language-neutral description of an event, generically from its descriptor. */
  static ObjectNode describe(Event event) throws InvalidProtocolBufferException {
    return describeFields(event);
  }

  private static ObjectNode describeFields(Message message) throws InvalidProtocolBufferException {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      String name = field.getName();
      if (field.isMapField()) {
        out.set(name, describeMap(message, field));
      } else if (field.isRepeated()) {
        throw new UnsupportedOperationException("repeated field " + field.getFullName());
      } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (field.getMessageType() != Any.getDescriptor()) {
          throw new UnsupportedOperationException("message field " + field.getFullName());
        }
        out.set(name, message.hasField(field) ? describeAny((Any) message.getField(field)) : null);
      } else {
        Object value = message.getField(field);
        switch (field.getType()) {
          case STRING -> out.put(name, (String) value);
          case INT32 -> out.put(name, (Integer) value);
          case BYTES -> out.put(name, base64((ByteString) value));
          default ->
              throw new UnsupportedOperationException(
                  field.getType() + " field " + field.getFullName() + ": describe it here");
        }
      }
    }
    return out;
  }

  private static ObjectNode describeMap(Message message, FieldDescriptor field) {
    Descriptor entry = field.getMessageType();
    FieldDescriptor key = entry.findFieldByName("key");
    FieldDescriptor value = entry.findFieldByName("value");
    if (key.getType() != FieldDescriptor.Type.STRING
        || value.getType() != FieldDescriptor.Type.STRING) {
      throw new UnsupportedOperationException("non-string map " + field.getFullName());
    }
    Map<String, String> sorted = new TreeMap<>();
    for (Object item : (List<?>) message.getField(field)) {
      Message pair = (Message) item;
      sorted.put((String) pair.getField(key), (String) pair.getField(value));
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    sorted.forEach(out::put);
    return out;
  }

  private static ObjectNode describeAny(Any any) throws InvalidProtocolBufferException {
    Message type = PAYLOAD_TYPES.get(any.getTypeUrl());
    if (type == null) {
      throw new IllegalArgumentException("unexpected payload type " + any.getTypeUrl());
    }
    Message payload = type.getParserForType().parseFrom(any.getValue());
    if (!payload.getUnknownFields().asMap().isEmpty()) {
      throw new IllegalArgumentException("payload has unknown fields: " + payload);
    }
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("type_url", any.getTypeUrl());
    out.set("fields", describeFields(payload));
    return out;
  }

  private static String base64(ByteString bytes) {
    return Base64.getEncoder().encodeToString(bytes.toByteArray());
  }

  // ---------------------------------------------------------------- description -> message

  /** Builds the event a description describes, through the generated builders. */
  static Event buildEvent(JsonNode event) {
    onlyKeys(event, "id", "topic", "return", "metadata", "payload");
    Event.Builder builder =
        Event.newBuilder()
            .setId(text(event, "id"))
            .setTopic(text(event, "topic"))
            .setReturn(text(event, "return"))
            .putAllMetadata(stringMap(event, "metadata"));
    JsonNode payload = event.get("payload");
    if (!payload.isNull()) {
      onlyKeys(payload, "type_url", "fields");
      String typeUrl = text(payload, "type_url");
      Message message = buildPayload(typeUrl, payload.get("fields"));
      Any any = pack(message);
      if (!any.getTypeUrl().equals(typeUrl)) {
        throw new IllegalArgumentException(typeUrl + " built as " + any.getTypeUrl());
      }
      builder.setPayload(any);
    }
    return builder.build();
  }

  private static Message buildPayload(String typeUrl, JsonNode fields) {
    switch (typeUrl) {
      case TypeUrls.HTTP_REQUEST -> {
        onlyKeys(fields, "url", "headers", "body", "method", "remote_addr");
        return HTTPRequest.newBuilder()
            .setUrl(text(fields, "url"))
            .putAllHeaders(stringMap(fields, "headers"))
            .setBody(base64(fields, "body"))
            .setMethod(text(fields, "method"))
            .setRemoteAddr(text(fields, "remote_addr"))
            .build();
      }
      case TypeUrls.HTTP_RESPONSE -> {
        onlyKeys(fields, "status", "headers", "body");
        JsonNode status = required(fields, "status");
        if (!status.canConvertToInt() || !status.isIntegralNumber()) {
          throw new IllegalArgumentException("status is not an int32: " + status);
        }
        return HTTPResponse.newBuilder()
            .setStatus(status.intValue())
            .putAllHeaders(stringMap(fields, "headers"))
            .setBody(base64(fields, "body"))
            .build();
      }
      case TypeUrls.EMPTY -> {
        onlyKeys(fields);
        return Empty.getDefaultInstance();
      }
      case TypeUrls.ERROR -> {
        onlyKeys(fields, "error");
        return Error.newBuilder().setError(text(fields, "error")).build();
      }
      default -> throw new IllegalArgumentException("unexpected payload type " + typeUrl);
    }
  }

  private static void onlyKeys(JsonNode node, String... keys) {
    if (!node.isObject()) {
      throw new IllegalArgumentException("not an object: " + node);
    }
    Set<String> expected = Set.of(keys);
    for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!expected.contains(name)) {
        throw new IllegalArgumentException("unexpected key " + name + " in " + node);
      }
    }
    for (String key : keys) {
      required(node, key);
    }
  }

  private static JsonNode required(JsonNode node, String key) {
    JsonNode value = node.get(key);
    if (value == null) {
      throw new IllegalArgumentException("missing key " + key + " in " + node);
    }
    return value;
  }

  private static String text(JsonNode node, String key) {
    JsonNode value = required(node, key);
    if (!value.isTextual()) {
      throw new IllegalArgumentException(key + " is not a string: " + value);
    }
    return value.textValue();
  }

  private static ByteString base64(JsonNode node, String key) {
    return ByteString.copyFrom(Base64.getDecoder().decode(text(node, key)));
  }

  private static Map<String, String> stringMap(JsonNode node, String key) {
    JsonNode value = required(node, key);
    if (!value.isObject()) {
      throw new IllegalArgumentException(key + " is not an object: " + value);
    }
    Map<String, String> out = new LinkedHashMap<>();
    value.properties().forEach(entry -> out.put(entry.getKey(), text(value, entry.getKey())));
    return out;
  }

  // ---------------------------------------------------------------- files

  static final ObjectMapper JSON = new ObjectMapper();

  /** The manifest and the files, in memory, exactly as {@link GoldenVectorsWriter} writes them. */
  record Generated(byte[] manifest, Map<String, byte[]> files) {}

  static Generated generate() throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("proto", "proto/src/main/proto/kubefuncs/kubefuncs.proto");
    root.put(
        "encoding",
        "Each file is one Event, encoded with deterministic serialization (map entries sorted by"
            + " key); the message inside payload (Any.value) is encoded the same way.");
    root.put(
        "conventions",
        "Proto field names. Every field is listed, defaults included: an empty string or map, 0,"
            + " or empty bytes means the field is absent on the wire. bytes fields are base64"
            + " (RFC 4648 section 4, standard alphabet, padded). payload is null when absent, else"
            + " its type_url and the fields of the message it holds.");
    ArrayNode list = root.putArray("vectors");
    Map<String, byte[]> files = new TreeMap<>();
    for (Vector vector : all()) {
      byte[] bytes = encode(vector.event());
      files.put(vector.file(), bytes);
      ObjectNode entry = list.addObject();
      entry.put("name", vector.name());
      entry.put("file", vector.file());
      entry.put("description", vector.description());
      entry.put("size", bytes.length);
      entry.put("sha256", sha256(bytes));
      entry.set("event", describe(Event.parseFrom(bytes)));
    }
    DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
    DefaultPrettyPrinter printer =
        new DefaultPrettyPrinter()
            .withObjectIndenter(indenter)
            .withArrayIndenter(indenter)
            .withSeparators(
                Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEmptySeparator("")
                    .withArrayEmptySeparator(""));
    String text = JSON.writer(printer).writeValueAsString(root) + "\n";
    return new Generated(text.getBytes(StandardCharsets.UTF_8), files);
  }

  /** {@code proto/testdata}, from the module directory (Maven) or from the repository root. */
  static Path testdataDir() {
    String configured = System.getProperty("kubefuncs.testdata");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured);
    }
    if (Files.isDirectory(Path.of("src", "main", "proto", "kubefuncs"))) {
      return Path.of("testdata");
    }
    if (Files.isDirectory(Path.of("proto", "src", "main", "proto", "kubefuncs"))) {
      return Path.of("proto", "testdata");
    }
    throw new IllegalStateException(
        "run from the proto module or the repository root, or set -Dkubefuncs.testdata=<dir>");
  }
}
