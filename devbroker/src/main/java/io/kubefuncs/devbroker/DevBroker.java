package io.kubefuncs.devbroker;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An in-memory nsqd and nsqlookupd for one machine: what {@code kubefuncs dev} runs so that a
 * newcomer needs nothing but a JDK, and what tests can start in-process. <b>Never use it in
 * production</b>: production runs the real nsqd and nsqlookupd, and this broker keeps every message
 * in memory only (a message it holds is lost when the process ends).
 *
 * <p>It speaks nsqd's TCP protocol V2 and HTTP API and nsqlookupd's HTTP API and TCP protocol V1,
 * as nsqd and nsqlookupd v1.3.0 do, with the same error codes, so that NSQ clients (ours, go-nsq)
 * and NSQ's own tools work against it unchanged. The embedded nsqlookupd always lists the embedded
 * nsqd; a real nsqd started with {@code --lookupd-tcp-address} can register with it too. TLS,
 * snappy, deflate and AUTH are declined the way an nsqd without them declines them.
 *
 * <p>Messages stay in memory: each topic and channel holds up to {@code memQueueSize} of them
 * (1,000,000 by default, nsqd's flag of that name). Where nsqd would then write to disk, the broker
 * refuses the publish with {@code E_PUB_FAILED} (HTTP 503), except on {@code #ephemeral} topics and
 * channels, which drop the excess exactly as nsqd does.
 *
 * <p>One thread owns everything: all connections, topics and channels live on a single event loop,
 * so the broker needs no locks. Its threads are daemon threads: a program that only runs the broker
 * must keep its own main thread alive until it wants the broker gone.
 *
 * <pre>{@code
 * try (DevBroker broker = DevBroker.builder().tcpPort(0).httpPort(0)
 *         .lookupdTcpPort(0).lookupdHttpPort(0).start()) {
 *   InetSocketAddress nsqd = broker.tcpAddress();
 *   ...
 * }
 * }</pre>
 */
public final class DevBroker implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(DevBroker.class.getName());

  private final EventLoopGroup group;
  private final List<Channel> listeners;
  private final ChannelGroup connections;
  private final InetSocketAddress tcpAddress;
  private final InetSocketAddress httpAddress;
  private final InetSocketAddress lookupdTcpAddress;
  private final InetSocketAddress lookupdHttpAddress;
  private boolean closed;

  private DevBroker(EventLoopGroup group, List<Channel> listeners, ChannelGroup connections) {
    this.group = group;
    this.listeners = listeners;
    this.connections = connections;
    this.tcpAddress = (InetSocketAddress) listeners.get(0).localAddress();
    this.httpAddress = (InetSocketAddress) listeners.get(1).localAddress();
    this.lookupdTcpAddress = (InetSocketAddress) listeners.get(2).localAddress();
    this.lookupdHttpAddress = (InetSocketAddress) listeners.get(3).localAddress();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The nsqd TCP (protocol V2) address actually bound: with port 0, the port the system chose. */
  public InetSocketAddress tcpAddress() {
    return tcpAddress;
  }

  /** The nsqd HTTP address actually bound. */
  public InetSocketAddress httpAddress() {
    return httpAddress;
  }

  /** The nsqlookupd TCP (protocol V1) address actually bound. */
  public InetSocketAddress lookupdTcpAddress() {
    return lookupdTcpAddress;
  }

  /** The nsqlookupd HTTP address actually bound. */
  public InetSocketAddress lookupdHttpAddress() {
    return lookupdHttpAddress;
  }

  /** nsqd's TCP address as {@code host:port}: what {@code Client.builder().nsqd(...)} takes. */
  public String nsqd() {
    return hostPort(tcpAddress.getHostString(), tcpAddress.getPort());
  }

  /**
   * nsqlookupd's HTTP address as {@code host:port}: what {@code Client.builder().lookupd(...)}
   * takes.
   */
  public String lookupd() {
    return hostPort(lookupdHttpAddress.getHostString(), lookupdHttpAddress.getPort());
  }

  /**
   * Stops listening, closes every client connection and releases the broker's thread. Messages
   * still held are dropped. Safe to call more than once.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    for (Channel listener : listeners) {
      listener.close().awaitUninterruptibly();
    }
    connections.close().awaitUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    LOG.log(System.Logger.Level.DEBUG, "dev broker on {0} closed", tcpAddress);
  }

  @Override
  public String toString() {
    return "DevBroker[nsqd tcp "
        + tcpAddress
        + ", http "
        + httpAddress
        + "; nsqlookupd tcp "
        + lookupdTcpAddress
        + ", http "
        + lookupdHttpAddress
        + "]";
  }

  /** Settings, named after nsqd's flags. Every one has nsqd's default. */
  public static final class Builder {
    private String host = "127.0.0.1";
    private int tcpPort = 4150;
    private int httpPort = 4151;
    private int lookupdTcpPort = 4160;
    private int lookupdHttpPort = 4161;
    private Duration msgTimeout = Duration.ofSeconds(60);
    private int maxMsgSize = 1024 * 1024;
    private long memQueueSize = Options.DEFAULT_MEM_QUEUE_SIZE;

    private Builder() {}

    /** The address every listener binds to; default {@code 127.0.0.1}. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** nsqd's TCP port (protocol V2); default 4150, 0 for any free port. */
    public Builder tcpPort(int port) {
      this.tcpPort = checkPort(port);
      return this;
    }

    /** nsqd's HTTP port; default 4151, 0 for any free port. */
    public Builder httpPort(int port) {
      this.httpPort = checkPort(port);
      return this;
    }

    /** nsqlookupd's TCP port (protocol V1); default 4160, 0 for any free port. */
    public Builder lookupdTcpPort(int port) {
      this.lookupdTcpPort = checkPort(port);
      return this;
    }

    /** nsqlookupd's HTTP port; default 4161, 0 for any free port. */
    public Builder lookupdHttpPort(int port) {
      this.lookupdHttpPort = checkPort(port);
      return this;
    }

    /**
     * nsqd's {@code --msg-timeout}: how long a delivered message may stay unanswered before it is
     * delivered again, for clients that do not IDENTIFY one of their own; default 60 s. From 1 s to
     * 15 min (nsqd's {@code --max-msg-timeout}).
     */
    public Builder msgTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.compareTo(Duration.ofSeconds(1)) < 0
          || timeout.compareTo(Duration.ofMinutes(15)) > 0) {
        throw new IllegalArgumentException("msgTimeout must be from 1s to 15m, not " + timeout);
      }
      this.msgTimeout = timeout;
      return this;
    }

    /**
     * nsqd's {@code --max-msg-size}: the largest message body in bytes; default 1048576 (1 MiB).
     */
    public Builder maxMsgSize(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxMsgSize must be positive, not " + bytes);
      }
      this.maxMsgSize = bytes;
      return this;
    }

    /**
     * nsqd's {@code --mem-queue-size}: the most messages one topic or channel holds; default
     * 1,000,000. nsqd writes the excess to disk; the dev broker has no disk queue, so it refuses
     * publishes beyond it ({@code E_PUB_FAILED}, HTTP 503), and drops the excess of {@code
     * #ephemeral} topics and channels as nsqd does.
     */
    public Builder memQueueSize(long messages) {
      if (messages < 1) {
        throw new IllegalArgumentException("memQueueSize must be positive, not " + messages);
      }
      this.memQueueSize = messages;
      return this;
    }

    /**
     * Binds all four listeners and starts the broker.
     *
     * @throws BindException when a port is taken, naming the listener and its address, e.g. {@code
     *     nsqd TCP 127.0.0.1:4150 is in use}
     */
    public DevBroker start() throws IOException {
      return DevBroker.start(
          new Options(
              host,
              tcpPort,
              httpPort,
              lookupdTcpPort,
              lookupdHttpPort,
              msgTimeout.toNanos(),
              maxMsgSize,
              memQueueSize));
    }

    private static int checkPort(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be from 0 to 65535, not " + port);
      }
      return port;
    }
  }

  private static DevBroker start(Options options) throws IOException {
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("devbroker", true), NioIoHandler.newFactory());
    List<Channel> listeners = new ArrayList<>(4);
    EventLoop loop = group.next();
    ChannelGroup connections = new DefaultChannelGroup("devbroker connections", loop);
    try {
      Lookupd lookupd = new Lookupd(options);
      Nsqd nsqd = new Nsqd(options, loop, lookupd);
      HttpApi nsqdApi = new NsqdHttp(nsqd).api();
      HttpApi lookupdApi = new LookupdHttp(lookupd).api();
      String host = options.host();
      listeners.add(
          listen(
              group,
              connections,
              host,
              options.tcpPort(),
              "nsqd TCP",
              p -> p.addLast(new ProtocolV2(nsqd))));
      listeners.add(
          listen(group, connections, host, options.httpPort(), "nsqd HTTP", nsqdApi::addTo));
      listeners.add(
          listen(
              group,
              connections,
              host,
              options.lookupdTcpPort(),
              "nsqlookupd TCP",
              p -> p.addLast(new LookupProtocolV1(lookupd))));
      listeners.add(
          listen(
              group,
              connections,
              host,
              options.lookupdHttpPort(),
              "nsqlookupd HTTP",
              lookupdApi::addTo));
      InetSocketAddress tcp = (InetSocketAddress) listeners.get(0).localAddress();
      InetSocketAddress http = (InetSocketAddress) listeners.get(1).localAddress();
      InetSocketAddress lookupdTcp = (InetSocketAddress) listeners.get(2).localAddress();
      InetSocketAddress lookupdHttp = (InetSocketAddress) listeners.get(3).localAddress();
      loop.submit(
              () -> {
                lookupd.start(lookupdTcp.getPort(), lookupdHttp.getPort());
                nsqd.start(tcp, http.getPort());
              })
          .syncUninterruptibly();
    } catch (IOException | RuntimeException e) {
      for (Channel listener : listeners) {
        listener.close().awaitUninterruptibly();
      }
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
      throw e;
    }
    DevBroker broker = new DevBroker(group, listeners, connections);
    LOG.log(System.Logger.Level.DEBUG, "started {0}", broker);
    return broker;
  }

  private static Channel listen(
      EventLoopGroup group,
      ChannelGroup connections,
      String host,
      int port,
      String listener,
      Consumer<ChannelPipeline> pipeline)
      throws IOException {
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childHandler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    connections.add(ch);
                    pipeline.accept(ch.pipeline());
                  }
                });
    ChannelFuture bound = bootstrap.bind(host, port).awaitUninterruptibly();
    if (bound.isSuccess()) {
      return bound.channel();
    }
    String where = listener + " " + hostPort(host, port);
    Throwable cause = bound.cause();
    if (cause instanceof BindException) {
      String reason = String.valueOf(cause.getMessage());
      BindException e =
          new BindException(
              reason.contains("in use") ? where + " is in use" : where + ": " + reason);
      e.initCause(cause);
      throw e;
    }
    throw new IOException("cannot listen on " + where + ": " + cause.getMessage(), cause);
  }

  static String hostPort(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
