package io.kubefuncs.conformance;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.Extension;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;

/**
 * Runs a {@link ConformanceTest} once per selected {@link BrokerKind}. Each broker is started the
 * first time a test needs it and shared by the whole run (tests use topics of their own), then
 * closed by JUnit when the run ends.
 */
final class EachBroker implements TestTemplateInvocationContextProvider {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(EachBroker.class);

  @Override
  public boolean supportsTestTemplate(ExtensionContext context) {
    return true;
  }

  @Override
  public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(
      ExtensionContext context) {
    String test = context.getRequiredTestMethod().getName();
    return BrokerKind.selected().stream().map(kind -> new Invocation(test, kind));
  }

  /** Named {@code test [broker]}, so that reports and failures say which broker it was. */
  private record Invocation(String test, BrokerKind kind) implements TestTemplateInvocationContext {
    @Override
    public String getDisplayName(int invocationIndex) {
      return test + " [" + kind.displayName() + "]";
    }

    @Override
    public List<Extension> getAdditionalExtensions() {
      ParameterResolver broker =
          new ParameterResolver() {
            @Override
            public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
              return parameter.getParameter().getType() == Broker.class;
            }

            @Override
            public Broker resolveParameter(ParameterContext parameter, ExtensionContext context) {
              return context
                  .getRoot()
                  .getStore(NAMESPACE)
                  .computeIfAbsent(kind, BrokerKind::start, Broker.class);
            }
          };
      TestExecutionExceptionHandler namingTheBroker =
          (context, failure) -> {
            throw namingTheBroker(failure);
          };
      return List.of(broker, namingTheBroker);
    }

    /**
     * Maven's console numbers template invocations ({@code test(Broker)[2]}) instead of naming
     * them, so the failure message itself starts with the broker; the original is its cause.
     */
    private Throwable namingTheBroker(Throwable failure) {
      String message = "[" + kind.displayName() + "] " + failure.getMessage();
      Throwable named =
          failure instanceof AssertionError
              ? new AssertionError(message, failure)
              : new IllegalStateException(message, failure);
      named.setStackTrace(failure.getStackTrace());
      return named;
    }
  }
}
