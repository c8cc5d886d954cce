package io.kubefuncs.nsq;

/**
 * Handles one message. Returning finishes the message, throwing requeues it with a delay that grows
 * with its attempts, unless the handler answered it or called {@link
 * NsqMessage#disableAutoResponse()}.
 */
@FunctionalInterface
public interface MessageHandler {
  void handle(NsqMessage message) throws Exception;
}
