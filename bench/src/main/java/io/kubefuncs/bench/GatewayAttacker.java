package io.kubefuncs.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hostile clients of issue 12 against a gateway on this machine, for {@code
 * bench/gateway-attack.sh}: slowloris connections (headers a byte at a time), idle keep-alive
 * connections, pipeliners that never read their answers, and slow request bodies. Each kind keeps
 * its number of connections open, opening a new one when the gateway closes one, until the time is
 * up; then everything is closed. Bounded in connections and in time; it only ever connects to the
 * address it is given.
 *
 * <p>{@code GatewayAttacker <port> <seconds> [connections per kind] [kinds] [from]}, against
 * 127.0.0.1; kinds is a comma-separated subset of slowloris,idle,never-read,slow-body (default:
 * all), to tell which attack costs the normal clients what; from is the local address its
 * connections come from (default 127.0.0.2: another client than the normal load on 127.0.0.1, as an
 * attacker is another host; 127.0.0.1 plays one that shares the normal clients' address).
 */
public final class GatewayAttacker {
  private static final byte[] PIPELINED =
      "GET /test/attack HTTP/1.1\r\nHost: bench\r\n\r\n"
          .repeat(64)
          .getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SLOW_HEADERS =
      "GET /test/slow HTTP/1.1\r\nHost: bench\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SLOW_BODY_HEAD =
      "POST /test/body HTTP/1.1\r\nHost: bench\r\nContent-Length: 1000000\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII);

  private final InetSocketAddress target;
  private final InetSocketAddress from;
  private final long deadline;
  private final AtomicLong opened = new AtomicLong();
  private final AtomicLong closedByGateway = new AtomicLong();

  private GatewayAttacker(InetSocketAddress target, InetSocketAddress from, long deadline) {
    this.target = target;
    this.from = from;
    this.deadline = deadline;
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    long seconds = Long.parseLong(args[1]);
    int perKind = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    InetSocketAddress from = new InetSocketAddress(args.length > 4 ? args[4] : "127.0.0.2", 0);
    GatewayAttacker attacker =
        new GatewayAttacker(
            new InetSocketAddress("127.0.0.1", port),
            from,
            System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds));
    Map<String, Attack> all =
        Map.of(
            "slowloris",
            attacker::slowloris,
            "idle",
            attacker::idle,
            "never-read",
            attacker::neverRead,
            "slow-body",
            attacker::slowBody);
    List<Attack> kinds = new ArrayList<>();
    for (String name :
        (args.length > 3 ? args[3] : "slowloris,idle,never-read,slow-body").split(",")) {
      Attack kind = all.get(name);
      if (kind == null) {
        System.err.println(
            "GatewayAttacker: unknown kind '" + name + "'; known: " + new TreeSet<>(all.keySet()));
        System.exit(2);
      }
      kinds.add(kind);
    }
    ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    for (Attack kind : kinds) {
      for (int i = 0; i < perKind; i++) {
        threads.submit(() -> attacker.keep(kind));
      }
    }
    threads.shutdown();
    threads.awaitTermination(seconds + 30, TimeUnit.SECONDS);
    System.out.printf(
        "attacker: %d connections opened, %d closed by the gateway%n",
        attacker.opened.get(), attacker.closedByGateway.get());
  }

  @FunctionalInterface
  private interface Attack {
    /** Works one connection until the gateway closes it (IOException) or the time is up. */
    void run(Socket socket, OutputStream out) throws IOException, InterruptedException;
  }

  private boolean running() {
    return System.nanoTime() < deadline;
  }

  /** One connection of this kind at a time, for as long as the attack runs. */
  private Void keep(Attack attack) throws InterruptedException {
    while (running()) {
      try (Socket socket = new Socket()) {
        socket.bind(from);
        socket.connect(target, 2_000);
        opened.incrementAndGet();
        attack.run(socket, socket.getOutputStream());
      } catch (IOException closed) {
        closedByGateway.incrementAndGet();
        Thread.sleep(100); // not a busy loop of reconnects
      }
    }
    return null;
  }

  private void slowloris(Socket socket, OutputStream out) throws IOException, InterruptedException {
    out.write(SLOW_HEADERS);
    while (running()) {
      out.write('x');
      out.flush();
      Thread.sleep(1_000);
    }
  }

  private void idle(Socket socket, OutputStream out) throws IOException, InterruptedException {
    out.write("GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    socket.setSoTimeout(1_000); // to notice the end of the attack while the connection sits idle
    byte[] answer = new byte[4096];
    while (running()) {
      try {
        if (socket.getInputStream().read(answer) < 0) {
          throw new IOException("closed by the gateway");
        }
      } catch (SocketTimeoutException stillIdle) {
        // reads its answer, then sits on the connection
      }
    }
  }

  private void neverRead(Socket socket, OutputStream out) throws IOException, InterruptedException {
    socket.setReceiveBufferSize(4096);
    while (running()) {
      out.write(PIPELINED);
      out.flush();
    }
  }

  private void slowBody(Socket socket, OutputStream out) throws IOException, InterruptedException {
    out.write(SLOW_BODY_HEAD);
    byte[] chunk = new byte[100];
    while (running()) {
      out.write(chunk);
      out.flush();
      Thread.sleep(1_000);
    }
  }
}
