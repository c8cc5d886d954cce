package io.kubefuncs.nsq;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** What nsqd granted in answer to IDENTIFY with feature negotiation. */
@JsonIgnoreProperties(ignoreUnknown = true)
record IdentifyResponse(
    @JsonProperty("version") String version,
    @JsonProperty("max_rdy_count") long maxRdyCount,
    @JsonProperty("max_msg_timeout") long maxMsgTimeout,
    @JsonProperty("msg_timeout") long msgTimeout,
    @JsonProperty("auth_required") boolean authRequired,
    @JsonProperty("tls_v1") boolean tls,
    @JsonProperty("snappy") boolean snappy,
    @JsonProperty("deflate") boolean deflate,
    // nsqd v1.3.0 does not report its --max-msg-size here; 0 then, and a producer learns it from
    // nsqd's refusal of a message as too big instead.
    @JsonProperty("max_msg_size") long maxMsgSize) {

  /** nsqd older than feature negotiation answers a plain OK: assume its defaults. */
  static final IdentifyResponse LEGACY = new IdentifyResponse("", 2500, 900_000, 60_000, false, false, false, false, 0);
}
