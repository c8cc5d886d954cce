package io.kubefuncs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kubefuncs.proto.Error;
import io.kubefuncs.proto.HTTPResponse;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PayloadsTest {
  /** Payloads.is answers what Any.is answers, for the URLs other clients may send. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "type.googleapis.com/kubefuncs.Error",
        "example.com/types/kubefuncs.Error",
        "/kubefuncs.Error",
        "kubefuncs.Error",
        "type.googleapis.com/kubefuncs.ErrorX",
        "type.googleapis.com/kubefuncs.Erro",
        "type.googleapis.com/xkubefuncs.Error",
        "type.googleapis.com/kubefuncs.HTTPResponse",
        ""
      })
  void isAgreesWithAnyIs(String typeUrl) {
    Any payload = Any.newBuilder().setTypeUrl(typeUrl).build();
    assertThat(Payloads.is(payload, Error.class)).isEqualTo(payload.is(Error.class));
    assertThat(Payloads.is(payload, HTTPResponse.class)).isEqualTo(payload.is(HTTPResponse.class));
  }

  @Test
  void unpacksWhatAnyPacked() throws Exception {
    Any payload = Any.pack(Error.newBuilder().setError("boom").build());
    assertThat(Payloads.unpack(payload, Error.class).getError()).isEqualTo("boom");
    assertThatThrownBy(() -> Payloads.unpack(payload, HTTPResponse.class))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void eventIdsAreVersionFourUuidsAndDistinct() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      String id = Events.newId();
      UUID uuid = UUID.fromString(id);
      assertThat(uuid.version()).isEqualTo(4);
      assertThat(uuid.variant()).isEqualTo(2);
      assertThat(uuid.toString()).isEqualTo(id);
      ids.add(id);
    }
    assertThat(ids).hasSize(100_000);
  }
}
