package io.kubefuncs.nsq;

import io.kubefuncs.nsq.internal.HostPort;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;

/**
 * One TCP connection to nsqd, after the V2 handshake. Everything here runs on the connection's
 * event loop: callers outside it hop on with {@link #eventLoop()} first. Commands that nsqd answers
 * are matched to their callbacks in order, as nsqd answers them in order.
 *
 * <p>Pipeline: TLS when configured (added once nsqd agreed to it) → idle detection (missed
 * heartbeats) → length-prefixed frames → {@link FrameHandler} (frame type dispatch); outbound,
 * commands are already encoded by {@link Commands}, and flushes are consolidated so that a burst of
 * FINs costs one syscall.
 */
final class NsqConnection {
  private static final System.Logger LOG = System.getLogger(NsqConnection.class.getName());

  /**
   * Whether the process has warned that nsqd asks for no AUTH though a secret is set: once is
   * enough.
   */
  private static final AtomicBoolean AUTH_SECRET_UNUSED_LOGGED = new AtomicBoolean();

  /** Told what happens on the connection; called on its event loop. */
  interface Listener {
    void onMessage(NsqConnection connection, NsqMessage message);

    /** Called once; {@code cause} is null when this side closed the connection. */
    void onClosed(NsqConnection connection, Throwable cause);

    /** The socket can take more bytes again after {@link #isWritable()} was false. */
    default void onWritable(NsqConnection connection) {}
  }

  final HostPort address;
  private final Channel channel;
  private final NsqConfig config;
  private final Listener listener;
  private final ArrayDeque<ResponseCallback> pending = new ArrayDeque<>();
  private IdentifyResponse identify = IdentifyResponse.LEGACY;
  private Throwable closeCause;
  private boolean closedByUs;

  private NsqConnection(HostPort address, Channel channel, NsqConfig config, Listener listener) {
    this.address = address;
    this.channel = channel;
    this.config = config;
    this.listener = listener;
  }

