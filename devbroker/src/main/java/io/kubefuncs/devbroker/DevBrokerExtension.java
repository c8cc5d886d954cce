package io.kubefuncs.devbroker;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that runs a {@link DevBroker} on free ports of 127.0.0.1 for a test class, so
 * that a function's integration tests need no nsqd binaries: the broker is in the test's own JVM.
 * Test methods, constructors and {@code @BeforeAll}/{@code @BeforeEach} methods get it as a {@code
 * DevBroker} parameter.
 *
 * <pre>{@code
 * @ExtendWith(DevBrokerExtension.class)
 * class HelloBrokerTest {
 *   @Test void answers(DevBroker broker) {
 *     try (Client client = Client.builder().nsqd(broker.nsqd()).build()) { ... }
 *   }
 * }
 * }</pre>
 *
 * <p>One broker per top-level test class, shared by its tests and its {@code @Nested} classes, and
 * closed after the class: tests that must not see each other's messages use topics of their own. It
 * is the dev broker's in-memory NSQ, not the real nsqd: the testkit's {@code NsqExtension} runs
 * real nsqd for the tests that must prove behaviour against it. Built for JUnit Jupiter 6, whose
 * store closes what it holds.
 */
// "exports": its JUnit types come from a module required static (see module-info), which a
// project that uses the extension reads anyway.
@SuppressWarnings("exports")
public final class DevBrokerExtension implements BeforeAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(DevBrokerExtension.class);

  /** Made by JUnit, from {@code @ExtendWith(DevBrokerExtension.class)}. */
  public DevBrokerExtension() {}

  @Override
  public void beforeAll(ExtensionContext context) {
    broker(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == DevBroker.class;
  }

  @Override
  public DevBroker resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return broker(context);
  }

  /**
   * The broker of the outermost class's store: a nested class's store sees its outer's value, and
   * JUnit closes the broker (an AutoCloseable) when that outer class's tests are done.
   */
  private static DevBroker broker(ExtensionContext context) {
    ExtensionContext classContext = context;
    while (classContext.getParent().flatMap(ExtensionContext::getTestClass).isPresent()) {
      classContext = classContext.getParent().orElseThrow();
    }
    return classContext
        .getStore(NAMESPACE)
        .computeIfAbsent(DevBroker.class, k -> start(), DevBroker.class);
  }

  private static DevBroker start() {
    try {
      return DevBroker.builder()
          .tcpPort(0)
          .httpPort(0)
          .lookupdTcpPort(0)
          .lookupdHttpPort(0)
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot start the dev broker for the tests: " + e.getMessage(), e);
    }
  }
}
