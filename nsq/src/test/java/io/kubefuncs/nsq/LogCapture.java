package io.kubefuncs.nsq;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The messages one class logs (through System.Logger, which goes to java.util.logging) while open.
 */
final class LogCapture extends Handler implements AutoCloseable {
  private final Logger logger;
  private final List<String> messages = new CopyOnWriteArrayList<>();

  private LogCapture(Class<?> source) {
    // Held here: java.util.logging keeps loggers weakly, and a collected one loses its handlers.
    logger = Logger.getLogger(source.getName());
    logger.addHandler(this);
  }

  static LogCapture of(Class<?> source) {
    return new LogCapture(source);
  }

  /** Messages with their {0}-style parameters filled in. */
  List<String> messages() {
    return messages;
  }

  @Override
  public void publish(LogRecord record) {
    String text = record.getMessage();
    Object[] params = record.getParameters();
    if (params != null) {
      for (int i = 0; i < params.length; i++) {
        text = text.replace("{" + i + "}", String.valueOf(params[i]));
      }
    }
    messages.add(text);
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
