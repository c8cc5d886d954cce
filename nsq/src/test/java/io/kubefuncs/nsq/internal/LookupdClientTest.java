package io.kubefuncs.nsq.internal;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubefuncs.nsq.NsqException;
import io.kubefuncs.testkit.ClosedPort;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * LookupdClient against servers that answer what nsqlookupd would not (the real nsqlookupd's
 * answers are read in ClusterTest and DiscoveryTest): each a real socket that reads one request and
 * writes a canned answer.
 */
class LookupdClientTest {
  private final LookupdClient client = new LookupdClient(Duration.ofSeconds(5));

  @Test
  void asksForTheV1BodiesOnAConnectionOfItsOwnAndReadsTheAnswerToTheEnd() throws Exception {
    try (Server server =
        new Server(
            "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"channels\":[\"fn\"]}")) {
      assertThat(client.channels(server.address(), "a b").join()).containsExactly("fn");
      assertThat(server.request.get())
          .startsWith("GET /channels?topic=a+b HTTP/1.1\r\n")
          .contains(
              "\r\nAccept: application/vnd.nsq; version=1.0\r\n", "\r\nConnection: close\r\n");
    }
    try (Server server =
        new Server(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n14\r\n{\"topics\":[\"a\",\"b\"]}\r\n0\r\n\r\n")) {
      assertThat(client.topics(server.address()).join()).containsExactly("a", "b");
    }
  }

  @Test
  void notFoundIsNoProducersForALookupButAnErrorForTheNodes() throws Exception {
    String notFound = "HTTP/1.0 404 Not Found\r\n\r\n{\"message\":\"TOPIC_NOT_FOUND\"}";
    try (Server server = new Server(notFound)) {
      assertThat(client.lookup(server.address(), "t").join()).isEmpty();
    }
    try (Server server = new Server(notFound)) {
      assertThatThrownBy(() -> client.nodes(server.address()).join())
          .isInstanceOf(CompletionException.class)
          .cause()
          .isInstanceOf(NsqException.class)
          .hasMessage(
              "nsqlookupd "
                  + server.address()
                  + " answered GET /nodes with HTTP 404: {\"message\":\"TOPIC_NOT_FOUND\"}");
    }
  }

  @Test
  void answersThatAreNotHttpOrNotTheJsonExpectedAreErrorsNamingTheServer() throws Exception {
    try (Server server = new Server("+OK\r\n")) {
      // The JDK's client asks once more after an answer it cannot read; this server takes one
      // connection.
      assertThatThrownBy(() -> client.topics(server.address()).join())
          .cause()
          .isInstanceOf(NsqException.class)
          .hasMessageStartingWith("nsqlookupd " + server.address() + " ")
          .hasMessageContaining(" GET /topics");
    }
    try (Server server = new Server("HTTP/1.0 200 OK\r\n\r\n<html>busy</html>")) {
      assertThatThrownBy(() -> client.topics(server.address()).join())
          .cause()
          .hasMessageStartingWith(
              "nsqlookupd "
                  + server.address()
                  + " answered GET /topics with a body that is not the JSON expected: ");
    }
  }

  @Test
  void aServerThatIsNotThereIsAnErrorNamingIt() {
    try (ClosedPort closed = ClosedPort.reserve()) {
      String address = closed.address();
      assertThatThrownBy(() -> client.topics(address).join())
          .cause()
          .hasMessageStartingWith("nsqlookupd " + address + " did not answer GET /topics: ");
    }
  }

  /** Takes one connection, reads its request head, writes {@code answer} and closes. */
  private static final class Server implements AutoCloseable {
    private final ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    final CompletableFuture<String> request = new CompletableFuture<>();

    Server(String answer) throws IOException {
      Thread.ofVirtual()
          .start(
              () -> {
                try (Socket s = socket.accept()) {
                  BufferedReader in =
                      new BufferedReader(new InputStreamReader(s.getInputStream(), ISO_8859_1));
                  StringBuilder head = new StringBuilder();
                  for (String line = in.readLine();
                      line != null && !line.isEmpty();
                      line = in.readLine()) {
                    head.append(line).append("\r\n");
                  }
                  request.complete(head.toString());
                  s.getOutputStream().write(answer.getBytes(ISO_8859_1));
                } catch (IOException e) {
                  request.completeExceptionally(new UncheckedIOException(e));
                }
              });
    }

    String address() {
      return "127.0.0.1:" + socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