  /**
   * Dials nsqd, sends the magic and IDENTIFY, upgrades to TLS when configured, and sends AUTH when
   * nsqd asks for it.
   */
  static CompletableFuture<NsqConnection> connect(
      HostPort address, NsqConfig config, EventLoop loop, Listener listener) {
    CompletableFuture<NsqConnection> ready = new CompletableFuture<>();
    Bootstrap bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.dialTimeout.toMillis())
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    NsqConnection conn = new NsqConnection(address, ch, config, listener);
                    long idleMillis = config.heartbeatInterval.toMillis() * 2;
                    ch.pipeline()
                        .addLast(
                            "idle", new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS))
                        // Whatever nsqd's --max-msg-size lets through must be readable: a frame
                        // refused here would drop the connection, and the message would come
                        // back on the next one, forever.
                        .addLast(
                            "frames",
                            new LengthFieldBasedFrameDecoder(Integer.MAX_VALUE, 0, 4, 0, 4))
                        .addLast("flush", new FlushConsolidationHandler(256, true))
                        .addLast("nsq", conn.new FrameHandler());
                    ch.attr(Attrs.CONNECTION).set(conn);
                  }
                });
    ChannelFuture dial = bootstrap.connect(address.host(), address.port());
    dial.addListener(
        f -> {
          if (!f.isSuccess()) {
            ready.completeExceptionally(
                new NsqConnectionException(
                    "cannot connect to nsqd " + address + ": " + describe(f.cause()), f.cause()));
            return;
          }
          NsqConnection conn = dial.channel().attr(Attrs.CONNECTION).get();
          conn.handshake(ready);
        });
    return ready;
  }

  private void handshake(CompletableFuture<NsqConnection> ready) {
    channel.write(Commands.magic(channel.alloc()));
    send(
        Commands.identify(channel.alloc(), NsqJson.identifyBody(config)),
        new ResponseCallback() {
          @Override
          public void onResponse(ByteBuf data) {
            if (!Frames.contentEquals(data, Frames.OK)) {
              try {
                identify = NsqJson.identifyResponse(ByteBufUtil.getBytes(data));
              } catch (IOException e) {
                fail(
                    ready,
                    new NsqException(
                        "nsqd "
                            + address
                            + " sent an IDENTIFY response that is not the JSON expected: "
                            + e.getMessage(),
                        e));
                return;
              }
            }
            if (identify.snappy() || identify.deflate() || (identify.tls() && config.tls == null)) {
              fail(
                  ready,
                  new NsqException(
                      "nsqd " + address + " enabled TLS/snappy/deflate, which were not asked for"));
            } else if (config.tls == null) {
              authenticateIfAsked(ready);
            } else if (!identify.tls()) {
              fail(
                  ready,
                  new NsqException(
                      "nsqd "
                          + address
                          + " did not agree to TLS (its IDENTIFY answer has tls_v1 false):"
                          + " it needs --tls-cert and --tls-key"));
            } else {
              upgrade(ready);
            }
          }

          @Override
          public void onError(NsqException error) {
            fail(ready, error);
          }
        });
    channel.flush();
  }

  /**
   * nsqd switches to TLS right after its IDENTIFY answer and sends nothing before the client's
   * handshake, so nothing read in plain text is left in the frame decoder; its first frame over TLS
   * is an OK.
   */
  private void upgrade(CompletableFuture<NsqConnection> ready) {
    NsqTls tls = config.tls;
    pending.add(
        new ResponseCallback() {
          @Override
          public void onResponse(ByteBuf data) {
            if (Frames.contentEquals(data, Frames.OK)) {
              authenticateIfAsked(ready);
            } else {
              fail(
                  ready,
                  new NsqException(
                      "nsqd "
                          + address
                          + " answered the TLS upgrade with "
                          + Frames.text(data)
                          + ", not OK"));
            }
          }

          @Override
          public void onError(NsqException error) {
            // With TLS 1.3 nsqd checks the client certificate after the client's handshake is done:
            // its refusal comes as an alert in place of this OK, and closes the connection.
            fail(ready, error.getCause() instanceof NsqException why ? why : error);
          }
        });
    SslHandler handler = tls.newHandler(channel.alloc(), address);
    channel.pipeline().addFirst("tls", handler);
    handler
        .handshakeFuture()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                fail(ready, tls.failure(address, f.cause()));
              }
            });
  }

  private void authenticateIfAsked(CompletableFuture<NsqConnection> ready) {
    if (!identify.authRequired()) {
      if (config.authSecret != null && AUTH_SECRET_UNUSED_LOGGED.compareAndSet(false, true)) {
        LOG.log(
            System.Logger.Level.WARNING,
            "an AUTH secret is set, but nsqd "
                + address
                + " does not ask for AUTH (it runs without --auth-http-address): the secret is not used");
      }
      ready.complete(this);
      return;
    }
    if (config.authSecret == null) {
      fail(
          ready,
          new NsqException(
              "nsqd "
                  + address
                  + " requires AUTH (it runs with --auth-http-address) and no secret"
                  + " is set: set NSQ_AUTH_SECRET (NsqConfig.authSecret)"));
      return;
    }
    send(
        Commands.auth(channel.alloc(), config.authSecret),
        new ResponseCallback() {
          @Override
          public void onResponse(ByteBuf data) {
            ready.complete(NsqConnection.this);
          }

          @Override
          public void onError(NsqException error) {
            if (error instanceof NsqErrorException refusal
                && refusal.code().equals("E_AUTH_FAILED")) {
              // nsqd says no more, so that a client cannot probe its auth server.
              error =
                  new NsqErrorException(
                      address.toString(),
                      refusal.code(),
                      "AUTH failed: the auth server refused"
                          + " the secret (NSQ_AUTH_SECRET, NsqConfig.authSecret), or nsqd could not ask it");
            }
            fail(ready, error);
          }
        });
    channel.flush();
  }

  private void fail(CompletableFuture<NsqConnection> ready, NsqException error) {
    ready.completeExceptionally(error);
    closeCause = error;
    channel.close();
  }

  io.netty.buffer.ByteBufAllocator channelAlloc() {
    return channel.alloc();
  }

  EventLoop eventLoop() {
    return channel.eventLoop();
  }

  IdentifyResponse identify() {
    return identify;
  }

  boolean isActive() {
    return channel.isActive() && !closedByUs;
  }

  /** True while the socket can take more bytes without growing Netty's outbound buffer. */
  boolean isWritable() {
    return channel.isWritable();
  }

  /** Writes a command nsqd answers; {@code callback} gets the answer. Does not flush. */
  void send(ByteBuf command, ResponseCallback callback) {
    if (!channel.isActive()) {
      command.release();
      callback.onError(closedError());
      return;
    }
    pending.add(callback);
    channel.write(command, channel.voidPromise());
  }

  /** Writes a command nsqd does not answer (RDY, FIN, REQ, TOUCH, NOP) and flushes it. */
  void sendAndForget(ByteBuf command) {
    if (channel.isActive()) {
      channel.writeAndFlush(command, channel.voidPromise());
    } else {
      command.release();
    }
  }

  void flush() {
    channel.flush();
  }

  /** Closes the connection without waiting; pending commands fail. */
  void close() {
    closedByUs = true;
    channel.close();
  }

  private NsqConnectionException closedError() {
    String why = closeCause == null ? "" : ": " + describe(closeCause);
    return new NsqConnectionException(
        "connection to nsqd " + address + " closed" + why, closeCause);
  }

  private static String describe(Throwable t) {
    return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
  }

  @Override
  public String toString() {
    return "nsqd " + address;
  }

  /** Dispatches frames by type; the length prefix is already gone. */
  private final class FrameHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf frame = (ByteBuf) msg;
      try {
        int type = frame.readInt();
        switch (type) {
          case Frames.TYPE_RESPONSE -> onResponse(frame);
          case Frames.TYPE_ERROR -> onError(frame);
          case Frames.TYPE_MESSAGE -> onMessage(frame);
          default ->
              protocolError(
                  "nsqd "
                      + address
                      + " sent frame type "
                      + type
                      + ", which protocol V2 does not have");
        }
      } finally {
        frame.release();
      }
    }

    private void onResponse(ByteBuf data) {
      if (Frames.contentEquals(data, Frames.HEARTBEAT)) {
        sendAndForget(Commands.nop(channel.alloc()));
        return;
      }
      ResponseCallback callback = pending.poll();
      if (callback == null) {
        protocolError(
            "nsqd "
                + address
                + " sent a response no command was waiting for: "
                + Frames.text(data));
        return;
      }
      callback.onResponse(data);
    }

    private void onError(ByteBuf data) {
      String text = Frames.text(data);
      int space = text.indexOf(' ');
      String code = space < 0 ? text : text.substring(0, space);
      String detail = space < 0 ? "" : text.substring(space + 1);
      NsqErrorException error = new NsqErrorException(address.toString(), code, detail);
      if (Frames.isNonFatal(code)) {
        LOG.log(System.Logger.Level.WARNING, error.getMessage());
        return;
      }
      closeCause = error;
      ResponseCallback callback = pending.poll();
      if (callback != null) {
        callback.onError(error);
      } else {
        LOG.log(System.Logger.Level.WARNING, error.getMessage());
      }
      // nsqd closes the connection after a fatal error; closing here too makes that certain.
      channel.close();
    }

    private void onMessage(ByteBuf data) {
      if (data.readableBytes() < Frames.MESSAGE_HEADER_SIZE) {
        protocolError(
            "nsqd "
                + address
                + " sent a message frame of "
                + data.readableBytes()
                + " bytes, shorter than its header");
        return;
      }
      long timestamp = data.readLong();
      int attempts = data.readUnsignedShort();
      byte[] id = new byte[Frames.MESSAGE_ID_SIZE];
      data.readBytes(id);
      byte[] body = new byte[data.readableBytes()];
      data.readBytes(body);
      listener.onMessage(
          NsqConnection.this, new NsqMessage(NsqConnection.this, id, timestamp, attempts, body));
    }

    private void protocolError(String message) {
      closeCause = new NsqException(message);
      LOG.log(System.Logger.Level.WARNING, message);
      channel.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        closeCause =
            new NsqConnectionException(
                "nsqd "
                    + address
                    + " sent nothing, not even a heartbeat, for "
                    + config.heartbeatInterval.multipliedBy(2).toMillis()
                    + " ms: connection presumed dead");
        LOG.log(System.Logger.Level.WARNING, closeCause.getMessage());
        channel.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (closeCause == null) {
        // An alert from nsqd after the handshake (TLS 1.3 checks client certificates then) comes as
        // a decoder error.
        closeCause =
            config.tls != null && cause.getCause() instanceof SSLException
                ? config.tls.failure(address, cause)
                : cause;
      }
      LOG.log(
          System.Logger.Level.WARNING,
          "closing connection to nsqd " + address + ": " + describe(closeCause));
      channel.close();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (channel.isWritable()) {
        listener.onWritable(NsqConnection.this);
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      NsqConnectionException error = closedError();
      ResponseCallback callback;
      while ((callback = pending.poll()) != null) {
        callback.onError(error);
      }
      listener.onClosed(NsqConnection.this, closedByUs && closeCause == null ? null : error);
    }
  }

  private static final class Attrs {
    static final io.netty.util.AttributeKey<NsqConnection> CONNECTION =
        io.netty.util.AttributeKey.valueOf(NsqConnection.class, "connection");
  }
}
