package io.kubefuncs.nsq;

/** What nsqd granted in answer to IDENTIFY with feature negotiation. */
record IdentifyResponse(
    String version,
    long maxRdyCount,
    long maxMsgTimeout,
    long msgTimeout,
    boolean authRequired,
    boolean tls,
    boolean snappy,
    boolean deflate,
    // nsqd v1.3.0 does not report its --max-msg-size here; 0 then, and a producer learns it from
    // nsqd's refusal of a message as too big instead.
    long maxMsgSize,
    // 1 when the client asked for none (-1): nsqd then writes each frame in three system calls.
    long outputBufferSize) {

  /** nsqd older than feature negotiation answers a plain OK: assume its defaults. */
  static final IdentifyResponse LEGACY =
      new IdentifyResponse("", 2500, 900_000, 60_000, false, false, false, false, 0, 0);
}
