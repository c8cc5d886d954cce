package io.kubefuncs.devbroker;

/** An HTTP API refusal: the status and the message nsqd answers with ({@code {"message":...}}). */
final class HttpError extends Exception {
  final int status;

  HttpError(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }
}
