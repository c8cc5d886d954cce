package io.kubefuncs.nsq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real nsqd never sends broken frames, so these cases use a scripted peer on a real socket: it
 * completes the handshake as nsqd would, then answers the first command with whatever the test
 * gives it.
 */
class MisbehavingNsqdTest {
  private ServerSocket server;
  private Thread peer;

  @BeforeEach
  void listen() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  @AfterEach
  void shutdown() throws Exception {
    server.close();
    if (peer != null) {
      peer.join(5_000);
    }
  }

  @Test
  void unknownFrameTypeFailsThePublishWithAClearError() throws Exception {
    answerFirstCommandWith(frame(9, "??"));
    try (NsqProducer producer = NsqProducer.create(address(), fastFailing())) {
      assertThatThrownBy(() -> producer.publish("t", new byte[] {1}).join())
          .isInstanceOf(CompletionException.class)
          .cause()
          .isInstanceOf(NsqConnectionException.class)
          .hasMessageContaining("sent frame type 9, which protocol V2 does not have");
    }
  }

  @Test
  void frameLongerThanProtocolV2AllowsFailsThePublishWithAClearError() throws Exception {
    // Any length up to int32 is read (nsqd delivers what its --max-msg-size let in); one beyond
    // can only be a broken stream.
    answerFirstCommandWith(new byte[64], -16);
    try (NsqProducer producer = NsqProducer.create(address(), fastFailing())) {
      assertThatThrownBy(() -> producer.publish("t", new byte[] {1}).join())
          .cause()
          .hasMessageContaining("frame length exceeds 2147483647");
    }
  }

  @Test
  void silentPeerIsDetectedAsDeadAfterTwoHeartbeatIntervals() throws Exception {
    answerFirstCommandWith(null);
    NsqConfig config = fastFailing().toBuilder().heartbeatInterval(Duration.ofSeconds(1)).build();
    long start = System.nanoTime();
    try (NsqProducer producer = NsqProducer.create(address(), config)) {
      assertThatThrownBy(() -> producer.publish("t", new byte[] {1}).get(10, TimeUnit.SECONDS))
          .cause()
          .hasMessageContaining("sent nothing, not even a heartbeat, for 2000 ms");
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
  }

  /**
   * The publish fails as soon as the connection is known bad, rather than being retried for long.
   */
  private static NsqConfig fastFailing() {
    return NsqConfig.builder()
        .publishTimeout(Duration.ofMillis(1500))
        .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(200))
        .build();
  }

  private String address() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  private static final int NO_OVERRIDE = Integer.MIN_VALUE;

  private void answerFirstCommandWith(byte[] reply) {
    answerFirstCommandWith(reply, NO_OVERRIDE);
  }

  /**
   * Plays nsqd for every connection: magic, IDENTIFY → OK, then {@code reply} to the next command.
   */
  private void answerFirstCommandWith(byte[] reply, int lengthOverride) {
    peer =
        Thread.ofVirtual()
            .start(
                () -> {
                  while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                      DataInputStream in = new DataInputStream(s.getInputStream());
                      DataOutputStream out = new DataOutputStream(s.getOutputStream());
                      in.readFully(new byte[4]);
                      readLine(in);
                      in.readFully(new byte[in.readInt()]);
                      out.write(frame(0, "OK"));
                      readLine(in);
                      if (reply != null) {
                        if (lengthOverride != NO_OVERRIDE) {
                          out.writeInt(lengthOverride);
                        }
                        out.write(reply);
                        out.flush();
                      }
                      // Hold the socket until the client gives up on it.
                      while (in.read() >= 0) {}
                    } catch (IOException e) {
                      // the client hung up or the test ended
                    }
                  }
                });
  }

  private static String readLine(DataInputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != '\n') {
      if (c < 0) {
        throw new IOException("eof");
      }
      sb.append((char) c);
    }
    return sb.toString();
  }

  private static byte[] frame(int type, String data) {
    byte[] d = data.getBytes(StandardCharsets.US_ASCII);
    byte[] f = new byte[8 + d.length];
    int size = 4 + d.length;
    f[0] = (byte) (size >>> 24);
    f[1] = (byte) (size >>> 16);
    f[2] = (byte) (size >>> 8);
    f[3] = (byte) size;
    f[7] = (byte) type;
    System.arraycopy(d, 0, f, 8, d.length);
    return f;
  }
}
