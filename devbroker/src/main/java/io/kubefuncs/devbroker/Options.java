package io.kubefuncs.devbroker;

import java.util.concurrent.TimeUnit;

/**
 * The broker's settings. Those a builder may change are the record's components; the others are
 * nsqd's defaults for the flags of the same name, fixed here, so that what a client negotiates with
 * the dev broker is what it negotiates with an nsqd v1.3.0 started without flags.
 */
record Options(
    String host,
    int tcpPort,
    int httpPort,
    int lookupdTcpPort,
    int lookupdHttpPort,
    long msgTimeoutNanos,
    int maxMsgSize,
    long memQueueSize) {

  static final String VERSION = "1.3.0";
  static final long DEFAULT_MEM_QUEUE_SIZE = 1_000_000;

  static final long MAX_MSG_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(15);
  static final long MAX_REQ_TIMEOUT_NANOS = TimeUnit.HOURS.toNanos(1);
  static final long MAX_RDY_COUNT = 2500;

  /** nsqd's --max-body-size: the largest MPUB, IDENTIFY or AUTH body. */
  static final int DEFAULT_MAX_BODY_SIZE = 5 * 1024 * 1024;

  static final long MAX_HEARTBEAT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

  /**
   * A client's heartbeat interval until it IDENTIFYs another: half of nsqd's 60 s client timeout.
   */
  static final long DEFAULT_HEARTBEAT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(30);

  static final int MAX_OUTPUT_BUFFER_SIZE = 64 * 1024;
  static final long MIN_OUTPUT_BUFFER_TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(25);
  static final long MAX_OUTPUT_BUFFER_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);
  static final long DEFAULT_OUTPUT_BUFFER_TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  /** nsqd's bufio buffer size: the default output buffer, and the longest command line read. */
  static final int DEFAULT_BUFFER_SIZE = 16 * 1024;

  /** nsqd only negotiates deflate, which the dev broker declines; the level is still reported. */
  static final int MAX_DEFLATE_LEVEL = 6;

  /** nsqd's --max-body-size, raised if need be so that one largest message fits in an MPUB. */
  int maxBodySize() {
    return Math.max(DEFAULT_MAX_BODY_SIZE, maxMsgSize + 8);
  }
}
