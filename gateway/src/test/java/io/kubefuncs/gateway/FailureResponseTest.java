package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.ClientClosedException;
import io.kubefuncs.FunctionErrorException;
import io.kubefuncs.nsq.NsqConnectionException;
import io.kubefuncs.nsq.NsqErrorException;
import java.lang.reflect.Constructor;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each way a call fails, and what its HTTP client gets. */
class FailureResponseTest {
  private static final Route ROUTE = new Route("/orders/", "orders", Duration.ofSeconds(3), false);

  /** The client's and the NSQ client's exceptions are made by them only; a test makes its own. */
  private static Throwable make(
      Class<? extends Throwable> type, Class<?>[] parameters, Object... arguments) {
    try {
      Constructor<? extends Throwable> c = type.getDeclaredConstructor(parameters);
      c.setAccessible(true);
      return c.newInstance(arguments);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  static Stream<Arguments> failures() {
    Throwable functionError =
        make(
            FunctionErrorException.class,
            new Class<?>[] {String.class, String.class},
            "orders",
            "out of stock");
    return Stream.of(
        Arguments.of(
            new TimeoutException(),
            false,
            504,
            "timeout",
            "no answer from topic orders within 3000 ms"),
        Arguments.of(
            new CompletionException(new TimeoutException()),
            true,
            504,
            "timeout",
            "no answer from topic orders within 3000 ms; no function consumes it"),
        Arguments.of(functionError, false, 502, "function_error", "the function failed"),
        Arguments.of(
            make(
                NsqErrorException.class,
                new Class<?>[] {String.class, String.class, String.class},
                "127.0.0.1:4150",
                "E_UNAUTHORIZED",
                "AUTH failed"),
            false,
            502,
            "nsq_unauthorized",
            "NSQ does not let the gateway publish to topic orders: "),
        Arguments.of(
            make(NsqConnectionException.class, new Class<?>[] {String.class}, "connection refused"),
            false,
            503,
            "nsq_unavailable",
            "could not publish to NSQ: connection refused"),
        Arguments.of(
            make(ClientClosedException.class, new Class<?>[] {}),
            false,
            503,
            "shutting_down",
            "the gateway is shutting down; retry"),
        Arguments.of(new IllegalStateException("bug"), false, 500, "internal", "bug"));
  }

  @ParameterizedTest
  @MethodSource("failures")
  void aFailureIsAnsweredWithItsStatusAndCode(
      Throwable failure, boolean unconsumed, int status, String code, String message) {
    FailureResponse r = FailureResponse.of(failure, ROUTE, unconsumed, false);
    assertThat(r.status().code()).isEqualTo(status);
    assertThat(r.code()).isEqualTo(code);
    assertThat(r.message()).startsWith(message);
  }

  @ParameterizedTest
  @MethodSource("failures")
  void aFunctionsOwnMessageReachesTheClientOnlyWhenExposed(
      Throwable failure, boolean unconsumed, int status, String code, String message) {
    FailureResponse exposed = FailureResponse.of(failure, ROUTE, unconsumed, true);
    if (code.equals("function_error")) {
      assertThat(exposed.message()).contains("out of stock");
    } else {
      assertThat(exposed).isEqualTo(FailureResponse.of(failure, ROUTE, unconsumed, false));
    }
  }
}
