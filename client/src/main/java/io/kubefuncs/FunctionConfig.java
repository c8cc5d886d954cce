package io.kubefuncs;

import io.kubefuncs.internal.Durations;
import io.kubefuncs.nsq.NsqConfig;
import io.kubefuncs.nsq.NsqTls;
import io.kubefuncs.nsq.internal.HostPort;
import io.kubefuncs.nsq.internal.NsqNames;
import io.kubefuncs.nsq.internal.TlsSettings;
import java.time.Duration;
import java.util.Map;

/**
 * A function's settings, read from the environment the function chart gives its pods. The original
 * kubefuncs names are kept; settings it did not have are {@code KUBEFUNCS_*}.
 */
record FunctionConfig(
    String topic,
    String channel,
    String nsqdAddress,
    String lookupdAddress,
    String healthzHost,
    int healthzPort,
    int maxInFlight,
    int maxAttempts,
    String deadLetterTopic,
    Duration handlerTimeout,
    Duration drainTimeout,
    int maxMessageSize,
    String clientId,
    NsqTls tls,
    String authSecret) {

  /**
   * The least {@code KUBEFUNCS_MAX_MESSAGE_SIZE} taken: a dead letter's reason and description of
   * the event take up to about 4.3 KB before any of the event's body, and one that does not fit
   * could never be published.
   */
  static final int MIN_MESSAGE_SIZE = 8192;

  static FunctionConfig fromEnvironment(Map<String, String> env) {
    Reader r = new Reader(env);
    String topic = r.name("TOPIC", null, true);
    String channel = r.name("CHANNEL", "default", false);
    String nsqd = r.address("NSQ_NSQD_ADDR", "127.0.0.1", r.port("NSQ_NSQD_PORT", 4150));
    String lookupdHost = r.string("NSQ_LOOKUPD_ADDR", "");
    int lookupdPort = r.port("NSQ_LOOKUPD_PORT", 4161);
    String lookupd =
        lookupdHost.isEmpty() ? null : r.address("NSQ_LOOKUPD_ADDR", lookupdHost, lookupdPort);
    String healthz = r.string("HEALTHZ_ADDR", ":8080");
    int colon = healthz.lastIndexOf(':');
    int healthzPort = colon < 0 ? -1 : Reader.portNumber(healthz.substring(colon + 1), true);
    if (healthzPort < 0) {
      throw new ConfigException(
          "HEALTHZ_ADDR",
          "must be [host]:port with a port from 0 to 65535, like :8080, got '" + healthz + "'");
    }
    int maxInFlight = r.positive("KUBEFUNCS_MAX_IN_FLIGHT", 64);
    int maxAttempts = r.positive("KUBEFUNCS_MAX_ATTEMPTS", 5);
    String deadLetter = r.name("KUBEFUNCS_DEAD_LETTER_TOPIC", deadLetterFor(topic), false);
    Duration handlerTimeout = r.duration("KUBEFUNCS_HANDLER_TIMEOUT", Duration.ofMinutes(5));
    Duration drainTimeout = r.duration("KUBEFUNCS_DRAIN_TIMEOUT", Duration.ofSeconds(25));
    int maxMessageSize =
        r.bytes("KUBEFUNCS_MAX_MESSAGE_SIZE", NsqConfig.DEFAULT_MAX_MESSAGE_SIZE, MIN_MESSAGE_SIZE);
    String clientId = r.string("KUBEFUNCS_CLIENT_ID", env.getOrDefault("HOSTNAME", ""));
    NsqTls tls;
    try {
      tls =
          TlsSettings.read(
              r.setting("NSQ_TLS"),
              r.setting("NSQ_TLS_CA_FILE"),
              r.setting("NSQ_TLS_CERT_FILE"),
              r.setting("NSQ_TLS_KEY_FILE"),
              r.setting("NSQ_TLS_SERVER_NAME"));
    } catch (TlsSettings.InvalidSettingException e) {
      throw new ConfigException(e.setting(), e.reason());
    }
    // Not trimmed: a secret is what it is, and the auth server compares it whole.
    String authSecret = env.get("NSQ_AUTH_SECRET");
    return new FunctionConfig(
        topic,
        channel,
        nsqd,
        lookupd,
        healthz.substring(0, colon),
        healthzPort,
        maxInFlight,
        maxAttempts,
        deadLetter,
        handlerTimeout,
        drainTimeout,
        maxMessageSize,
        clientId,
        tls,
        authSecret == null || authSecret.isEmpty() ? null : authSecret);
  }

  /** Without the AUTH secret, which must not reach a log. */
  @Override
  public String toString() {
    return "FunctionConfig[topic="
        + topic
        + ", channel="
        + channel
        + ", nsqd="
        + nsqdAddress
        + ", lookupd="
        + lookupdAddress
        + ", tls="
        + (tls != null)
        + ", authSecret="
        + (authSecret != null ? "(set)" : "(unset)")
        + "]";
  }

  /** {@code <topic>.dead}, shortened so that it stays a valid topic name. */
  static String deadLetterFor(String topic) {
    String base =
        topic.endsWith(NsqNames.EPHEMERAL_SUFFIX)
            ? topic.substring(0, topic.length() - NsqNames.EPHEMERAL_SUFFIX.length())
            : topic;
    String suffix = ".dead";
    if (base.length() + suffix.length() > NsqNames.MAX_LENGTH) {
      base = base.substring(0, NsqNames.MAX_LENGTH - suffix.length());
    }
    return base + suffix;
  }

  private record Reader(Map<String, String> env) {
    TlsSettings.Setting setting(String name) {
      return new TlsSettings.Setting(name, env.get(name));
    }

    String string(String name, String fallback) {
      String v = env.get(name);
      return v == null || v.isBlank() ? fallback : v.trim();
    }

    String name(String var, String fallback, boolean required) {
      String v = string(var, fallback);
      if (v == null) {
        if (required) {
          throw new ConfigException(var, "is not set: name the NSQ topic this function consumes");
        }
        return null;
      }
      try {
        return var.equals("CHANNEL") ? NsqNames.checkChannel(v) : NsqNames.checkTopic(v);
      } catch (IllegalArgumentException e) {
        throw new ConfigException(var, e.getMessage());
      }
    }

    /**
     * {@code host:port} of the host in {@code name} (or {@code fallback}) and {@code port}; a URL
     * or a port in the host is refused.
     */
    String address(String name, String fallback, int port) {
      String host = string(name, fallback);
      if (!HostPort.isHost(host)) {
        throw new ConfigException(name, "must be a host name or IP address, got '" + host + "'");
      }
      return host + ":" + port;
    }

    int port(String name, int fallback) {
      String v = string(name, null);
      return v == null ? fallback : parsePort(name, v);
    }

    static int parsePort(String name, String v) {
      int port = portNumber(v, false);
      if (port < 0) {
        throw new ConfigException(name, "must be a port number (1-65535), got '" + v + "'");
      }
      return port;
    }

    /** The port {@code v} names, or -1 if it names none. */
    static int portNumber(String v, boolean zeroAllowed) {
      try {
        int port = Integer.parseInt(v.trim());
        if ((port == 0 && zeroAllowed) || (port >= 1 && port <= 65535)) {
          return port;
        }
      } catch (NumberFormatException e) {
        // not a number
      }
      return -1;
    }

    int positive(String name, int fallback) {
      String v = string(name, null);
      if (v == null) {
        return fallback;
      }
      try {
        int n = Integer.parseInt(v);
        if (n >= 1) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new ConfigException(name, "must be a whole number of at least 1, got '" + v + "'");
    }

    /** A size in bytes, at least {@code min}; nsqd's {@code --max-msg-size} is one. */
    int bytes(String name, int fallback, int min) {
      String v = string(name, null);
      if (v == null) {
        return fallback;
      }
      try {
        int n = Integer.parseInt(v);
        if (n >= min) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new ConfigException(
          name,
          "must be a whole number of bytes from "
              + min
              + " to "
              + Integer.MAX_VALUE
              + ", got '"
              + v
              + "'");
    }

    /**
     * Go-style durations as the original used ({@code 30s}, {@code 5m}, {@code 1500ms}), or
     * ISO-8601: {@link Durations}.
     */
    Duration duration(String name, Duration fallback) {
      String v = string(name, null);
      if (v == null) {
        return fallback;
      }
      try {
        Duration d = Durations.parse(v);
        if (!d.isNegative() && !d.isZero()) {
          return d;
        }
      } catch (IllegalArgumentException e) {
        // reported below
      }
      throw new ConfigException(
          name, "must be a positive duration like 30s, 5m or 1500ms, got '" + v + "'");
    }
  }
}
