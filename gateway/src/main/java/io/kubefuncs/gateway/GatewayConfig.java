package io.kubefuncs.gateway;

import io.kubefuncs.nsq.NsqTls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a gateway is started with. Made by {@link #builder(Path)}: only the routes file is required;
 * everything else has the default {@code kubefuncs gateway} documents.
 */
public final class GatewayConfig {
  private final String listenHost;
  private final int listenPort;
  private final Path routesFile;
  private final String nsqdAddress;
  private final String nsqdHttpAddress;
  private final List<String> lookupdAddresses;
  private final String gatewayId;
  private final Duration defaultTimeout;
  private final boolean exposeFunctionErrors;
  private final Duration reloadInterval;
  private final Limits limits;
  private final NsqTls nsqTls;
  private final String nsqAuthSecret;

  private GatewayConfig(Builder b) {
    listenHost = b.listenHost;
    listenPort = b.listenPort;
    routesFile = b.routesFile;
    nsqdAddress = b.nsqdAddress;
    nsqdHttpAddress = b.nsqdHttpAddress;
    lookupdAddresses = b.lookupdAddresses;
    gatewayId = b.gatewayId;
    defaultTimeout = b.defaultTimeout;
    exposeFunctionErrors = b.exposeFunctionErrors;
    reloadInterval = b.reloadInterval;
    limits = b.limits;
    nsqTls = b.nsqTls;
    nsqAuthSecret = b.nsqAuthSecret;
  }

  /** A gateway routing by {@code routesFile}, the YAML/JSON routes file, watched for changes. */
  public static Builder builder(Path routesFile) {
    return new Builder(routesFile);
  }

  /** Empty for every interface. */
  public String listenHost() {
    return listenHost;
  }

  /** 0 for any free port. */
  public int listenPort() {
    return listenPort;
  }

  public Path routesFile() {
    return routesFile;
  }

  /** The nsqd to publish to ({@code host:4150}). */
  public String nsqdAddress() {
    return nsqdAddress;
  }

  /**
   * That nsqd's HTTP address, where the routes' topics are created when routes are loaded; null to
   * create none.
   */
  public String nsqdHttpAddress() {
    return nsqdHttpAddress;
  }

  /** nsqlookupd HTTP addresses; empty to use the one nsqd only. */
  public List<String> lookupdAddresses() {
    return lookupdAddresses;
  }

  /** Names the gateway's return topic. */
  public String gatewayId() {
    return gatewayId;
  }

  /** For routes that set none. */
  public Duration defaultTimeout() {
    return defaultTimeout;
  }

  /** Whether a 502 carries the function's error text. */
  public boolean exposeFunctionErrors() {
    return exposeFunctionErrors;
  }

  /** How often the routes file is read for changes. */
  public Duration reloadInterval() {
    return reloadInterval;
  }

  public Limits limits() {
    return limits;
  }

  /** TLS to nsqd; {@code null} for plain TCP. */
  public NsqTls nsqTls() {
    return nsqTls;
  }

  /** Sent with AUTH when nsqd asks for it; {@code null} for none. */
  public String nsqAuthSecret() {
    return nsqAuthSecret;
  }

  /** Without the AUTH secret, which must not reach a log. */
  @Override
  public String toString() {
    return "GatewayConfig[listen="
        + listenHost
        + ":"
        + listenPort
        + ", routes="
        + routesFile
        + ", nsqd="
        + nsqdAddress
        + ", lookupd="
        + lookupdAddresses
        + ", id="
        + gatewayId
        + ", tls="
        + (nsqTls != null)
        + ", authSecret="
        + (nsqAuthSecret != null ? "(set)" : "(unset)")
        + "]";
  }

  public static final class Builder {
    private final Path routesFile;
    private String listenHost = "";
    private int listenPort = 8080;
    private String nsqdAddress = "127.0.0.1:4150";
    private String nsqdHttpAddress;
    private List<String> lookupdAddresses = List.of();
    private String gatewayId = "kubefuncs-gateway";
    private Duration defaultTimeout = Duration.ofSeconds(30);
    private boolean exposeFunctionErrors = true;
    private Duration reloadInterval = Duration.ofSeconds(1);
    private Limits limits = Limits.DEFAULTS;
    private NsqTls nsqTls;
    private String nsqAuthSecret;

    private Builder(Path routesFile) {
      this.routesFile = Objects.requireNonNull(routesFile, "routesFile");
    }

    /**
     * Where to listen: {@code host} empty for every interface, {@code port} 0 for any free one
     * (default :8080).
     */
    public Builder listen(String host, int port) {
      this.listenHost = Objects.requireNonNull(host);
      this.listenPort = port;
      return this;
    }

    /** The nsqd to publish to (default 127.0.0.1:4150). */
    public Builder nsqd(String tcpAddress) {
      this.nsqdAddress = Objects.requireNonNull(tcpAddress);
      return this;
    }

    /**
     * That nsqd's HTTP address, where routed topics are created; null (the default) to create none.
     */
    public Builder nsqdHttp(String httpAddress) {
      this.nsqdHttpAddress = httpAddress;
      return this;
    }

    /** nsqlookupd HTTP addresses (default none: the one nsqd only). */
    public Builder lookupd(List<String> httpAddresses) {
      this.lookupdAddresses = List.copyOf(httpAddresses);
      return this;
    }

    /**
     * Names the gateway's return topic (default kubefuncs-gateway; the command gives the host
     * name).
     */
    public Builder gatewayId(String id) {
      this.gatewayId = Objects.requireNonNull(id);
      return this;
    }

    /** The timeout of routes that set none (default 30 s). */
    public Builder defaultTimeout(Duration timeout) {
      this.defaultTimeout = Objects.requireNonNull(timeout);
      return this;
    }

    /** Whether a 502 carries the function's error text (default true). */
    public Builder exposeFunctionErrors(boolean expose) {
      this.exposeFunctionErrors = expose;
      return this;
    }

    /** How often the routes file is read for changes (default 1 s). */
    public Builder reloadInterval(Duration interval) {
      this.reloadInterval = Objects.requireNonNull(interval);
      return this;
    }

    /** What clients may hold of the gateway (default {@link Limits#DEFAULTS}). */
    public Builder limits(Limits limits) {
      this.limits = Objects.requireNonNull(limits);
      return this;
    }

    /**
     * TLS to nsqd ({@code null}, the default: plain TCP) and the AUTH secret ({@code null}: none).
     */
    public Builder nsqSecurity(NsqTls tls, String authSecret) {
      this.nsqTls = tls;
      this.nsqAuthSecret = authSecret;
      return this;
    }

    public GatewayConfig build() {
      return new GatewayConfig(this);
    }
  }

  /**
   * What one client, and all of them together, may hold of the gateway: time, connections and
   * buffered bytes. The defaults keep the gateway within its chart's 512 MiB under the attacks that
   * docs/gateway.md lists (its "Limits" section gives the arithmetic).
   *
   * @param headerTimeout from a request's first byte to the end of its headers
   * @param bodyTimeout the longest wait for more of a request body
   * @param idleTimeout how long a keep-alive connection with nothing to do stays open
   * @param writeTimeout the longest the answers waiting for a client may go without it taking any
   *     of their bytes
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

    public static final Limits DEFAULTS =
        new Limits(
            Duration.ofSeconds(10),
            Duration.ofSeconds(10),
            Duration.ofSeconds(75),
            Duration.ofSeconds(10),
            4096,
            NSQ_MESSAGE_BODY,
            64L << 20,
            Duration.ofSeconds(10));
  }
}
