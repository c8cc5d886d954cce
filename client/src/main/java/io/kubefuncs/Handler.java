package io.kubefuncs;

/**
 * A function's code: called once per event, on a virtual thread of its own, so it may block.
 * Returning means success; an event with a return topic that the handler did not {@linkplain
 * Delivery#respond respond} to is answered with {@code Empty}. Throwing answers with an {@code
 * Error} event when the event has a return topic; without one, the event is retried and, after the
 * last attempt, moved to the dead-letter topic.
 */
@FunctionalInterface
public interface Handler {
  void handle(Delivery delivery) throws Exception;
}
