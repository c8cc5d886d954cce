package io.kubefuncs;

/** The called function failed: it answered with an {@code Error} event, whose text this carries. */
public final class FunctionErrorException extends RuntimeException {
  private final String topic;

  FunctionErrorException(String topic, String error) {
    super("function on topic " + topic + " failed: " + error);
    this.topic = topic;
  }

  public String topic() {
    return topic;
  }
}
