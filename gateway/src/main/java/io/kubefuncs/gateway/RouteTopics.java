package io.kubefuncs.gateway;

import io.kubefuncs.nsq.internal.HostPort;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Makes every routed topic exist on the nsqd the gateway publishes to, when routes are loaded and
 * on every reload ({@code POST /topic/create} on nsqd's HTTP port). nsqd then registers the topic
 * with nsqlookupd, so that a function on another node finds this nsqd at its next lookup, before
 * any request; and nsqd gives the topic the channels nsqlookupd knows for it, so that requests
 * published before that function connects are kept for it. Only topics: a channel nobody consumes
 * would keep a copy of every message forever.
 *
 * <p>A failure is logged and retried with a growing delay, up to 30 s; it never stops the gateway,
 * whose first publish to a topic creates it anyway.
 *
 * <p>Each request is one POST with the JDK's {@link HttpURLConnection}, on the timer's thread: the
 * {@code java.net.http} client would start a selector thread and set up TLS (its trust store, its
 * X.509 classes) at the gateway's start, for a plain-HTTP request made once per routes file.
 */
final class RouteTopics implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RouteTopics.class.getName());
  private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  private static final Duration LAST_RETRY = Duration.ofSeconds(30);
  private static final int CONNECT_MILLIS = 2_000;
  private static final int READ_MILLIS = 5_000;

  /** What of an error answer's body goes into the log. */
  private static final int MAX_ERROR_BODY = 512;

  private final HostPort nsqd;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "route-topics");
            t.setDaemon(true);
            return t;
          });
  // Confined to the timer's thread.
  private Set<String> pending = Set.of();
  private Duration retryDelay = FIRST_RETRY;
  private ScheduledFuture<?> retry;
  private boolean failing;

  /** {@code nsqdHttpAddress}: nsqd's HTTP {@code host:port} (4151 by default). */
  RouteTopics(String nsqdHttpAddress) {
    this.nsqd = HostPort.parse(nsqdHttpAddress, "nsqd HTTP address");
  }

  /**
   * Creates every topic of {@code routes}, in the background. All of them, not only new ones:
   * creating an existing topic changes nothing, and nsqd may have lost its topics since.
   */
  void ensure(Routes routes) {
    Set<String> topics = new HashSet<>();
    routes.all().forEach(r -> topics.add(r.topic()));
    timer.execute(
        () -> {
          pending = topics;
          retryDelay = FIRST_RETRY;
          createMissing();
        });
  }

  private void createMissing() {
    if (retry != null) {
      retry.cancel(false);
      retry = null;
    }
    String failure = null;
    Set<String> left = new HashSet<>(pending);
    for (String topic : pending) {
      // Stops at the first failure: an nsqd that does not answer would fail the rest alike, each
      // after its own timeout.
      failure = create(topic);
      if (failure != null) {
        break;
      }
      left.remove(topic);
    }
    pending = left;
    if (failure == null) {
      if (failing) {
        LOG.log(System.Logger.Level.INFO, "nsqd {0} has every routed topic now", nsqd);
      }
      failing = false;
      return;
    }
    // Once per outage as a warning: while nsqd is away, every retry would say the same.
    LOG.log(
        failing ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
        "cannot create routed topics on nsqd {0} yet ({1}); retrying in {2} s",
        nsqd,
        failure,
        retryDelay.toSeconds());
    failing = true;
    retry = timer.schedule(this::createMissing, retryDelay.toMillis(), TimeUnit.MILLISECONDS);
    Duration doubled = retryDelay.multipliedBy(2);
    retryDelay = doubled.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : doubled;
  }

  /** Null when nsqd has the topic, else why not. */
  private String create(String topic) {
    HttpURLConnection http = null;
    try {
      http =
          (HttpURLConnection)
              URI.create(
                      "http://"
                          + nsqd
                          + "/topic/create?topic="
                          + URLEncoder.encode(topic, StandardCharsets.UTF_8))
                  .toURL()
                  .openConnection(Proxy.NO_PROXY);
      http.setConnectTimeout(CONNECT_MILLIS);
      http.setReadTimeout(READ_MILLIS);
      http.setUseCaches(false);
      http.setRequestMethod("POST");
      // Once per routes file: a kept-alive connection would only start the JDK's keep-alive timer.
      http.setRequestProperty("Connection", "close");
      int code = http.getResponseCode();
      if (code == 200) {
        return null;
      }
      byte[] body;
      try (InputStream in = code < 400 ? http.getInputStream() : http.getErrorStream()) {
        body = in == null ? new byte[0] : in.readNBytes(MAX_ERROR_BODY);
      }
      return "HTTP " + code + ": " + new String(body, StandardCharsets.UTF_8).strip();
    } catch (IOException | IllegalArgumentException e) {
      return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    } finally {
      if (http != null) {
        http.disconnect();
      }
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
