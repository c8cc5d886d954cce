package io.kubefuncs.devbroker;

/**
 * A command nsqd would refuse: the code and description it sends back in an error frame, and
 * whether it then closes the connection (nsqd's FatalClientErr) or carries on (ClientErr).
 */
final class ProtocolError extends RuntimeException {
  final String code;
  final boolean fatal;

  private ProtocolError(String code, String description, boolean fatal) {
    super(description, null, false, false);
    this.code = code;
    this.fatal = fatal;
  }

  static ProtocolError fatal(String code, String description) {
    return new ProtocolError(code, description, true);
  }

  static ProtocolError nonFatal(String code, String description) {
    return new ProtocolError(code, description, false);
  }

  /** The error frame's data: code, a space, description. */
  String frameText() {
    return code + " " + getMessage();
  }
}
