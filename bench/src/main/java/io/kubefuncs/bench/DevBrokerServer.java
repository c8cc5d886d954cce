package io.kubefuncs.bench;

import io.kubefuncs.devbroker.DevBroker;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the dev broker in a JVM of its own, as {@code kubefuncs dev} would, so that {@code
 * bench/devbroker.sh} measures it apart from the client, as it measures nsqd. Prints {@code READY
 * <tcp> <http>} once listening and serves until the process is told to stop.
 *
 * <pre>
 * DevBrokerServer [--tcp-port 0] [--http-port 0] [--mem-queue-size 1000000]
 * </pre>
 */
public final class DevBrokerServer {
  private DevBrokerServer() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new HashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) {
      if (!argv[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --key value, got " + argv[i]);
      }
      args.put(argv[i].substring(2), argv[i + 1]);
    }
    DevBroker broker =
        DevBroker.builder()
            .tcpPort(Integer.parseInt(args.getOrDefault("tcp-port", "0")))
            .httpPort(Integer.parseInt(args.getOrDefault("http-port", "0")))
            .lookupdTcpPort(0)
            .lookupdHttpPort(0)
            .memQueueSize(Long.parseLong(args.getOrDefault("mem-queue-size", "1000000")))
            .start();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  broker.close();
                  stopped.countDown();
                }));
    System.out.println(
        "READY " + hostPort(broker.tcpAddress()) + " " + hostPort(broker.httpAddress()));
    System.out.flush();
    // The broker's threads are daemons: this thread keeps the JVM up until SIGTERM/SIGINT.
    stopped.await();
  }

  private static String hostPort(java.net.InetSocketAddress address) {
    return address.getAddress().getHostAddress() + ":" + address.getPort();
  }
}
