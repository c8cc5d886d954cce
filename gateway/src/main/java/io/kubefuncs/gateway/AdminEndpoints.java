package io.kubefuncs.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * {@code /healthz} and {@code /metrics}, answered as soon as their request's head is read, ahead of
 * the body budget and limit: a probe or a scrape never waits for, nor counts against, the bodies
 * other clients are sending, and whatever body it carries is dropped unread. Every other request
 * goes on down the pipeline. One per connection: it remembers a body it is dropping.
 */
final class AdminEndpoints extends ChannelInboundHandlerAdapter {
  private final GatewayHandler gateway;
  private boolean dropping;

  AdminEndpoints(GatewayHandler gateway) {
    this.gateway = gateway;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (dropping && msg instanceof HttpContent) {
      dropping = !(msg instanceof LastHttpContent);
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest request
        && request.decoderResult().isSuccess()
        && gateway.answerAdmin(ctx, request)) {
      // A request that is also its content (a full request) ends here; otherwise its content
      // follows.
      dropping = !(msg instanceof LastHttpContent);
      ReferenceCountUtil.release(msg);
      return;
    }
    ctx.fireChannelRead(msg);
  }
}
