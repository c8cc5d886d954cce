package io.kubefuncs.proto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Round trips, Any packing and compatibility rules of the wire format. */
class MessagesTest {

  static Stream<Message> messages() {
    HTTPRequest request =
        HTTPRequest.newBuilder()
            .setUrl("/a?b=c")
            .putHeaders("Content-Type", "text/plain")
            .putHeaders("X-Ünïcode", "✓ 😀")
            .setBody(GoldenVectors.bytes(0x00, 0xFF, 0x80))
            .setMethod("PATCH")
            .setRemoteAddr("127.0.0.1:1234")
            .build();
    HTTPResponse response =
        HTTPResponse.newBuilder()
            .setStatus(503)
            .putHeaders("Retry-After", "5")
            .setBody(ByteString.copyFromUtf8("busy"))
            .build();
    return Stream.of(
        request,
        HTTPRequest.getDefaultInstance(),
        response,
        HTTPResponse.newBuilder().setStatus(-1).build(),
        Empty.getDefaultInstance(),
        Error.newBuilder().setError("boom").build(),
        Error.getDefaultInstance(),
        Event.newBuilder()
            .setId("id-1")
            .setTopic("t")
            .setReturn("rpc-x#ephemeral")
            .putMetadata("traceparent", "00-01-02-01")
            .setPayload(Any.pack(request))
            .build(),
        Event.getDefaultInstance());
  }

  @ParameterizedTest
  @MethodSource("messages")
  void roundTrips(Message message) throws InvalidProtocolBufferException {
    Message parsed = message.getParserForType().parseFrom(message.toByteArray());
    assertThat(parsed).isEqualTo(message);
    Message parsedDeterministic =
        message.getParserForType().parseFrom(GoldenVectors.encode(message));
    assertThat(parsedDeterministic).isEqualTo(message);
    assertThat(GoldenVectors.encode(parsedDeterministic)).isEqualTo(GoldenVectors.encode(message));
  }

  @Test
  void anyPackUsesTheKubefuncsTypeUrls() throws InvalidProtocolBufferException {
    assertThat(TypeUrls.PREFIX).isEqualTo("type.googleapis.com/kubefuncs.");
    assertThat(Any.pack(HTTPRequest.getDefaultInstance()).getTypeUrl())
        .isEqualTo(TypeUrls.HTTP_REQUEST)
        .isEqualTo("type.googleapis.com/kubefuncs.HTTPRequest");
    assertThat(Any.pack(HTTPResponse.getDefaultInstance()).getTypeUrl())
        .isEqualTo(TypeUrls.HTTP_RESPONSE)
        .isEqualTo("type.googleapis.com/kubefuncs.HTTPResponse");
    assertThat(Any.pack(Empty.getDefaultInstance()).getTypeUrl())
        .isEqualTo(TypeUrls.EMPTY)
        .isEqualTo("type.googleapis.com/kubefuncs.Empty");
    assertThat(Any.pack(Error.getDefaultInstance()).getTypeUrl())
        .isEqualTo(TypeUrls.ERROR)
        .isEqualTo("type.googleapis.com/kubefuncs.Error");
    for (Descriptor type : KubefuncsProto.getDescriptor().getMessageTypes()) {
      assertThat(TypeUrls.PREFIX + type.getName())
          .isEqualTo("type.googleapis.com/" + type.getFullName());
    }
  }

  @Test
  void anyUnpacksOnlyToItsOwnType() throws InvalidProtocolBufferException {
    HTTPResponse response = HTTPResponse.newBuilder().setStatus(404).build();
    Any any = Any.pack(response);
    assertThat(any.is(HTTPResponse.class)).isTrue();
    assertThat(any.is(HTTPRequest.class)).isFalse();
    assertThat(any.unpack(HTTPResponse.class)).isEqualTo(response);
    assertThatThrownBy(() -> any.unpack(Error.class))
        .isInstanceOf(InvalidProtocolBufferException.class);

    // The deterministic pack of the vectors has the same URL and decodes to the same message.
    Any deterministic = GoldenVectors.pack(response);
    assertThat(deterministic.getTypeUrl()).isEqualTo(any.getTypeUrl());
    assertThat(deterministic.unpack(HTTPResponse.class)).isEqualTo(response);

    // An application's own message type survives inside an Event as an opaque Any.
    Any foreign =
        Any.newBuilder()
            .setTypeUrl("type.googleapis.com/shop.Order")
            .setValue(ByteString.copyFromUtf8("\n\u0003abc"))
            .build();
    Event event = Event.newBuilder().setId("x").setPayload(foreign).build();
    assertThat(Event.parseFrom(event.toByteArray()).getPayload()).isEqualTo(foreign);
  }

  @Test
  void deterministicEncodingIgnoresInsertionOrder() {
    HTTPRequest forward =
        HTTPRequest.newBuilder()
            .putHeaders("A", "1")
            .putHeaders("B", "2")
            .putHeaders("C", "3")
            .build();
    HTTPRequest backward =
        HTTPRequest.newBuilder()
            .putHeaders("C", "3")
            .putHeaders("B", "2")
            .putHeaders("A", "1")
            .build();
    assertThat(GoldenVectors.encode(backward)).isEqualTo(GoldenVectors.encode(forward));
    String wire = new String(GoldenVectors.encode(backward), StandardCharsets.ISO_8859_1);
    assertThat(wire.indexOf('A')).isLessThan(wire.indexOf('B'));
    assertThat(wire.indexOf('B')).isLessThan(wire.indexOf('C'));
  }

