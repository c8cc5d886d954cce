package io.kubefuncs.nsq;

/** Something went wrong talking to nsqd or nsqlookupd; the message names the server. */
public class NsqException extends RuntimeException {
  public NsqException(String message) {
    super(message);
  }

  public NsqException(String message, Throwable cause) {
    super(message, cause);
  }
}
