package io.kubefuncs.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * What the libraries running inside the command (gateway, dev broker, NSQ client) may log. Their
 * INFO records are for servers' logs, not for a terminal: only warnings and worse come out. In
 * {@code dev}, each comes out as one line after a label as wide as the functions' ({@code
 * [gateway]}, {@code [broker]}), so that it reads like the functions' lines instead of the JDK's
 * two-line default, together with the gateway's route reloads, which is what someone editing routes
 * wants to see.
 */
final class CliLogging extends Handler {
  // java.util.logging holds loggers weakly: keep the configured ones alive.
  private static Logger root;
  private static Logger routesWatcher;

  private final PrintWriter err;
  private final int labelWidth;
  private final Formatter messages = new SimpleFormatter();

  private CliLogging(PrintWriter err, int labelWidth) {
    this.err = err;
    this.labelWidth = labelWidth;
  }

  static synchronized void dev(PrintWriter err, int labelWidth) {
    warningsOnly();
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    root.addHandler(new CliLogging(err, labelWidth));
    routesWatcher = Logger.getLogger("io.kubefuncs.gateway.RoutesWatcher");
    routesWatcher.setLevel(Level.INFO);
  }

  /** Warnings and worse, in the JDK's own format. */
  static synchronized void warningsOnly() {
    root = Logger.getLogger("");
    root.setLevel(Level.WARNING);
  }

  @Override
  public void publish(LogRecord record) {
    String name = record.getLoggerName() == null ? "" : record.getLoggerName();
    StringBuilder line =
        new StringBuilder(
            Labels.of(
                name.startsWith("io.kubefuncs.devbroker") ? "broker" : "gateway", labelWidth));
    if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
      line.append(record.getLevel().getName().toLowerCase(Locale.ROOT)).append(": ");
    }
    line.append(messages.formatMessage(record));
    if (record.getThrown() != null) {
      line.append(": ").append(record.getThrown());
    }
    err.println(line);
  }

  @Override
  public void flush() {
    err.flush();
  }

  @Override
  public void close() {}
}
