package io.kubefuncs.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The life cycle shared by nsqd and nsqlookupd: both listen on a TCP and an HTTP port on 127.0.0.1,
 * answer {@code GET /ping} with "OK" once ready, and fail with "address already in use" when a port
 * is taken.
 */
final class ManagedProcess {
  static final String HOST = "127.0.0.1";

  /** The program's arguments for a given pair of ports. */
  interface Command {
    List<String> arguments(int tcpPort, int httpPort);
  }

  /** Chooses ports for a fresh start; replaceable so tests can force a port clash. */
  interface PortAllocator {
    int[] allocate(int count) throws IOException;
  }

  /** Ports the OS considers free right now; another process may still take them before we bind. */
  static final PortAllocator FREE_PORTS =
      count -> {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
          int[] ports = new int[count];
          for (int i = 0; i < count; i++) {
            ServerSocket socket = new ServerSocket();
            sockets.add(socket);
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), 0));
            ports[i] = socket.getLocalPort();
          }
          return ports;
        } finally {
          for (ServerSocket socket : sockets) {
            socket.close();
          }
        }
      };

  private static final int FRESH_START_ATTEMPTS = 5;
  private static final Duration RESTART_BIND_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final int LOG_HEAD_LINES = 10;
  private static final int LOG_TAIL_LINES = 30;

  private final String name;
  private final Path executable;
  private final Path workDirectory;
  private final Path logFile;
  private final Command command;
  private final Duration startupTimeout;

  private int tcpPort;
  private int httpPort;
  private Process process;
  private Http http;
  private boolean closed;

  private ManagedProcess(
      String name, Path executable, Path workDirectory, Command command, Duration startupTimeout) {
    this.name = name;
    this.executable = executable;
    this.workDirectory = workDirectory;
    this.logFile = workDirectory.resolve(name + ".log");
    this.command = command;
    this.startupTimeout = startupTimeout;
  }

  /**
   * Starts the program on free ports, retrying with new ports if another process took one between
   * choosing and binding it. On failure the work directory is deleted.
   */
  static ManagedProcess start(
      String name,
      Path executable,
      Path workDirectory,
      Command command,
      Duration startupTimeout,
      PortAllocator ports) {
    ManagedProcess managed =
        new ManagedProcess(name, executable, workDirectory, command, startupTimeout);
    try {
      managed.startOnFreePorts(ports);
      return managed;
    } catch (RuntimeException | Error e) {
      managed.close();
      throw e;
    }
  }

  private synchronized void startOnFreePorts(PortAllocator ports) {
    for (int attempt = 1; ; attempt++) {
      int[] chosen;
      try {
        chosen = ports.allocate(2);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot find free ports on " + HOST + " for " + name, e);
      }
      tcpPort = chosen[0];
      httpPort = chosen[1];
      try {
        launch();
        return;
      } catch (AddressInUseException e) {
        if (attempt == FRESH_START_ATTEMPTS) {
          throw new IllegalStateException(
              name
                  + " could not bind its ports after "
                  + attempt
                  + " attempts with freshly chosen ports (other processes took them each time); its last output:\n"
                  + e.getMessage());
        }
      }
    }
  }

  synchronized String name() {
    return name;
  }

  synchronized int tcpPort() {
    return tcpPort;
  }

  synchronized int httpPort() {
    return httpPort;
  }

  synchronized String httpUrl() {
    return "http://" + HOST + ":" + httpPort;
  }

  Path workDirectory() {
    return workDirectory;
  }

  Path logFile() {
    return logFile;
  }

  synchronized long pid() {
    return process.pid();
  }

  synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** The HTTP client of the current launch; see {@link Http} for why it is per launch. */
  synchronized Http http() {
    ensureOpen();
    return http;
  }

  /**
   * Stops the process if it runs, then starts it again on the same ports. The OS may need a moment
   * to release a port of the killed process, so "address already in use" is retried for a while.
   */
  synchronized void restart() {
    ensureOpen();
    stop();
    IllegalStateException[] lastFailure = new IllegalStateException[1];
    boolean started =
        Poll.until(
            RESTART_BIND_TIMEOUT,
            () -> {
              try {
                launch();
                return true;
              } catch (AddressInUseException e) {
                lastFailure[0] = new IllegalStateException(e.getMessage());
                return false;
              }
            });
    if (!started) {
      throw new IllegalStateException(
          name
              + " could not restart on "
              + HOST
              + ":"
              + tcpPort
              + " and "
              + HOST
              + ":"
              + httpPort
              + ": a port stayed in use for "
              + RESTART_BIND_TIMEOUT.toSeconds()
              + " s; its last output ("
              + logFile
              + "):\n"
              + lastFailure[0].getMessage());
    }
  }

  /** SIGTERM, so the program can persist its state; SIGKILL if it has not exited in time. */
  synchronized void stop() {
    Process current = process;
    if (current == null) {
      return;
    }
    if (current.isAlive()) {
      List<ProcessHandle> descendants = current.descendants().toList();
      current.destroy();
      if (!awaitExit(current, STOP_TIMEOUT)) {
        Reaper.destroyForcibly(current);
        awaitExit(current, STOP_TIMEOUT);
      }
      descendants.forEach(ProcessHandle::destroyForcibly);
    }
    Reaper.unregister(current);
  }

  /** SIGKILL, as a crash would: no state is persisted. Returns once the process has exited. */
  synchronized void kill() {
    Process current = process;
    if (current == null) {
      return;
    }
    Reaper.destroyForcibly(current);
    awaitExit(current, STOP_TIMEOUT);
    Reaper.unregister(current);
  }

  synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      stop();
    } finally {
      if (http != null) {
        http.close();
      }
      Reaper.deleteQuietly(workDirectory);
      Reaper.unregister(workDirectory);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException(name + " on " + HOST + ":" + tcpPort + " has been closed");
    }
  }

  /** Starts the program on the current ports and waits until it answers its ping. */
  private void launch() throws AddressInUseException {
    Reaper.register(workDirectory);
    List<String> commandLine = new ArrayList<>();
    commandLine.add(executable.toString());
    commandLine.addAll(command.arguments(tcpPort, httpPort));
    long logOffset = logSize();
    appendToLog("---- " + Instant.now() + " starting: " + String.join(" ", commandLine) + "\n");

    Process started;
    try {
      started =
          new ProcessBuilder(commandLine)
              .directory(workDirectory.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + commandLine, e);
    }
    Reaper.register(started);
    try {
      started.getOutputStream().close();
    } catch (IOException e) {
      // the program never reads its standard input
    }
    process = started;
    if (http != null) {
      http.close();
    }
    http = new Http();

    String ping = httpUrl() + "/ping";
    Http client = http;
    boolean answered = Poll.until(startupTimeout, () -> !started.isAlive() || client.isUp(ping));
    if (answered && started.isAlive()) {
      return;
    }
    if (started.isAlive()) {
      Reaper.destroyForcibly(started);
      awaitExit(started, STOP_TIMEOUT);
      Reaper.unregister(started);
      throw new IllegalStateException(
          name
              + " did not answer GET "
              + ping
              + " with OK within "
              + startupTimeout.toMillis()
              + " ms and was killed; its last output ("
              + logFile
              + "):\n"
              + logTail(logOffset));
    }
    awaitExit(started, STOP_TIMEOUT);
    Reaper.unregister(started);
    String output = logTail(logOffset);
    if (output.contains("address already in use")) {
      throw new AddressInUseException(output);
    }
    throw new IllegalStateException(
        name
            + " exited with code "
            + started.exitValue()
            + " during startup; its last output ("
            + logFile
            + "):\n"
            + output);
  }

  private static boolean awaitExit(Process process, Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Reaper.destroyForcibly(process);
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private long logSize() {
    try {
      return Files.exists(logFile) ? Files.size(logFile) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private void appendToLog(String text) {
    try {
      Files.writeString(
          logFile,
          text,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + logFile, e);
    }
  }

  /**
   * What the latest launch (everything since {@code offset}) wrote to the log, shortened to its
   * first lines, where flag errors and usage are, and its last lines, where runtime errors are.
   */
  private String logTail(long offset) {
    try (SeekableByteChannel channel = Files.newByteChannel(logFile)) {
      long size = channel.size();
      channel.position(Math.min(offset, size));
      // Never read more than 1 MiB: only the beginning and the end are shown anyway.
      byte[] bytes = new byte[(int) Math.min(size - channel.position(), 1 << 20)];
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining() && channel.read(buffer) > 0) {
        // read until the buffer is full or the file ends
      }
      List<String> lines =
          new String(bytes, 0, buffer.position(), StandardCharsets.UTF_8).lines().toList();
      if (lines.size() <= LOG_HEAD_LINES + LOG_TAIL_LINES) {
        return String.join("\n", lines);
      }
      return String.join("\n", lines.subList(0, LOG_HEAD_LINES))
          + "\n[... "
          + (lines.size() - LOG_HEAD_LINES - LOG_TAIL_LINES)
          + " lines ...]\n"
          + String.join("\n", lines.subList(lines.size() - LOG_TAIL_LINES, lines.size()));
    } catch (IOException e) {
      return "(cannot read " + logFile + ": " + e + ")";
    }
  }

  @Override
  public synchronized String toString() {
    return name
        + "[tcp="
        + HOST
        + ":"
        + tcpPort
        + ", http="
        + HOST
        + ":"
        + httpPort
        + (isRunning() ? ", pid=" + process.pid() : ", not running")
        + "]";
  }

  /** The program could not bind a port; the message is the tail of its output. */
  private static final class AddressInUseException extends Exception {
    AddressInUseException(String output) {
      super(output);
    }
  }
}
