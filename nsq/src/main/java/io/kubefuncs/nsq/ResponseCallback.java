package io.kubefuncs.nsq;

import io.netty.buffer.ByteBuf;

/** Answer to one command that nsqd responds to; called on the connection's event loop. */
interface ResponseCallback {
  /** {@code data} is only valid during the call. */
  void onResponse(ByteBuf data);

  void onError(NsqException error);
}
