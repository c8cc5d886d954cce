package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The gateway's error answers: one JSON shape, any message text carried as it was. */
class ErrorBodyTest {
  @Test
  void isStatusErrorAndMessageInThatOrder() {
    assertThat(new String(ErrorBody.of(504, "timeout", "no answer in 30s"), StandardCharsets.UTF_8))
        .isEqualTo("{\"status\":504,\"error\":\"timeout\",\"message\":\"no answer in 30s\"}");
  }

  @Test
  void carriesAnyMessageTextThroughAJsonParser() throws IOException {
    String message =
        "quote \" backslash \\ newline \n tab \t bell \u0007 é 漢 \uD83D\uDE00 </script>";
    JsonNode read = new ObjectMapper().readTree(ErrorBody.of(502, "function_error", message));
    assertThat(read.get("status").asInt()).isEqualTo(502);
    assertThat(read.get("error").asText()).isEqualTo("function_error");
    assertThat(read.get("message").asText()).isEqualTo(message);
  }

  @Test
  void aMissingMessageIsNull() {
    assertThat(new String(ErrorBody.of(502, "function_error", null), StandardCharsets.UTF_8))
        .isEqualTo("{\"status\":502,\"error\":\"function_error\",\"message\":null}");
  }
}
