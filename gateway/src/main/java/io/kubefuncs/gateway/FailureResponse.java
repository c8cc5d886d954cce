package io.kubefuncs.gateway;

import io.kubefuncs.ClientClosedException;
import io.kubefuncs.FunctionErrorException;
import io.kubefuncs.nsq.NsqConnectionException;
import io.kubefuncs.nsq.NsqErrorException;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

/**
 * Why a request published to NSQ got no answer from its function, as the status and error code its
 * client sees: the one place that maps a failure to HTTP (the error table of docs/gateway.md).
 *
 * @param code the {@code error} field of the JSON body
 */
record FailureResponse(HttpResponseStatus status, String code, String message) {
  /** nsqd's auth server does not let the gateway publish to the route's topic. */
  static final String UNAUTHORIZED = "nsq_unauthorized";

  /**
   * @param unconsumed whether nsqlookupd knew no consumer of the topic when the request came
   * @param exposeFunctionErrors whether a function's own error message may reach the client
   */
  static FailureResponse of(
      Throwable failure, Route route, boolean unconsumed, boolean exposeFunctionErrors) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (cause instanceof TimeoutException) {
      return new FailureResponse(
          HttpResponseStatus.GATEWAY_TIMEOUT,
          "timeout",
          "no answer from topic "
              + route.topic()
              + " within "
              + route.timeout().toMillis()
              + " ms"
              + (unconsumed ? "; no function consumes it" : ""));
    }
    if (cause instanceof FunctionErrorException fe) {
      return new FailureResponse(
          HttpResponseStatus.BAD_GATEWAY,
          "function_error",
          exposeFunctionErrors ? fe.getMessage() : "the function failed");
    }
    if (cause instanceof NsqErrorException nsqd && nsqd.code().equals("E_UNAUTHORIZED")) {
      // A setup problem no retry fixes: nsqd's auth server grants the gateway other topics.
      return new FailureResponse(
          HttpResponseStatus.BAD_GATEWAY,
          UNAUTHORIZED,
          "NSQ does not let the gateway publish to topic "
              + route.topic()
              + ": "
              + cause.getMessage());
    }
    if (cause instanceof NsqConnectionException) {
      return new FailureResponse(
          HttpResponseStatus.SERVICE_UNAVAILABLE,
          "nsq_unavailable",
          "could not publish to NSQ: " + cause.getMessage());
    }
    if (cause instanceof ClientClosedException) {
      return new FailureResponse(
          HttpResponseStatus.SERVICE_UNAVAILABLE,
          "shutting_down",
          "the gateway is shutting down; retry");
    }
    return new FailureResponse(
        HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal", String.valueOf(cause.getMessage()));
  }
}
