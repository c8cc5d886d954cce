package io.kubefuncs.cli;

/** The exit codes of {@code kubefuncs}, documented in docs/local-development.md. */
final class ExitCodes {
  static final int OK = 0;

  /** Anything else that went wrong. */
  static final int ERROR = 1;

  /**
   * Bad input: an unknown command or flag, a malformed file, a port in use (picocli's usage code).
   */
  static final int BAD_INPUT = 2;

  /** {@code call}: no answer within {@code --timeout}. */
  static final int TIMEOUT = 3;

  /** {@code call}: the function answered with an error. */
  static final int FUNCTION_ERROR = 4;

  /** {@code call}: nsqd could not be reached. */
  static final int NO_CONNECTION = 5;

  private ExitCodes() {}
}
