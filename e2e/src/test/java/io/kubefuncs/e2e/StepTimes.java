package io.kubefuncs.e2e;

import java.util.Locale;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Prints how long each step of the walk-through took, passed or not. */
final class StepTimes implements BeforeTestExecutionCallback, AfterTestExecutionCallback {
  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(StepTimes.class);

  @Override
  public void beforeTestExecution(ExtensionContext context) {
    context.getStore(NS).put("start", System.nanoTime());
  }

  @Override
  public void afterTestExecution(ExtensionContext context) {
    long start = context.getStore(NS).get("start", Long.class);
    System.out.printf(
        Locale.ROOT,
        "e2e: %-60s %6.1f s%s%n",
        context.getDisplayName(),
        (System.nanoTime() - start) / 1e9,
        context.getExecutionException().isPresent() ? "  FAILED" : "");
  }
}
