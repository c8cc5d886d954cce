package io.kubefuncs.nsq;

/** nsqd could not be reached, or the connection to it was lost before a command was answered. */
public final class NsqConnectionException extends NsqException {
  NsqConnectionException(String message) {
    super(message);
  }

  NsqConnectionException(String message, Throwable cause) {
    super(message, cause);
  }
}
