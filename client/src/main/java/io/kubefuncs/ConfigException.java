package io.kubefuncs;

/** A setting is missing or malformed; the message names the environment variable. */
public final class ConfigException extends RuntimeException {
  private final String variable;

  /** The setting {@code variable} is wrong: {@code message} says how, after its name. */
  public ConfigException(String variable, String message) {
    super(variable + ": " + message);
    this.variable = variable;
  }

  /** The environment variable at fault, for example {@code NSQ_NSQD_PORT}. */
  public String variable() {
    return variable;
  }
}
