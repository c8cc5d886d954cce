package io.kubefuncs.conformance;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A deliberately bare NSQ TCP client, to see exactly what a broker sends: it writes commands as
 * given, reads frames one at a time and answers nothing by itself (no NOP to heartbeats, no FIN),
 * so that nothing a real client would smooth over goes unnoticed.
 *
 * <p>Each command goes out in a single write, as real clients send it; a broker that rejects a
 * command before reading its body then has no unread bytes left, so it closes with a FIN rather
 * than a reset that could swallow its error frame.
 */
final class WireClient implements AutoCloseable {
  /**
   * How long a read waits for a frame the test expects; generous, only a failing test waits it out.
   */
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  /**
   * How long a deferred or timed-out message may take to arrive. Real nsqd looks for due messages
   * only in the channels of a list it refreshes every 5 s, so on a channel created moments ago the
   * first one can be that much late.
   */
  static final Duration LATE_DELIVERY_TIMEOUT = Duration.ofSeconds(12);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] MAGIC_V2 = "  V2".getBytes(US_ASCII);
  private static final int MAX_FRAME_SIZE = 16 * 1024 * 1024;

  private final Socket socket;
  private final DataInputStream in;

  private WireClient(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
  }

  /** Connects and sends the protocol magic {@code " V2"}. */
  static WireClient connect(Broker broker) {
    WireClient client = open(broker.tcpAddress());
    client.write(MAGIC_V2);
    return client;
  }

  /**
   * A connection subscribed to {@code topic}/{@code channel} that is ready for {@code rdy}
   * messages.
   */
  static WireClient consumer(Broker broker, String topic, String channel, int rdy) {
    WireClient client = connect(broker);
    try {
      client.subscribe(topic, channel);
      client.send("RDY " + rdy);
      return client;
    } catch (RuntimeException | Error e) {
      client.close();
      throw e;
    }
  }

  /** Connects without sending anything, to test what happens before the magic. */
  static WireClient open(InetSocketAddress address) {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.connect(address, (int) TIMEOUT.toMillis());
      return new WireClient(socket);
    } catch (IOException e) {
      try {
        socket.close();
      } catch (IOException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw new UncheckedIOException("cannot connect to " + address, e);
    }
  }

  /** This end's {@code host:port}, as the broker reports it in {@code remote_address}. */
  String localHostPort() {
    return socket.getLocalAddress().getHostAddress() + ":" + socket.getLocalPort();
  }

  void write(byte[] bytes) {
    try {
      socket.getOutputStream().write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write to " + socket.getRemoteSocketAddress(), e);
    }
  }

  /** A command without a body, e.g. {@code "SUB orders billing"}; the newline is added. */
  void send(String command) {
    write((command + "\n").getBytes(UTF_8));
  }

  /** A command followed by a body: {@code command\n[size int32][body]}, as PUB, DPUB, IDENTIFY. */
  void send(String command, byte[] body) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(bytes);
    try {
      data.write((command + "\n").getBytes(UTF_8));
      data.writeInt(body.length);
      data.write(body);
    } catch (IOException e) {
      throw new AssertionError("a byte array stream does not fail", e);
    }
    write(bytes.toByteArray());
  }

  /**
   * A command that announces a body of {@code size} bytes and sends none of it, to see a broker
   * refuse on the size alone.
   */
  void sendSizeOnly(String command, int size) {
    byte[] line = (command + "\n").getBytes(UTF_8);
    write(ByteBuffer.allocate(line.length + 4).put(line).putInt(size).array());
  }

  /** MPUB's body: {@code [size int32][count int32]} then {@code [size int32][message]} for each. */
  void sendMulti(String command, List<byte[]> messages) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    DataOutputStream data = new DataOutputStream(body);
    try {
      data.writeInt(messages.size());
      for (byte[] message : messages) {
        data.writeInt(message.length);
        data.write(message);
      }
    } catch (IOException e) {
      throw new AssertionError("a byte array stream does not fail", e);
    }
    send(command, body.toByteArray());
  }

  /** Sends IDENTIFY with exactly these fields; the caller reads the answer. */
  void sendIdentify(Map<String, ?> fields) {
    try {
      send("IDENTIFY", JSON.writeValueAsBytes(fields));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** IDENTIFY with {@code feature_negotiation}, returning the broker's JSON answer. */
  JsonNode negotiate(Map<String, ?> fields) {
    Map<String, Object> all = new LinkedHashMap<>(fields);
    all.put("feature_negotiation", true);
    sendIdentify(all);
    Frame frame = read();
    assertThat(frame.type())
        .as("answer to IDENTIFY with feature_negotiation: %s", frame)
        .isEqualTo(Frame.RESPONSE);
    try {
      return JSON.readTree(frame.data());
    } catch (IOException e) {
      throw new AssertionError("IDENTIFY answered with something that is not JSON: " + frame, e);
    }
  }

  /** SUB, expecting {@code OK}. */
  void subscribe(String topic, String channel) {
    send("SUB " + topic + " " + channel);
    expectOk();
  }

  /** PUB of one message, expecting {@code OK}. */
  void publish(String topic, String body) {
    send("PUB " + topic, body.getBytes(UTF_8));
    expectOk();
  }

  /**
   * Proves the connection still works after a non-fatal error: a PUB is acknowledged, which nsqd
   * allows in every state, and no error frame is pending before its {@code OK}.
   */
  void assertOpen() {
    publish("conformance-alive", "still there?");
  }

  Frame read() {
    return read(TIMEOUT);
  }

  Frame read(Duration timeout) {
    try {
      socket.setSoTimeout(Math.toIntExact(timeout.toMillis()));
      int first = in.read();
      if (first == -1) {
        throw new AssertionError("the broker closed the connection instead of sending a frame");
      }
      return readFrameAfter(first);
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no frame within " + timeout.toMillis() + " ms", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read a frame", e);
    }
  }

  void expectOk() {
    expectResponse("OK");
  }

  void expectResponse(String text) {
    Frame frame = read();
    // Compared as text, so that a failure shows both frames, type included.
    assertThat(frame.toString())
        .isEqualTo(new Frame(Frame.RESPONSE, text.getBytes(UTF_8)).toString());
  }

  /**
   * Reads an error frame and checks its code, the word clients act on; the rest of the text is for
   * humans and not compared. Returns the whole text.
   */
  String expectError(String code) {
    Frame frame = read();
    assertThat(frame.type()).as("expected error %s, got %s", code, frame).isEqualTo(Frame.ERROR);
    assertThat(frame.text()).as("error frame").matches(code + "( .*)?");
    return frame.text();
  }

  MessageFrame expectMessage() {
    return expectMessage(TIMEOUT);
  }

  MessageFrame expectMessage(Duration timeout) {
    Frame frame = read(timeout);
    assertThat(frame.type()).as("expected a message, got %s", frame).isEqualTo(Frame.MESSAGE);
    return MessageFrame.decode(frame.data());
  }

  /** The broker closes the connection (FIN or reset) without sending anything more. */
  void assertClosedByBroker() {
    try {
      socket.setSoTimeout(Math.toIntExact(TIMEOUT.toMillis()));
      int first = in.read();
      if (first == -1) {
        return;
      }
      throw new AssertionError(
          "expected the broker to close the connection, but it sent more: "
              + readFrameAfter(first));
    } catch (SocketTimeoutException e) {
      throw new AssertionError(
          "the broker kept the connection open for "
              + TIMEOUT.toMillis()
              + " ms; it should have closed it",
          e);
    } catch (SocketException e) {
      // connection reset: closed as well
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The frames that arrive until the broker closes the connection, which it must do within {@link
   * #TIMEOUT} of the last frame.
   */
  List<Frame> framesUntilClosed() {
    List<Frame> frames = new ArrayList<>();
    try {
      socket.setSoTimeout(Math.toIntExact(TIMEOUT.toMillis()));
      while (true) {
        int first = in.read();
        if (first == -1) {
          return frames;
        }
        frames.add(readFrameAfter(first));
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError(
          "the broker kept the connection open for "
              + TIMEOUT.toMillis()
              + " ms after "
              + frames
              + "; it should have closed it",
          e);
    } catch (SocketException e) {
      return frames; // connection reset: closed as well
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Nothing arrives for {@code quiet}: the broker holds back what it must not send yet. */
  void assertSilentFor(Duration quiet) {
    try {
      socket.setSoTimeout(Math.toIntExact(quiet.toMillis()));
      int first = in.read();
      throw new AssertionError(
          "expected nothing for "
              + quiet.toMillis()
              + " ms, got "
              + (first == -1 ? "the connection closed" : readFrameAfter(first)));
    } catch (SocketTimeoutException expected) {
      // silence, as required
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The frame whose first size byte has been read already. */
  private Frame readFrameAfter(int firstByte) throws IOException {
    int size = (firstByte << 24) | (in.readUnsignedByte() << 16) | in.readUnsignedShort();
    if (size < 4 || size > MAX_FRAME_SIZE) {
      throw new AssertionError("frame size " + size + " is not between 4 and " + MAX_FRAME_SIZE);
    }
    int type = in.readInt();
    byte[] data = new byte[size - 4];
    in.readFully(data);
    return new Frame(type, data);
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
