package io.kubefuncs.cli;

/**
 * A step of {@code deploy} or {@code status} that failed (a build, a load, helm, kubectl): the
 * message names the step and carries what its program said, and is printed without a stack trace;
 * the command exits {@link ExitCodes#ERROR}.
 */
final class StepFailedException extends RuntimeException {
  StepFailedException(String message) {
    super(message, null, false, false);
  }
}
