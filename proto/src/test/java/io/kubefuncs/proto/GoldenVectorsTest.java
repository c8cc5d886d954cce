package io.kubefuncs.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks the committed golden vectors in {@code proto/testdata} (the truth), never writes them. The
 * Go client mirrors {@link #decodesToTheManifest} and {@link #buildsFromTheManifest}.
 */
class GoldenVectorsTest {

  private static final Path DIR = GoldenVectors.testdataDir();

  private static final Set<String> REQUIRED =
      Set.of(
          "http_request_with_return",
          "http_response_created",
          "http_response_status_zero",
          "error_response",
          "empty_fire_and_forget",
          "with_metadata",
          "unicode",
          "empty_body",
          "large_body");

  static JsonNode manifest() {
    try {
      return GoldenVectors.JSON.readTree(DIR.resolve(GoldenVectors.MANIFEST).toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Stream<Arguments> vectors() {
    List<Arguments> out = new ArrayList<>();
    manifest().get("vectors").forEach(v -> out.add(Arguments.of(v.get("name").textValue(), v)));
    return out.stream();
  }

  private static byte[] read(JsonNode vector) throws IOException {
    return Files.readAllBytes(DIR.resolve(vector.get("file").textValue()));
  }

  @Test
  void manifestListsEveryFileOnce() throws IOException {
    JsonNode manifest = manifest();
    assertThat(manifest.get("format").textValue()).isEqualTo(GoldenVectors.FORMAT);
    Set<String> names = new HashSet<>();
    Set<String> files = new TreeSet<>();
    for (JsonNode vector : manifest.get("vectors")) {
      String name = vector.get("name").textValue();
      assertThat(names.add(name)).as("duplicate vector %s", name).isTrue();
      assertThat(vector.get("file").textValue()).isEqualTo(name + ".bin");
      files.add(name + ".bin");
    }
    assertThat(names).containsAll(REQUIRED);
    Set<String> onDisk = new TreeSet<>();
    try (DirectoryStream<Path> bins = Files.newDirectoryStream(DIR, "*.bin")) {
      bins.forEach(p -> onDisk.add(p.getFileName().toString()));
    }
    assertThat(onDisk).isEqualTo(files);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void decodesToTheManifest(String name, JsonNode vector) throws Exception {
    byte[] bytes = read(vector);
    assertThat(bytes.length).isEqualTo(vector.get("size").intValue());
    assertThat(GoldenVectors.sha256(bytes)).isEqualTo(vector.get("sha256").textValue());

    Event event = Event.parseFrom(bytes);
    assertThat(event.getUnknownFields().asMap()).isEmpty();
    // Every field of the event and of its payload, defaults included.
    assertThat(GoldenVectors.describe(event)).isEqualTo(vector.get("event"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void reencodesToTheSameBytes(String name, JsonNode vector) throws Exception {
    byte[] bytes = read(vector);
    Event event = Event.parseFrom(bytes);
    assertThat(GoldenVectors.encode(event)).isEqualTo(bytes);
    // The payload too: re-encoding the unpacked message gives back Any.value exactly.
    Message payload = unpack(event.getPayload());
    assertThat(GoldenVectors.encode(payload))
        .isEqualTo(event.getPayload().getValue().toByteArray());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void buildsFromTheManifest(String name, JsonNode vector) throws Exception {
    Event built = GoldenVectors.buildEvent(vector.get("event"));
    assertThat(GoldenVectors.encode(built)).isEqualTo(read(vector));
  }

  @Test
  void definitionsMatchTheCommittedFiles() throws Exception {
    // Fails when GoldenVectors.all() was changed without regenerating (see testdata/README.md).
    GoldenVectors.Generated generated = GoldenVectors.generate();
    assertThat(
            new String(
                Files.readAllBytes(DIR.resolve(GoldenVectors.MANIFEST)), StandardCharsets.UTF_8))
        .isEqualTo(new String(generated.manifest(), StandardCharsets.UTF_8));
    for (Map.Entry<String, byte[]> file : generated.files().entrySet()) {
      assertThat(Files.readAllBytes(DIR.resolve(file.getKey())))
          .as(file.getKey())
          .isEqualTo(file.getValue());
    }
  }

  @Test
  void mapKeysSortTheSameInJavaAndGo() {
    // Java sorts map keys as UTF-16 code units, Go as UTF-8 bytes: the orders differ only for
    // keys mixing U+E000..U+FFFF with supplementary characters. Keep the vectors out of that case.
    Comparator<String> utf8 =
        (a, b) ->
            Arrays.compareUnsigned(
                a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    List<JsonNode> maps = new ArrayList<>();
    for (JsonNode vector : manifest().get("vectors")) {
      JsonNode event = vector.get("event");
      maps.add(event.get("metadata"));
      JsonNode fields = event.get("payload").get("fields");
      if (fields.has("headers")) {
        maps.add(fields.get("headers"));
      }
    }
    assertThat(maps).isNotEmpty();
    for (JsonNode map : maps) {
      List<String> keys = new ArrayList<>();
      map.fieldNames().forEachRemaining(keys::add);
      List<String> javaOrder = keys.stream().sorted().toList();
      List<String> goOrder = keys.stream().sorted(utf8).toList();
      assertThat(javaOrder).isEqualTo(goOrder);
    }
  }

  @Test
  void wireFactsTheVectorsAreMeantToShow() throws Exception {
    // large_body: body, Any.value and Event.payload lengths are 3-byte varints.
    Event large = event("large_body");
    HTTPResponse response = large.getPayload().unpack(HTTPResponse.class);
    assertThat(response.getBody().size()).isEqualTo(70_000);
    assertThat(CodedOutputStream.computeUInt32SizeNoTag(response.getBody().size())).isEqualTo(3);
    assertThat(CodedOutputStream.computeUInt32SizeNoTag(large.getPayload().getValue().size()))
        .isEqualTo(3);
    assertThat(CodedOutputStream.computeUInt32SizeNoTag(large.getPayload().getSerializedSize()))
        .isEqualTo(3);
    assertThat(response.getBody()).isEqualTo(GoldenVectors.largeBody(70_000));

    // http_request_with_return: binary body with 0x00 and 0xFF.
    ByteString body =
        event("http_request_with_return").getPayload().unpack(HTTPRequest.class).getBody();
    assertThat(body.toByteArray()).contains((byte) 0x00, (byte) 0xFF);

    // status 0 is absent: the response starts with field 2 (headers), not field 1 (status).
    ByteString zero = event("http_response_status_zero").getPayload().getValue();
    assertThat(zero.byteAt(0)).isEqualTo((byte) 0x12);

    // Empty: Any.value has no bytes; no return topic.
    Event empty = event("empty_fire_and_forget");
    assertThat(empty.getPayload().getTypeUrl()).isEqualTo(TypeUrls.EMPTY);
    assertThat(empty.getPayload().getValue().isEmpty()).isTrue();
    assertThat(empty.getReturn()).isEmpty();

    // empty_body: the body field (tag 0x1A) does not occur at top level of the request.
    HTTPRequest noBody = event("empty_body").getPayload().unpack(HTTPRequest.class);
    assertThat(noBody.getBody().isEmpty()).isTrue();
    assertThat(GoldenVectors.encode(noBody))
        .isEqualTo(GoldenVectors.encode(noBody.toBuilder().clearBody().build()));

    // Responses carry the request's id.
    String requestId = event("http_request_with_return").getId();
    assertThat(event("http_response_created").getId()).isEqualTo(requestId);
    assertThat(event("error_response").getId()).isEqualTo(requestId);
    assertThat(event("error_response").getPayload().getTypeUrl()).isEqualTo(TypeUrls.ERROR);
  }

  private static Event event(String name) throws IOException {
    return Event.parseFrom(Files.readAllBytes(DIR.resolve(name + ".bin")));
  }

  private static Message unpack(Any any) throws IOException {
    return switch (any.getTypeUrl()) {
      case TypeUrls.HTTP_REQUEST -> any.unpack(HTTPRequest.class);
      case TypeUrls.HTTP_RESPONSE -> any.unpack(HTTPResponse.class);
      case TypeUrls.EMPTY -> any.unpack(Empty.class);
      case TypeUrls.ERROR -> any.unpack(Error.class);
      default -> throw new AssertionError("unexpected payload " + any.getTypeUrl());
    };
  }
}
