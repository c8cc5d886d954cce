package io.kubefuncs.devbroker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoTextTest {

  /** Expected values are what Go's fmt.Sprintf("%q", s) prints for the same bytes. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\'',
      value = {
        "topic|\"topic\"",
        "a\"b|\"a\\\"b\"",
        "tab\there|\"tab\\there\"",
        "be\u0007ll|\"be\\all\"",
        "n\u0000ul|\"n\\x00ul\"",
        "del\u007f|\"del\\x7f\"",
        "caf\u00e9|\"caf\u00e9\"",
        "zero\u200bwidth|\"zero\\u200bwidth\"",
      })
  void quotesLikeGo(String input, String expected) {
    String asBytes =
        new String(input.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    String quoted =
        new String(
            GoText.quote(asBytes).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);

    assertThat(quoted).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"ff, \"\\xff\"", "c3, \"\\xc3\"", "e282, \"\\xe2\\x82\""})
  void invalidUtf8BytesAreHexEscaped(String hex, String expected) {
    StringBuilder bytes = new StringBuilder();
    for (int i = 0; i < hex.length(); i += 2) {
      bytes.append((char) Integer.parseInt(hex.substring(i, i + 2), 16));
    }
    assertThat(GoText.quote(bytes.toString())).isEqualTo(expected);
  }
}
