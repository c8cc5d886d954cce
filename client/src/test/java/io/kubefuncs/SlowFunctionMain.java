package io.kubefuncs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A function as users write it, for {@link SigtermDrainTest} to run in a child JVM: each event
 * takes 1.5 s, then its id is appended to the file named by {@code DONE_FILE}, one line per event
 * completed.
 */
public final class SlowFunctionMain {
  private SlowFunctionMain() {}

  public static void main(String[] args) {
    String doneFile = System.getenv("DONE_FILE");
    Path done = doneFile == null ? null : Path.of(doneFile);
    Kubefuncs.run(
        msg -> {
          Thread.sleep(1_500);
          if (done != null) {
            record(done, msg.id());
          }
        });
  }

  private static synchronized void record(Path done, String id) throws IOException {
    Files.writeString(
        done,
        id + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }
}
