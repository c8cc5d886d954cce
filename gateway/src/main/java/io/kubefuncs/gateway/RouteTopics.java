package io.kubefuncs.gateway;

import io.kubefuncs.nsq.internal.HostPort;
import io.kubefuncs.nsq.internal.PlainHttp;
import java.io.IOException;
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
 * <p>Each request is one POST ({@link PlainHttp}) on the timer's thread.
 */
final class RouteTopics implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(RouteTopics.class.getName());
  private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  private static final Duration LAST_RETRY = Duration.ofSeconds(30);

  /** Up to 512 bytes of an error answer's body go into the log. */
  private static final PlainHttp HTTP =
      new PlainHttp(Duration.ofSeconds(2), Duration.ofSeconds(5), 511);

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
    try {
      PlainHttp.Answer answer =
          HTTP.send(
              "POST",
              nsqd,
              "/topic/create?topic=" + URLEncoder.encode(topic, StandardCharsets.UTF_8),
              null);
      return answer.status() == 200
          ? null
          : "HTTP "
              + answer.status()
              + ": "
              + new String(answer.body(), StandardCharsets.UTF_8).strip();
    } catch (IOException | IllegalArgumentException e) {
      return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
