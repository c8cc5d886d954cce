package io.kubefuncs.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** Copies a child's output to ours line by line, each line after the child's label. */
final class LinePump {
  private LinePump() {}

  /**
   * Starts copying {@code in} to {@code to} on a thread of its own; the thread ends at end of
   * stream.
   */
  static Thread start(InputStream in, PrintWriter to, String prefix, String threadName) {
    Thread pump =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                  to.println(prefix + line);
                }
              } catch (IOException e) {
                // The stream closed under us: the process is gone, and so is the rest of its
                // output.
              }
            },
            threadName);
    pump.setDaemon(true);
    pump.start();
    return pump;
  }
}
