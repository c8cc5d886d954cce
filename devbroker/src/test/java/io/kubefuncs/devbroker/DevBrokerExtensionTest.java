package io.kubefuncs.devbroker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs a test class that uses the extension through the JUnit launcher, to see the broker's whole
 * life.
 */
class DevBrokerExtensionTest {
  @Test
  void oneBrokerServesTheClassAndItsNestedClassesAndIsClosedAfterThem() {
    UsesTheBroker.seen.clear();
    SummaryGeneratingListener listener = new SummaryGeneratingListener();

    LauncherFactory.create()
        .execute(request().selectors(selectClass(UsesTheBroker.class)).build(), listener);

    TestExecutionSummary summary = listener.getSummary();
    assertThat(summary.getFailures()).as("failures").isEmpty();
    assertThat(summary.getTestsSucceededCount()).isEqualTo(3);
    assertThat(UsesTheBroker.seen).hasSize(3).containsOnly(UsesTheBroker.seen.get(0));
    DevBroker broker = UsesTheBroker.seen.get(0);
    assertThatThrownBy(() -> HttpCalls.get(TestBrokers.url(broker.httpAddress(), "/ping")))
        .isInstanceOf(UncheckedIOException.class);
  }

  @ExtendWith(DevBrokerExtension.class)
  static class UsesTheBroker {
    static final List<DevBroker> seen = new CopyOnWriteArrayList<>();

    private final DevBroker fromConstructor;

    UsesTheBroker(DevBroker broker) {
      this.fromConstructor = broker;
    }

    @Test
    void answersOnFreePortsOfTheLoopback(DevBroker broker) {
      assertThat(broker).isSameAs(fromConstructor);
      assertThat(broker.nsqd()).startsWith("127.0.0.1:").isNotEqualTo("127.0.0.1:4150");
      assertThat(broker.lookupd()).isEqualTo("127.0.0.1:" + broker.lookupdHttpAddress().getPort());
      assertThat(HttpCalls.get(TestBrokers.url(broker.httpAddress(), "/ping")).body())
          .isEqualTo("OK");
      seen.add(broker);
    }

    @Test
    void isSharedByTheTestsOfTheClass(DevBroker broker) {
      seen.add(broker);
    }

    @Nested
    class Inner {
      @Test
      void isSharedWithNestedClasses(DevBroker broker) {
        seen.add(broker);
      }
    }
  }
}
