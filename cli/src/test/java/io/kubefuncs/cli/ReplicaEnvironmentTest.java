package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.testkit.RuntimeContract;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * kubefuncs dev gives a replica only the function runtime contract's variables, each in its
 * grammar.
 */
class ReplicaEnvironmentTest {
  private static final RuntimeContract CONTRACT = RuntimeContract.load();

  private static FunctionSpec function(Map<String, String> env) {
    return new FunctionSpec(
        "orders",
        "orders",
        "default",
        2,
        env,
        List.of("true"),
        Path.of("."),
        Duration.ofSeconds(1),
        List.of(),
        List.of());
  }

  private static void assertInTheContract(Map<String, String> env) {
    env.forEach(
        (name, value) -> {
          assertThat(CONTRACT.knows(name))
              .as(name + " is a variable of " + RuntimeContract.FILE)
              .isTrue();
          if (!value.isBlank() && !name.equals("HOSTNAME")) {
            RuntimeContract.Grammar grammar = CONTRACT.variable(name).grammar();
            assertThat(grammar.matches(value))
                .as(name + "=" + value + " is a " + grammar.name())
                .isTrue();
          }
        });
  }

  @Test
  void withTheDevBrokersNsqdAndLookupd() {
    NsqAddresses nsq = new NsqAddresses(new Address("127.0.0.1", 4150), new Address("", 4161));
    Map<String, String> env = ReplicaEnvironment.of(nsq, function(Map.of()), 1, 43123);
    assertInTheContract(env);
    assertThat(env)
        .containsEntry("TOPIC", "orders")
        .containsEntry("HEALTHZ_ADDR", "127.0.0.1:43123")
        .containsEntry("NSQ_LOOKUPD_ADDR", "localhost")
        .containsEntry("HOSTNAME", "orders-1");
  }

  @Test
  void withOneNsqdAndTheFunctionsOwnSettings() {
    NsqAddresses nsq = new NsqAddresses(new Address("10.0.0.5", 4150), null);
    Map<String, String> env =
        ReplicaEnvironment.of(nsq, function(Map.of("KUBEFUNCS_HANDLER_TIMEOUT", "PT30S")), 0, 0);
    assertInTheContract(env);
    assertThat(env)
        .containsEntry("NSQ_LOOKUPD_ADDR", "")
        .containsEntry("KUBEFUNCS_HANDLER_TIMEOUT", "PT30S");
  }
}
