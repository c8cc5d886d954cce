package io.kubefuncs.devbroker;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * nsqlookupd's TCP protocol V1, which nsqd speaks to announce itself: IDENTIFY, REGISTER,
 * UNREGISTER and PING, each answered with a size-prefixed response. Every error is fatal, as in
 * nsqlookupd. When the connection ends, the nsqd's registrations go with it.
 */
final class LookupProtocolV1 extends ByteToMessageDecoder {
  private static final byte[] MAGIC = {' ', ' ', 'V', '1'};

  /** nsqlookupd reads lines without a limit; this one stops a client sending an endless line. */
  private static final int MAX_LINE = 64 * 1024;

  private final Lookupd lookupd;
  private ChannelHandlerContext ctx;
  private boolean magicRead;
  private boolean done;
  private Lookupd.PeerInfo peer;

  LookupProtocolV1(Lookupd lookupd) {
    this.lookupd = lookupd;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    super.channelInactive(ctx);
    if (peer != null) {
      lookupd.disconnected(peer);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    super.userEventTriggered(ctx, event);
    if (event instanceof ChannelInputShutdownEvent) {
      done = true;
      ctx.close();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    done = true;
    ctx.close();
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (done) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (!magicRead) {
      if (in.readableBytes() < MAGIC.length) {
        return;
      }
      for (int i = 0; i < MAGIC.length; i++) {
        if (in.getByte(in.readerIndex() + i) != MAGIC[i]) {
          fail(in, "E_BAD_PROTOCOL");
          return;
        }
      }
      in.skipBytes(MAGIC.length);
      magicRead = true;
    }
    while (!done && in.isReadable()) {
      int start = in.readerIndex();
      int lineEnd = in.indexOf(start, in.writerIndex(), (byte) '\n');
      if (lineEnd < 0) {
        if (in.readableBytes() > MAX_LINE) {
          fail(in, "E_INVALID line too long");
        }
        return;
      }
      String[] params =
          in.toString(start, lineEnd - start, StandardCharsets.ISO_8859_1).strip().split(" ", -1);
      try {
        if (!execute(in, params, lineEnd + 1)) {
          return;
        }
      } catch (ProtocolError e) {
        fail(in, e.frameText());
      }
    }
  }

  /** False while IDENTIFY's body has not all arrived. */
  private boolean execute(ByteBuf in, String[] params, int bodyStart) {
    switch (params[0]) {
      case "PING" -> {
        in.readerIndex(bodyStart);
        if (peer != null) {
          peer.lastUpdateNanos = System.nanoTime();
        }
        respond("OK");
      }
      case "IDENTIFY" -> {
        return identify(in, bodyStart);
      }
      case "REGISTER", "UNREGISTER" -> {
        in.readerIndex(bodyStart);
        if (peer == null) {
          throw ProtocolError.fatal("E_INVALID", "client must IDENTIFY");
        }
        String command = params[0];
        if (params.length < 2) {
          throw ProtocolError.fatal("E_INVALID", command + " insufficient number of params");
        }
        String topic = params[1];
        String channel = params.length >= 3 ? params[2] : "";
        if (!Names.isValid(topic)) {
          throw ProtocolError.fatal(
              "E_BAD_TOPIC", command + " topic name '" + topic + "' is not valid");
        }
        if (!channel.isEmpty() && !Names.isValid(channel)) {
          throw ProtocolError.fatal(
              "E_BAD_CHANNEL", command + " channel name '" + channel + "' is not valid");
        }
        if (command.equals("REGISTER")) {
          lookupd.register(peer, topic, channel);
        } else {
          lookupd.unregister(peer, topic, channel);
        }
        respond("OK");
      }
      default -> throw ProtocolError.fatal("E_INVALID", "invalid command " + params[0]);
    }
    return true;
  }

  private boolean identify(ByteBuf in, int bodyStart) {
    if (peer != null) {
      throw ProtocolError.fatal("E_INVALID", "cannot IDENTIFY again");
    }
    if (in.writerIndex() - bodyStart < 4) {
      return false;
    }
    int size = in.getInt(bodyStart);
    if (size < 0 || size > lookupd.options.maxBodySize()) {
      throw ProtocolError.fatal("E_BAD_BODY", "IDENTIFY failed to read body size");
    }
    if (in.writerIndex() - bodyStart - 4 < size) {
      return false;
    }
    byte[] body = new byte[size];
    in.getBytes(bodyStart + 4, body);
    in.readerIndex(bodyStart + 4 + size);
    InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
    String remoteAddress =
        DevBroker.hostPort(remote.getAddress().getHostAddress(), remote.getPort());
    Map<String, Object> fields = new LinkedHashMap<>();
    try {
      for (Iterator<Map.Entry<String, JsonNode>> it = GoJson.object(body).fields();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (field.getValue().isNull()) {
          continue;
        }
        String key = field.getKey().toLowerCase(Locale.ROOT);
        switch (key) {
          case "hostname", "broadcast_address", "version", "remote_address" ->
              fields.put(key, GoJson.string(key, field.getValue()));
          case "tcp_port", "http_port" ->
              fields.put(
                  key,
                  (int)
                      GoJson.integer(key, field.getValue(), Integer.MIN_VALUE, Integer.MAX_VALUE));
          default -> {
            // ignored, as by Go's decoder
          }
        }
      }
    } catch (GoJson.InvalidBody e) {
      throw ProtocolError.fatal("E_BAD_BODY", "IDENTIFY failed to decode JSON body");
    }
    String broadcastAddress = (String) fields.getOrDefault("broadcast_address", "");
    int tcpPort = (int) fields.getOrDefault("tcp_port", 0);
    int httpPort = (int) fields.getOrDefault("http_port", 0);
    String version = (String) fields.getOrDefault("version", "");
    if (broadcastAddress.isEmpty() || tcpPort == 0 || httpPort == 0 || version.isEmpty()) {
      throw ProtocolError.fatal("E_BAD_BODY", "IDENTIFY missing fields");
    }
    peer =
        new Lookupd.PeerInfo(
            remoteAddress,
            remoteAddress,
            (String) fields.getOrDefault("hostname", ""),
            broadcastAddress,
            tcpPort,
            httpPort,
            version);
    lookupd.identified(peer);
    // Go marshals a map with its keys sorted.
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("broadcast_address", lookupd.broadcastAddress());
    response.put("hostname", Hostnames.hostname());
    response.put("http_port", lookupd.httpPort());
    response.put("tcp_port", lookupd.tcpPort());
    response.put("version", Options.VERSION);
    respond(Json.bytes(response));
    return true;
  }

  private void respond(String text) {
    respond(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  private void respond(byte[] data) {
    ByteBuf buf = ctx.alloc().buffer(4 + data.length);
    buf.writeInt(data.length).writeBytes(data);
    ctx.writeAndFlush(buf, ctx.voidPromise());
  }

  private void fail(ByteBuf in, String text) {
    done = true;
    in.skipBytes(in.readableBytes());
    byte[] data = text.getBytes(StandardCharsets.ISO_8859_1);
    ByteBuf buf = ctx.alloc().buffer(4 + data.length);
    buf.writeInt(data.length).writeBytes(data);
    ctx.writeAndFlush(buf).addListener(ChannelFutureListener.CLOSE);
  }
}
