package io.kubefuncs.proto;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Regenerates {@code proto/testdata} when, and only when, {@code -Dkubefuncs.regenerate=true} is
 * given; a normal test run never writes the committed vectors. See {@link GoldenVectorsWriter}.
 */
@EnabledIfSystemProperty(named = "kubefuncs.regenerate", matches = "true")
class RegenerateGoldenVectorsTest {

  @Test
  void regenerate() throws Exception {
    GoldenVectorsWriter.write(GoldenVectors.testdataDir());
  }
}
