package io.kubefuncs.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubefuncs.Client;
import io.kubefuncs.GatewayResponse;
import io.kubefuncs.testkit.MetricsText;
import io.kubefuncs.testkit.NsqExtension;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The attacks of issue 12, over real sockets against a real gateway and nsqd, with timeouts short
 * enough for a test. Throughout each, a normal client keeps calling a function through the gateway
 * and must be answered within a second every time, and the memory Netty has allocated (request
 * bodies, answers waiting to be sent) must stay under {@link #MEMORY_BOUND}.
 */
class HostileClientsTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();

  static final Duration HEADER_TIMEOUT = Duration.ofMillis(300);
  static final Duration BODY_TIMEOUT = Duration.ofMillis(300);
  static final Duration IDLE_TIMEOUT = Duration.ofMillis(500);
  static final Duration WRITE_TIMEOUT = Duration.ofMillis(500);
  static final int MAX_BODY = 64 * 1024;
  static final long BODY_BUDGET = 8L * MAX_BODY;

  /** Netty's buffers for everything in this JVM, nsqd connections included, under attack. */
  static final long MEMORY_BOUND = 64L << 20;

  static final Duration NORMAL_ANSWER = Duration.ofSeconds(1);

  /**
   * How long an attack's closes may take to be seen: the timeouts above, with room for a busy CI
   * machine.
   */
  static final Duration CLOSED_WITHIN = Duration.ofSeconds(10);

  static final String ROUTES =
      "routes:\n  /echo/: echo\n  /large/: large\n  /slow/: slow\n  /counted/: counted\n";

  /**
   * What GatewayAttacker's pipeliners send (bench/gateway-attack.sh), in one write: requests with
   * no body, as many as fit in the smallest read the gateway makes, and more than {@link
   * ConnectionTimeouts#MAX_PIPELINE_DEPTH}.
   */
  static final byte[] PIPELINED =
      "GET /counted/ HTTP/1.1\r\nHost: t\r\n\r\n".repeat(64).getBytes(StandardCharsets.US_ASCII);

  /** Calls of the function behind /counted/. */
  static final AtomicLong counted = new AtomicLong();

  static final ObjectMapper JSON = new ObjectMapper();
  static Client functions;
  static TestGateway gateway;
  static final ExecutorService attackers = Executors.newCachedThreadPool();

  Probe probe;

  @BeforeAll
  static void start() throws IOException {
    String nsqd = nsq.nsqdProcess().tcpAddress();
    functions =
        Client.builder()
            .nsqd(nsqd)
            .clientId("functions")
            .registry(new PrometheusRegistry())
            .build();
    functions
        .on(
            "echo",
            "default",
            msg -> msg.respond(GatewayResponse.ok("echo " + msg.http().body().length)))
        .ready()
        .join();
    functions
        .on(
            "slow",
            "default",
            msg -> {
              Thread.sleep(
                  IDLE_TIMEOUT
                      .multipliedBy(2)
                      .toMillis()); // the function's own pace, longer than every timeout above
              msg.respond(GatewayResponse.ok("slow"));
            })
        .ready()
        .join();
    functions
        .on(
            "counted",
            "default",
            msg -> {
              counted.incrementAndGet();
              msg.respond(GatewayResponse.ok("counted"));
            })
        .ready()
        .join();
    byte[] large = new byte[900 * 1024];
    functions.on("large", "default", msg -> msg.respond(GatewayResponse.ok(large))).ready().join();
    // Without the abuse cooldown, so that each attack meets the limit it is about: the cooldown
    // has a gateway of its own, in its test.
    gateway =
        TestGateway.builder(nsqd)
            .id("gw-hostile")
            .routes(ROUTES)
            .timeouts(HEADER_TIMEOUT, BODY_TIMEOUT, IDLE_TIMEOUT, WRITE_TIMEOUT)
            .maxBodyBytes(MAX_BODY)
            .bodyBudgetBytes(BODY_BUDGET)
            .abuseCooldown(Duration.ZERO)
            .start()
            .awaitHealthy();
    warmUp();
  }

  /**
   * Serves each kind of request the attacks send a few thousand times first. The claim is about a
   * gateway that has served traffic: a cold JVM interprets the scrape of /metrics for its first
   * thousands of calls, which the first attack would otherwise measure (2.3 s against 5 ms warm,
   * for the same pipelining attack on a gateway process).
   */
  private static void warmUp() throws IOException {
    String requests =
        ("GET /metrics HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
                + "POST /echo/ HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello")
            .repeat(10);
    try (RawHttp raw = new RawHttp(gateway.port())) {
      for (int i = 0; i < 200; i++) {
        raw.send(requests);
        for (int answer = 0; answer < 30; answer++) {
          raw.read();
        }
      }
    }
  }

  @AfterAll
  static void stop() {
    attackers.shutdownNow();
    if (gateway != null) {
      gateway.close();
    }
    if (functions != null) {
      functions.close();
    }
  }

  @BeforeEach
  void startProbe() throws Exception {
    probe = new Probe();
    probe.await(3); // answered before the attack starts
  }

  @AfterEach
  void normalClientWasServedThroughout(org.junit.jupiter.api.TestInfo test) throws Exception {
    probe.await(3); // and after it
    probe.stop();
    System.out.printf(
        "%s: %d normal answers, slowest %d ms, Netty memory at most %d MiB%n",
        test.getDisplayName(),
        probe.answered.get(),
        probe.slowest.get() / 1_000_000,
        probe.mostMemory.get() >> 20);
    assertThat(probe.failures).as("normal requests that failed").isEmpty();
    assertThat(Duration.ofNanos(probe.slowest.get()))
        .as("slowest normal answer")
        .isLessThan(NORMAL_ANSWER);
    assertThat(probe.mostMemory.get())
        .as("most memory Netty had allocated")
        .isLessThan(MEMORY_BOUND);
  }

  @Test
  void slowlorisConnectionsAreClosedAtTheHeaderTimeout() throws Exception {
    double before = closed("header_timeout");
    List<Socket> sockets = connect(200);
    for (Socket s : sockets) {
      write(s, "GET /echo/ HTTP/1.1\r\nHost: t\r\n");
    }
    // A header line every 100 ms: never idle, never done.
    ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
    trickle.scheduleAtFixedRate(
        () -> sockets.forEach(s -> write(s, "X-Slow: 1\r\n")), 100, 100, TimeUnit.MILLISECONDS);
    try {
      await("slowloris closed")
          .atMost(CLOSED_WITHIN)
          .until(() -> closed("header_timeout") - before >= sockets.size());
      assertAllClosedByServer(sockets);
    } finally {
      trickle.shutdownNow();
      closeAll(sockets);
    }
  }

  @Test
  void connectionsThatSendNothingAreClosedAtTheHeaderTimeout() throws Exception {
    double before = closed("header_timeout");
    List<Socket> sockets = connect(1000);
    try {
      await("idle connections closed")
          .atMost(CLOSED_WITHIN)
          .until(() -> closed("header_timeout") - before >= sockets.size());
      assertAllClosedByServer(sockets);
    } finally {
      closeAll(sockets);
    }
  }

  @Test
  void keepAliveConnectionsAreClosedAtTheIdleTimeoutAfterTheirAnswer() throws Exception {
    double before = closed("idle_timeout");
    List<RawHttp> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 200; i++) {
        RawHttp raw = new RawHttp(gateway.port());
        clients.add(raw);
        assertThat(raw.send("GET /echo/ HTTP/1.1\r\nHost: t\r\n\r\n").read().status())
            .isEqualTo(200);
      }
      long answered = System.nanoTime();
      for (RawHttp raw : clients) {
        assertThat(raw.closedByServer()).isTrue();
      }
      assertThat(Duration.ofNanos(System.nanoTime() - answered))
          .isGreaterThanOrEqualTo(IDLE_TIMEOUT.minusMillis(50));
      await("idle closes counted")
          .atMost(CLOSED_WITHIN)
          .until(() -> closed("idle_timeout") - before >= clients.size());
    } finally {
      for (RawHttp raw : clients) {
        raw.close();
      }
    }
  }

  @Test
  void aClientWaitingForASlowFunctionIsNotTimedOut() throws Exception {
    try (RawHttp raw = new RawHttp(gateway.port())) {
      RawHttp.Response r =
          raw.send("POST /slow/ HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi").read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("slow");
    }
  }

  @Test
  void bodiesThatStopArrivingAreClosedAtTheBodyTimeout() throws Exception {
    double before = closed("body_timeout");
    List<Socket> sockets = connect(100);
    try {
      for (Socket s : sockets) {
        write(s, "POST /echo/ HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n0123456789");
      }
      await("slow bodies closed")
          .atMost(CLOSED_WITHIN)
          .until(() -> closed("body_timeout") - before >= sockets.size());
      assertAllClosedByServer(sockets);
    } finally {
      closeAll(sockets);
    }
  }

  @Test
  void neverEndingChunkedBodiesAreRefusedOnceOverTheLimit() throws Exception {
    byte[] chunk = ("2000\r\n" + "c".repeat(0x2000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    List<Socket> sockets = connect(20);
    CountDownLatch ended = new CountDownLatch(sockets.size());
    ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
    try {
      for (Socket s : sockets) {
        attackers.execute(
            () -> {
              try {
                OutputStream out = s.getOutputStream();
                out.write(
                    "POST /echo/ HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                while (!Thread.currentThread().isInterrupted()) {
                  out.write(chunk);
                }
              } catch (IOException closed) {
                statuses.add(statusOf(s));
              } finally {
                ended.countDown();
              }
            });
      }
      assertThat(ended.await(CLOSED_WITHIN.toMillis(), TimeUnit.MILLISECONDS))
          .as("every sender stopped by the gateway")
          .isTrue();
      assertThat(statuses)
          .as("413 over the limit, or 503 over the shared budget, or reset before it was read")
          .isSubsetOf(413, 503, -1);
    } finally {
      closeAll(sockets);
    }
  }

  @Test
  void aClientThatPipelinesAndNeverReadsItsAnswersIsNotReadEitherAndIsClosed() throws Exception {
    double before = closed("write_timeout") + closed("pipeline_depth");
    // Each request costs what a normal client's does, a scrape of /metrics the most; and the kernel
    // takes megabytes of answers before the gateway can see that the client is not reading.
    byte[] requests =
        "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
            .repeat(100)
            .getBytes(StandardCharsets.US_ASCII);
    try (Socket s = new Socket()) {
      s.setReceiveBufferSize(64 * 1024); // fills in a few answers: the test need not send gigabytes
      s.connect(new java.net.InetSocketAddress("127.0.0.1", gateway.port()));
      // On a thread of its own: a write blocks once the gateway stops reading, until it closes.
      Future<Long> sent =
          attackers.submit(
              () -> {
                long bytes = 0;
                try {
                  OutputStream out = s.getOutputStream();
                  while (true) {
                    out.write(requests);
                    bytes += requests.length;
                  }
                } catch (IOException closedByTheGateway) {
                  return bytes;
                }
              });
      long bytes = sent.get(CLOSED_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
      // Whichever comes first: an answer unsent for the write timeout, or too many requests
      // unanswered.
      await("close counted")
          .atMost(CLOSED_WITHIN)
          .until(() -> closed("write_timeout") + closed("pipeline_depth") - before >= 1);
      System.out.println(
          "never-read pipelining: "
              + bytes / 1024
              + " KiB of requests sent before the gateway closed");
    }
  }

  @Test
  void aClientThatPipelinesWithoutReadingCostsTheFunctionsAtMostSixteenCallsPerConnection()
      throws Exception {
    double before = closed("pipeline_depth");
    long callsBefore = counted.get();
    int connections = 5;
    long sent = 0;
    for (int i = 0; i < connections; i++) {
      sent += pipelineWithoutReading(gateway.port(), InetAddress.getLoopbackAddress());
    }
    await("closes counted")
        .atMost(CLOSED_WITHIN)
        .until(() -> closed("pipeline_depth") - before >= connections);
    // Every call published before a close is counted in flight at once: once none is, the
    // function has seen all of them.
    await("calls answered")
        .atMost(CLOSED_WITHIN)
        .until(() -> gateway.metrics().value("kubefuncs_gateway_calls_in_flight") == 0);
    long calls = counted.get() - callsBefore;
    System.out.printf(
        "never-read pipelining: %d requests sent on %d connections, %d function calls%n",
        sent, connections, calls);
    assertThat(sent)
        .as("requests sent")
        .isGreaterThan(connections * (long) ConnectionTimeouts.MAX_PIPELINE_DEPTH);
    assertThat(calls)
        .as("function calls")
        .isBetween((long) connections, connections * (long) PipelinedResponses.MAX_UNANSWERED);
  }

  @Test
  void anAddressWhoseConnectionPipelinedWithoutReadingGets503OnNewConnectionsUntilItsCooldownEnds()
      throws Exception {
    Duration cooldown = Duration.ofSeconds(3);
    InetAddress abuser = InetAddress.getByName("127.0.0.3");
    try (TestGateway cooling =
            TestGateway.builder(nsq.nsqdProcess().tcpAddress())
                .id("gw-cooldown")
                .routes(ROUTES)
                .abuseCooldown(cooldown)
                .start()
                .awaitHealthy();
        RawHttp neighbour = new RawHttp(cooling.port(), abuser)) {
      // A client behind the same address, connected before the abuse.
      assertThat(neighbour.send("GET /echo/ HTTP/1.1\r\nHost: t\r\n\r\n").read().status())
          .isEqualTo(200);
      pipelineWithoutReading(cooling.port(), abuser);
      long offence = System.nanoTime();
      assertThat(
              metrics(cooling)
                  .value(
                      "kubefuncs_gateway_connections_closed_total",
                      Map.of("reason", "pipeline_depth")))
          .isEqualTo(1);
      assertThat(metrics(cooling).value("kubefuncs_gateway_addresses_cooling_down")).isEqualTo(1);

      try (RawHttp refused = new RawHttp(cooling.port(), abuser)) {
        RawHttp.Response r = refused.send("GET /echo/ HTTP/1.1\r\nHost: t\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(503);
        assertThat(JSON.readTree(r.body()).path("error").asText()).isEqualTo("abuse_cooldown");
        assertThat(r.header("Retry-After")).isEqualTo("3");
        assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
        assertThat(refused.closedByServer()).isTrue();
      }
      assertThat(Duration.ofNanos(System.nanoTime() - offence))
          .as("refused within the cooldown")
          .isLessThan(cooldown);
      assertThat(
              metrics(cooling)
                  .value(
                      "kubefuncs_gateway_connections_closed_total",
                      Map.of("reason", "abuse_cooldown")))
          .isEqualTo(1);
      assertThat(neighbour.send("GET /echo/ HTTP/1.1\r\nHost: t\r\n\r\n").read().status())
          .as("a connection opened before the abuse is served as before")
          .isEqualTo(200);
      try (RawHttp other = new RawHttp(cooling.port())) {
        assertThat(other.send("GET /echo/ HTTP/1.1\r\nHost: t\r\n\r\n").read().status())
            .as("another address")
            .isEqualTo(200);
      }

      await("served again after the cooldown")
          .atMost(CLOSED_WITHIN)
          .until(
              () -> {
                try (RawHttp again = new RawHttp(cooling.port(), abuser)) {
                  return again.send("GET /echo/ HTTP/1.1\r\nHost: t\r\n\r\n").read().status()
                      == 200;
                }
              });
      assertThat(Duration.ofNanos(System.nanoTime() - offence))
          .as("not before the cooldown ended")
          .isGreaterThanOrEqualTo(cooldown);
      assertThat(metrics(cooling).value("kubefuncs_gateway_addresses_cooling_down")).isZero();
    }
  }

  @Test
  void aClientThatDoesNotReadALargeAnswerIsClosedAtTheWriteTimeout() throws Exception {
    double before = closed("write_timeout");
    try (Socket s = new Socket()) {
      s.setReceiveBufferSize(4096);
      s.connect(new java.net.InetSocketAddress("127.0.0.1", gateway.port()));
      // A few requests, far from the pipelining limit, whose answers (900 KiB each) overflow what
      // the kernel buffers of both ends hold.
      write(s, "GET /large/ HTTP/1.1\r\nHost: t\r\n\r\n".repeat(12));
      await("write timeout counted")
          .atMost(CLOSED_WITHIN)
          .until(() -> closed("write_timeout") - before >= 1);
    }
  }

  @Test
  void aSlowReaderThatKeepsReadingIsNotCutOff() throws Exception {
    // The kernel tells the gateway its socket can take more only once much of its send buffer
    // (megabytes, on loopback) has drained: a reader must be fast enough for that to happen
    // within a write timeout, and slow enough for the answers to take longer than one.
    Duration writeTimeout = Duration.ofSeconds(2);
    int answers = 8; // 7 MiB: more than the kernel buffers of both ends take at once
    try (TestGateway slowLink =
            TestGateway.builder(nsq.nsqdProcess().tcpAddress())
                .id("gw-slow-link")
                .routes("routes:\n  /large/: large\n")
                .timeouts(HEADER_TIMEOUT, BODY_TIMEOUT, Duration.ofSeconds(10), writeTimeout)
                .start()
                .awaitHealthy();
        Socket s = new Socket()) {
      s.setReceiveBufferSize(16 * 1024);
      s.connect(new java.net.InetSocketAddress("127.0.0.1", slowLink.port()));
      s.setSoTimeout((int) CLOSED_WITHIN.toMillis());
      write(s, "GET /large/ HTTP/1.1\r\nHost: t\r\n\r\n".repeat(answers));
      InputStream in = s.getInputStream();
      long expected = answers * 900L * 1024;
      long read = 0;
      long start = System.nanoTime();
      byte[] buffer = new byte[16 * 1024];
      for (int n; read < expected && (n = in.read(buffer)) > 0; read += n) {
        Thread.sleep(8); // the pace of a slow client, about 2 MB/s
      }
      assertThat(read).as("read all the answers' bodies at least").isGreaterThanOrEqualTo(expected);
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .as("slower than the write timeout")
          .isGreaterThan(writeTimeout);
    }
  }

  @Test
  void manyLargeBodiesAtOnceShareTheBudgetAndTheRestGet503() throws Exception {
    double before = closed("body_budget");
    String head = "POST /echo/ HTTP/1.1\r\nHost: t\r\nContent-Length: " + MAX_BODY + "\r\n\r\n";
    String almostAll = "b".repeat(MAX_BODY - 1);
    List<Socket> sockets = connect(40);
    try {
      for (Socket s : sockets) {
        write(s, head + almostAll); // and the last byte never comes
      }
      List<Integer> statuses = new ArrayList<>();
      for (Socket s : sockets) {
        statuses.add(statusOf(s));
      }
      // Those the budget covered wait for their last byte until the body timeout closes them (-1);
      // a refused client still sending when the gateway closes may lose its 503 to a reset (-1
      // too), so the refusals are counted by the gateway.
      assertThat(statuses)
          .as("only 503 or closed without an answer")
          .contains(503)
          .isSubsetOf(503, -1);
      await("refusals counted")
          .atMost(CLOSED_WITHIN)
          .until(() -> closed("body_budget") - before >= sockets.size() - BODY_BUDGET / MAX_BODY);
    } finally {
      closeAll(sockets);
    }
  }

  @Test
  void pastMaxConnectionsANewConnectionGetsA503AndTheOpenOnesAreServedAsBefore() throws Exception {
    int max = 20;
    try (TestGateway limited =
        TestGateway.builder(nsq.nsqdProcess().tcpAddress())
            .id("gw-limited")
            .routes("routes:\n  /echo/: echo\n")
            .maxConnections(max)
            .start()) {
      // Not through the JDK client, whose pool would keep a connection open, and count.
      await("healthy")
          .atMost(CLOSED_WITHIN)
          .until(
              () -> {
                try (RawHttp health = new RawHttp(limited.port())) {
                  return health
                          .send("GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
                          .read()
                          .status()
                      == 200;
                }
              });
      await("no connection open").atMost(CLOSED_WITHIN).until(() -> openConnections(limited) == 0);
      List<RawHttp> open = new ArrayList<>();
      try {
        for (int i = 0; i < max; i++) {
          RawHttp raw = new RawHttp(limited.port());
          open.add(raw);
          assertThat(raw.send("GET /echo/" + i + " HTTP/1.1\r\nHost: t\r\n\r\n").read().status())
              .isEqualTo(200);
        }
        for (int i = 0; i < 50; i++) {
          try (RawHttp refused = new RawHttp(limited.port())) {
            RawHttp.Response r = refused.send("GET /echo/ HTTP/1.1\r\nHost: t\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(503);
            assertThat(JSON.readTree(r.body()).path("error").asText())
                .isEqualTo("too_many_connections");
            assertThat(r.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(refused.closedByServer()).isTrue();
          }
        }
        for (RawHttp raw : open) {
          assertThat(raw.send("GET /echo/again HTTP/1.1\r\nHost: t\r\n\r\n").read().status())
              .isEqualTo(200);
        }
      } finally {
        for (RawHttp raw : open) {
          raw.close();
        }
      }
      assertThat(
              metrics(limited)
                  .value(
                      "kubefuncs_gateway_connections_closed_total",
                      Map.of("reason", "max_connections")))
          .isEqualTo(50);
    }
  }

  /** The gateway's metrics read from its registry, without a connection that would count. */
  private static MetricsText metrics(TestGateway g) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, g.registry.scrape());
    return new MetricsText(out.toString(StandardCharsets.UTF_8));
  }

  private static double openConnections(TestGateway g) throws IOException {
    return metrics(g).value("kubefuncs_gateway_connections");
  }

  @Test
  void bodiesOfCallsInFlightCountInTheBudgetUntilAnswered() throws Exception {
    // The slow function holds each call longer than it takes to send them all.
    String request =
        "POST /slow/ HTTP/1.1\r\nHost: t\r\nContent-Length: "
            + MAX_BODY
            + "\r\n\r\n"
            + "s".repeat(MAX_BODY);
    List<Socket> sockets = connect(12);
    try {
      for (Socket s : sockets) {
        write(s, request);
      }
      List<Integer> statuses = new ArrayList<>();
      for (Socket s : sockets) {
        statuses.add(statusOf(s));
      }
      assertThat(statuses).as("%s", statuses).contains(200, 503).isSubsetOf(200, 503);
      assertThat(statuses.stream().filter(st -> st == 200).count())
          .as("%s", statuses)
          .isLessThanOrEqualTo(BODY_BUDGET / MAX_BODY);
    } finally {
      closeAll(sockets);
    }
    // Every call's bytes came back: the whole budget is free again.
    try (RawHttp raw = new RawHttp(gateway.port())) {
      for (int i = 0; i < BODY_BUDGET / MAX_BODY; i++) {
        assertThat(
                raw.send(
                        "POST /echo/ HTTP/1.1\r\nHost: t\r\nContent-Length: "
                            + MAX_BODY
                            + "\r\n\r\n"
                            + "e".repeat(MAX_BODY))
                    .read()
                    .body())
            .isEqualTo("echo " + MAX_BODY);
      }
    }
  }

  // ---- the normal client ----

  /**
   * Calls the function through the gateway on a new connection every 20 ms, as a client behind the
   * attackers would, and notes the slowest answer, every failure, and Netty's memory.
   */
  final class Probe {
    final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    final AtomicLong slowest = new AtomicLong();
    final AtomicLong mostMemory = new AtomicLong();
    final AtomicLong answered = new AtomicLong();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    Probe() {
      timer.scheduleWithFixedDelay(this::once, 0, 20, TimeUnit.MILLISECONDS);
    }

    private void once() {
      long start = System.nanoTime();
      try (RawHttp raw = new RawHttp(gateway.port())) {
        RawHttp.Response r =
            raw.send("POST /echo/ HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello").read();
        if (r.status() != 200 || !r.body().equals("echo 5")) {
          failures.add(r.status() + " " + r.body());
        }
      } catch (IOException e) {
        failures.add(e.toString());
      }
      slowest.accumulateAndGet(System.nanoTime() - start, Math::max);
      mostMemory.accumulateAndGet(nettyMemory(), Math::max);
      answered.incrementAndGet();
    }

    /** Waits for {@code n} more normal answers. */
    void await(int n) {
      long target = answered.get() + n;
      org.awaitility.Awaitility.await("normal answers")
          .atMost(Duration.ofSeconds(10))
          .until(() -> answered.get() >= target);
    }

    void stop() throws InterruptedException {
      timer.shutdown();
      timer.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  static long nettyMemory() {
    ByteBufAllocatorMetric m = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
    return m.usedDirectMemory() + m.usedHeapMemory();
  }

  // ---- attackers' tools ----

  static double closed(String reason) {
    return gateway
        .metrics()
        .value("kubefuncs_gateway_connections_closed_total", Map.of("reason", reason));
  }

  static List<Socket> connect(int n) throws IOException {
    List<Socket> sockets = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Socket s = new Socket("127.0.0.1", gateway.port());
      s.setSoTimeout((int) CLOSED_WITHIN.toMillis());
      sockets.add(s);
    }
    return sockets;
  }

  /**
   * Connects from {@code from} with a small receive buffer, as GatewayAttacker does, and writes
   * {@link #PIPELINED} over and over without reading, until the gateway closes the connection;
   * returns how many requests it sent.
   */
  static long pipelineWithoutReading(int port, InetAddress from) throws Exception {
    Future<Long> sent =
        attackers.submit(
            () -> {
              long requests = 0;
              try (Socket s = new Socket()) {
                s.setReceiveBufferSize(4096);
                s.bind(new InetSocketAddress(from, 0));
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                OutputStream out = s.getOutputStream();
                while (true) {
                  out.write(PIPELINED);
                  requests += 64;
                }
              } catch (IOException closedByTheGateway) {
                return requests;
              }
            });
    return sent.get(CLOSED_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
  }

  static void write(Socket s, String text) {
    try {
      s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
    } catch (IOException closedByTheGateway) {
      // what these tests wait for
    }
  }

  /**
   * The status of the answer the gateway sent before closing, or -1 when it closed without one (or
   * reset).
   */
  static int statusOf(Socket s) {
    try {
      byte[] head = s.getInputStream().readNBytes(12);
      return head.length == 12
          ? Integer.parseInt(new String(head, 9, 3, StandardCharsets.US_ASCII))
          : -1;
    } catch (IOException reset) {
      return -1;
    }
  }

  static void assertAllClosedByServer(List<Socket> sockets) throws IOException {
    for (Socket s : sockets) {
      InputStream in = s.getInputStream();
      int first;
      try {
        first = in.read();
      } catch (java.net.SocketException reset) {
        first = -1;
      }
      assertThat(first).as("closed by the gateway without an answer").isEqualTo(-1);
    }
  }

  static void closeAll(List<Socket> sockets) {
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
