package io.kubefuncs.devbroker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InFlightTableTest {

  @Test
  void behavesLikeAMapUnderRandomPutsAndRemoves() {
    Random random = new Random(42);
    InFlightTable table = new InFlightTable();
    Map<Long, Message> expected = new HashMap<>();
    for (int step = 0; step < 200_000; step++) {
      // A narrow id range forces collisions, long probe runs and removals from their middle.
      long id = 1 + random.nextInt(5_000);
      if (random.nextInt(3) == 0 || expected.containsKey(id)) {
        assertThat(table.remove(id)).isSameAs(expected.remove(id));
      } else {
        Message message = new Message(id, 0, new byte[0], 0);
        table.put(message);
        expected.put(id, message);
      }
      if (step % 1000 == 0) {
        assertThat(table.size()).isEqualTo(expected.size());
        for (Map.Entry<Long, Message> entry : expected.entrySet()) {
          assertThat(table.get(entry.getKey())).isSameAs(entry.getValue());
        }
      }
    }
    table.clear();
    assertThat(table.size()).isZero();
    assertThat(table.get(expected.keySet().iterator().next())).isNull();
  }
}
