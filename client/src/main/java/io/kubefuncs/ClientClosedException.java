package io.kubefuncs;

/**
 * The {@link Client} was closed: a call still waiting for its answer when it closed, and every call
 * or emit after, fails with this (as the Go client's {@code ErrClosed}).
 */
public final class ClientClosedException extends IllegalStateException {
  ClientClosedException() {
    super("the Kubefuncs client is closed");
  }
}