  @Test
  void javaSortsMapKeysByUtf16CodeUnits() {
    // Documented caveat (testdata/README.md): U+FB01 sorts after U+1F600 in UTF-16 (Java) but
    // before it in UTF-8 (Go). Map keys like these would make the encodings differ.
    String bmp = "\uFB01";
    String astral = "😀";
    byte[] wire =
        GoldenVectors.encode(
            HTTPRequest.newBuilder().putHeaders(bmp, "1").putHeaders(astral, "2").build());
    String text = new String(wire, StandardCharsets.UTF_8);
    assertThat(text.indexOf(astral)).isLessThan(text.indexOf(bmp));
  }

  @Test
  void unknownFutureFieldsAreKeptAndIgnored() throws Exception {
    byte[] known = Files.readAllBytes(GoldenVectors.testdataDir().resolve("with_metadata.bin"));
    ByteArrayOutputStream extra = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(extra);
    // In ascending field order: Java keeps unknown fields sorted by number when it re-encodes
    // them, Go keeps their raw bytes in arrival order; the two agree only for sorted input.
    out.writeString(6, "a field of a later version");
    out.writeFixed32(7, 0xCAFEBABE);
    out.writeUInt64(100, 1234567890123L);
    out.flush();
    byte[] future = concat(known, extra.toByteArray());

    Event event = Event.parseFrom(future);
    assertThat(event.toBuilder().setUnknownFields(UnknownFieldSet.getDefaultInstance()).build())
        .isEqualTo(Event.parseFrom(known));
    assertThat(event.getUnknownFields().asMap()).containsOnlyKeys(6, 7, 100);
    assertThat(event.getUnknownFields().getField(6).getLengthDelimitedList())
        .containsExactly(ByteString.copyFromUtf8("a field of a later version"));
    // Unknown fields are written back after the known ones (as in Go): a relay loses nothing.
    assertThat(event.toByteArray()).isEqualTo(future);
    assertThat(GoldenVectors.encode(event)).isEqualTo(future);

    // Same inside a payload.
    HTTPRequest request = event.getPayload().unpack(HTTPRequest.class);
    byte[] futureRequest = concat(request.toByteArray(), extra.toByteArray());
    HTTPRequest parsed = HTTPRequest.parseFrom(futureRequest);
    assertThat(parsed.getUrl()).isEqualTo(request.getUrl());
    assertThat(parsed.getHeadersMap()).isEqualTo(request.getHeadersMap());
    assertThat(parsed.toByteArray()).isEqualTo(futureRequest);
  }

  @Test
  void anOriginalReaderSkipsTheAddedFields() throws Exception {
    // The original format: Event without metadata (5), HTTPRequest without method (4) and
    // remote_addr (5). It must read today's bytes, and pass the new fields through untouched.
    FileDescriptorProto current = KubefuncsProto.getDescriptor().toProto();
    FileDescriptorProto.Builder original = current.toBuilder().clearMessageType();
    for (DescriptorProto message : current.getMessageTypeList()) {
      DescriptorProto.Builder copy = message.toBuilder();
      switch (message.getName()) {
        case "Event" -> {
          copy.clearField().clearNestedType();
          message.getFieldList().stream().filter(f -> f.getNumber() <= 4).forEach(copy::addField);
        }
        case "HTTPRequest" -> {
          copy.clearField();
          message.getFieldList().stream().filter(f -> f.getNumber() <= 3).forEach(copy::addField);
        }
        default -> {}
      }
      original.addMessageType(copy);
    }
    FileDescriptor file =
        FileDescriptor.buildFrom(
            original.build(), new FileDescriptor[] {Any.getDescriptor().getFile()});
    Descriptor oldEvent = file.findMessageTypeByName("Event");
    Descriptor oldRequest = file.findMessageTypeByName("HTTPRequest");
    assertThat(oldEvent.getFields()).hasSize(4);
    assertThat(oldRequest.getFields()).hasSize(3);

    byte[] bytes = Files.readAllBytes(GoldenVectors.testdataDir().resolve("with_metadata.bin"));
    Event current1 = Event.parseFrom(bytes);
    DynamicMessage old = DynamicMessage.parseFrom(oldEvent, bytes);
    assertThat(old.getField(oldEvent.findFieldByName("id"))).isEqualTo(current1.getId());
    assertThat(old.getField(oldEvent.findFieldByName("topic"))).isEqualTo(current1.getTopic());
    assertThat(old.getField(oldEvent.findFieldByName("return"))).isEqualTo(current1.getReturn());
    assertThat(old.getUnknownFields().asMap()).containsOnlyKeys(5);
    assertThat(old.getUnknownFields().getField(5).getLengthDelimitedList())
        .hasSize(current1.getMetadataCount());
    assertThat(old.toByteArray()).isEqualTo(bytes);

    HTTPRequest request = current1.getPayload().unpack(HTTPRequest.class);
    DynamicMessage oldPayload =
        DynamicMessage.parseFrom(oldRequest, current1.getPayload().getValue());
    assertThat(oldPayload.getField(oldRequest.findFieldByName("url"))).isEqualTo(request.getUrl());
    assertThat(oldPayload.getUnknownFields().asMap().keySet()).isEqualTo(Set.of(4, 5));
    assertThat(oldPayload.toByteArray()).isEqualTo(current1.getPayload().getValue().toByteArray());

    // And today's reader reads what the original writer wrote (no metadata, no method).
    DynamicMessage oldWritten =
        DynamicMessage.newBuilder(oldEvent)
            .setField(oldEvent.findFieldByName("id"), "abc")
            .setField(oldEvent.findFieldByName("topic"), "hello")
            .build();
    Event read = Event.parseFrom(oldWritten.toByteArray());
    assertThat(read.getId()).isEqualTo("abc");
    assertThat(read.getTopic()).isEqualTo("hello");
    assertThat(read.getMetadataMap()).isEmpty();
    assertThat(read.hasPayload()).isFalse();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
