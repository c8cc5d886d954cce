package io.kubefuncs.devbroker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A protocol V2 client on a plain blocking socket, for checking frames byte for byte: it writes
 * exactly what a test says and reads frames exactly as they arrive.
 */
final class WireClient implements AutoCloseable {
  static final int RESPONSE = 0;
  static final int ERROR = 1;
  static final int MESSAGE = 2;

  record Frame(int type, byte[] data) {
    String text() {
      return new String(data, StandardCharsets.ISO_8859_1);
    }

    Message message() {
      assertThat(type).as("frame type of %s", this).isEqualTo(MESSAGE);
      ByteBuffer buf = ByteBuffer.wrap(data);
      long timestamp = buf.getLong();
      int attempts = Short.toUnsignedInt(buf.getShort());
      byte[] id = new byte[16];
      buf.get(id);
      byte[] body = new byte[buf.remaining()];
      buf.get(body);
      return new Message(timestamp, attempts, new String(id, StandardCharsets.US_ASCII), body);
    }

    @Override
    public String toString() {
      return "Frame[" + type + ", " + text() + "]";
    }
  }

  record Message(long timestamp, int attempts, String id, byte[] body) {
    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private WireClient(InetSocketAddress address) {
    try {
      socket = new Socket(address.getAddress(), address.getPort());
      socket.setSoTimeout(5_000);
      socket.setTcpNoDelay(true);
      in = new DataInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Connected, with the V2 magic sent. */
  static WireClient connect(InetSocketAddress address) {
    return connectWithoutMagic(address).write("  V2".getBytes(StandardCharsets.US_ASCII));
  }

  static WireClient connectWithoutMagic(InetSocketAddress address) {
    return new WireClient(address);
  }

  WireClient write(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  WireClient send(String line) {
    return write((line + "\n").getBytes(StandardCharsets.ISO_8859_1));
  }

  WireClient send(String line, byte[] body) {
    return write(withBody(line, body));
  }

  static byte[] withBody(String line, byte[] body) {
    byte[] head = (line + "\n").getBytes(StandardCharsets.ISO_8859_1);
    return ByteBuffer.allocate(head.length + 4 + body.length)
        .put(head)
        .putInt(body.length)
        .put(body)
        .array();
  }

  /** MPUB's body: the count, then each message's size and bytes. */
  static byte[] mpubBody(String... messages) {
    int size = 4;
    for (String m : messages) {
      size += 4 + m.getBytes(StandardCharsets.UTF_8).length;
    }
    ByteBuffer body = ByteBuffer.allocate(size).putInt(messages.length);
    for (String m : messages) {
      byte[] bytes = m.getBytes(StandardCharsets.UTF_8);
      body.putInt(bytes.length).put(bytes);
    }
    return body.array();
  }

  Frame read() {
    try {
      int size = in.readInt();
      int type = in.readInt();
      byte[] data = new byte[size - 4];
      in.readFully(data);
      return new Frame(type, data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The next frame that is not a heartbeat. */
  Frame readSkippingHeartbeats() {
    Frame frame;
    do {
      frame = read();
    } while (frame.type() == RESPONSE && frame.text().equals("_heartbeat_"));
    return frame;
  }

  String readResponse() {
    Frame frame = readSkippingHeartbeats();
    assertThat(frame.type()).as("frame type of %s", frame).isEqualTo(RESPONSE);
    return frame.text();
  }

  String readError() {
    Frame frame = readSkippingHeartbeats();
    assertThat(frame.type()).as("frame type of %s", frame).isEqualTo(ERROR);
    return frame.text();
  }

  Message readMessage() {
    return readSkippingHeartbeats().message();
  }

  /** IDENTIFY with this JSON; returns the response. */
  String identify(String json) {
    send("IDENTIFY", json.getBytes(StandardCharsets.UTF_8));
    return readResponse();
  }

  WireClient subscribe(String topic, String channel) {
    send("SUB " + topic + " " + channel);
    assertThat(readResponse()).isEqualTo("OK");
    return this;
  }

  WireClient publish(String topic, String body) {
    send("PUB " + topic, body.getBytes(StandardCharsets.UTF_8));
    assertThat(readResponse()).isEqualTo("OK");
    return this;
  }

  /** Ends this side of the connection; the broker still answers what it already got. */
  WireClient shutdownOutput() {
    try {
      socket.shutdownOutput();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Whether the broker closes the connection within {@code timeout}, reading past anything else it
   * sends.
   */
  boolean closedByBrokerWithin(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        try {
          if (in.read() < 0) {
            return true;
          }
        } catch (SocketTimeoutException e) {
          return false;
        }
      }
      return false;
    } catch (EOFException e) {
      return true;
    } catch (IOException e) {
      return true; // reset by the broker
    } finally {
      try {
        socket.setSoTimeout(5_000);
      } catch (IOException ignored) {
        // closed
      }
    }
  }

  /** Nothing arrives within {@code quiet} (other than heartbeats). */
  boolean silentFor(Duration quiet) {
    long deadline = System.nanoTime() + quiet.toNanos();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return true;
        }
        socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
        try {
          Frame frame = read();
          if (!(frame.type() == RESPONSE && frame.text().equals("_heartbeat_"))) {
            return false;
          }
        } catch (UncheckedIOException e) {
          if (e.getCause() instanceof SocketTimeoutException) {
            return true;
          }
          throw e;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      try {
        socket.setSoTimeout(5_000);
      } catch (IOException ignored) {
        // closed
      }
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }
}
