package io.kubefuncs.cli;

/**
 * Input the user must fix (a file, a flag, a port): the message is complete as it stands, naming
 * the file, line and field or the flag to change, and is printed without a stack trace.
 */
final class InvalidInputException extends RuntimeException {
  InvalidInputException(String message) {
    super(message, null, false, false);
  }
}
