package io.kubefuncs.nsq;

/**
 * nsqd answered a command with an error frame such as {@code E_BAD_MESSAGE} or {@code E_BAD_TOPIC}.
 * The code is kept apart from the text so callers can branch on it.
 */
public final class NsqErrorException extends NsqException {
  private final String code;

  NsqErrorException(String address, String code, String detail) {
    super("nsqd " + address + " answered " + (detail.isEmpty() ? code : code + " " + detail));
    this.code = code;
  }

  /** The error code, for example {@code E_BAD_MESSAGE}. */
  public String code() {
    return code;
  }
}
