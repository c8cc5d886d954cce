package io.kubefuncs.devbroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QueryParamsTest {

  @Test
  void parsesAsGoDoes() {
    QueryParams query = QueryParams.parse("topic=a%23ephemeral&topic=second&empty=&flag&x=a+b&&");

    assertThat(query.get("topic")).isEqualTo("a#ephemeral");
    assertThat(query.get("empty")).isEmpty();
    assertThat(query.get("flag")).isEmpty();
    assertThat(query.get("x")).isEqualTo("a b");
    assertThat(query.has("missing")).isFalse();
    assertThat(query.get("missing")).isNull();
  }

  @Test
  void booleansAsNsqdReadsThem() {
    QueryParams query = QueryParams.parse("a=true&b=0&c=yes");

    assertThat(query.bool("a", false, false)).isTrue();
    assertThat(query.bool("b", true, true)).isFalse();
    assertThat(query.bool("c", false, true)).isTrue();
    assertThat(query.bool("missing", false, true)).isFalse();
  }

  @Test
  void semicolonsAndBadEscapesAreErrors() {
    assertThatThrownBy(() -> QueryParams.parse("topic=a;b")).hasMessageContaining("semicolon");
    assertThatThrownBy(() -> QueryParams.parse("topic=%zz")).hasMessageContaining("escape");
    assertThatThrownBy(() -> QueryParams.parse("topic=%2")).hasMessageContaining("escape");
  }
}
