package io.kubefuncs.testkit;

import org.junit.jupiter.api.Test;

/** The testkit's API is what api/io.kubefuncs.testkit.api says. */
class ApiSignatureTest {
  @Test
  void apiIsTheCommittedOne() {
    ApiSignature.check(ApiSignature.class);
  }
}
