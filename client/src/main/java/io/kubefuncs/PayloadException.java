package io.kubefuncs;

/** An event's payload is not of the type asked for, or does not decode as it. */
public final class PayloadException extends RuntimeException {
  PayloadException(String message, Throwable cause) {
    super(message, cause);
  }
}
