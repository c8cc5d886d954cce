package io.kubefuncs.cli;

import java.util.HashMap;
import java.util.Map;

/**
 * What a replica under {@code kubefuncs dev} gets on top of dev's own environment: what the
 * function chart sets in a pod (TOPIC, CHANNEL, NSQ_*, HEALTHZ_ADDR), pointed at the local NSQ,
 * then the function's own env and local.env. The names and grammars are the function runtime
 * contract's (docs/function-runtime.md).
 */
final class ReplicaEnvironment {
  private ReplicaEnvironment() {}

  /** HOSTNAME names the replica as a pod's names the pod: it is the default client id. */
  static Map<String, String> of(NsqAddresses nsq, FunctionSpec fn, int index, int healthPort) {
    Map<String, String> env = new HashMap<>();
    env.put("TOPIC", fn.topic());
    env.put("CHANNEL", fn.channel());
    env.put("NSQ_NSQD_ADDR", nsq.nsqdTcp().connectHost());
    env.put("NSQ_NSQD_PORT", String.valueOf(nsq.nsqdTcp().port()));
    // Empty (not absent) so that one set in our own environment does not leak in.
    env.put("NSQ_LOOKUPD_ADDR", nsq.lookupdHttp() == null ? "" : nsq.lookupdHttp().connectHost());
    env.put(
        "NSQ_LOOKUPD_PORT",
        nsq.lookupdHttp() == null ? "" : String.valueOf(nsq.lookupdHttp().port()));
    env.put("HEALTHZ_ADDR", "127.0.0.1:" + healthPort);
    env.put("HOSTNAME", fn.name() + "-" + index);
    env.putAll(fn.env());
    return env;
  }
}
