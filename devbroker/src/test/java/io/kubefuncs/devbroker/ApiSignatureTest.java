package io.kubefuncs.devbroker;

import io.kubefuncs.testkit.ApiSignature;
import org.junit.jupiter.api.Test;

/** The module's API is what its file in api/ says. */
class ApiSignatureTest {
  @Test
  void apiIsTheCommittedOne() {
    ApiSignature.check(DevBroker.class);
  }
}
