package io.kubefuncs.gateway;

import io.kubefuncs.nsq.NsqTls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * @param listenHost empty for every interface
 * @param routesFile the YAML/JSON routes file, watched for changes
 * @param nsqdAddress the nsqd to publish to ({@code host:4150})
 * @param nsqdHttpAddress that nsqd's HTTP address ({@code host:4151}), where the routes' topics
 *     are created when routes are loaded; null to create none
 * @param lookupdAddresses nsqlookupd HTTP addresses; empty to use the one nsqd only
 * @param gatewayId names the gateway's return topic; the hostname by default
 * @param defaultTimeout for routes that set none
 * @param exposeFunctionErrors whether a 502 carries the function's error text
 * @param limits what clients may hold of the gateway
 * @param nsqTls TLS to nsqd; {@code null} for plain TCP
 * @param nsqAuthSecret sent with AUTH when nsqd asks for it; {@code null} for none
 */
public record GatewayConfig(
    String listenHost,
    int listenPort,
    Path routesFile,
    String nsqdAddress,
    String nsqdHttpAddress,
    List<String> lookupdAddresses,
    String gatewayId,
    Duration defaultTimeout,
    boolean exposeFunctionErrors,
    Duration reloadInterval,
    Limits limits,
    NsqTls nsqTls,
    String nsqAuthSecret) {

  /** Plain TCP to nsqd, without AUTH. */
  public GatewayConfig(String listenHost, int listenPort, Path routesFile, String nsqdAddress, String nsqdHttpAddress,
      List<String> lookupdAddresses, String gatewayId, Duration defaultTimeout, boolean exposeFunctionErrors,
      Duration reloadInterval, Limits limits) {
    this(listenHost, listenPort, routesFile, nsqdAddress, nsqdHttpAddress, lookupdAddresses, gatewayId, defaultTimeout,
        exposeFunctionErrors, reloadInterval, limits, null, null);
  }

  /** Without the AUTH secret, which must not reach a log. */
  @Override
  public String toString() {
    return "GatewayConfig[listen=" + listenHost + ":" + listenPort + ", routes=" + routesFile + ", nsqd=" + nsqdAddress
        + ", lookupd=" + lookupdAddresses + ", id=" + gatewayId + ", tls=" + (nsqTls != null)
        + ", authSecret=" + (nsqAuthSecret != null ? "(set)" : "(unset)") + "]";
  }

  /**
   * What one client, and all of them together, may hold of the gateway: time, connections and
   * buffered bytes. The defaults keep the gateway within its chart's 512 MiB under the attacks
   * that docs/gateway.md lists (its "Limits" section gives the arithmetic).
   *
   * @param headerTimeout from a request's first byte to the end of its headers
   * @param bodyTimeout the longest wait for more of a request body
   * @param idleTimeout how long a keep-alive connection with nothing to do stays open
   * @param writeTimeout the longest the answers waiting for a client may go without it taking any of their bytes
   * @param maxConnections open connections beyond which a new one gets 503 and is closed
   * @param maxBodyBytes larger request bodies get 413
   * @param bodyBudgetBytes the request bodies all connections together may hold, from their first
   *     byte until their call is answered
   * @param abuseCooldown how long new connections from an address are refused after one of its
   *     connections was closed for pipelining too deep; zero for never
   */
  public record Limits(
      Duration headerTimeout,
      Duration bodyTimeout,
      Duration idleTimeout,
      Duration writeTimeout,
      int maxConnections,
      int maxBodyBytes,
      long bodyBudgetBytes,
      Duration abuseCooldown) {

    /** The largest body one NSQ message can carry as an event, at nsqd's default --max-msg-size. */
    public static final int NSQ_MESSAGE_BODY = GatewayHandler.MAX_EVENT_PAYLOAD;

    public static final Limits DEFAULTS = new Limits(
        Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(75), Duration.ofSeconds(10),
        4096, NSQ_MESSAGE_BODY, 64L << 20, Duration.ofSeconds(10));
  }
}
