package io.kubefuncs.testkit;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Real nsqlookupds and nsqds, each nsqd registered with every lookupd: the smallest setup in which
 * discovery, spreading load over several nsqds and losing one of them can be tested.
 *
 * <p>Registration is asynchronous, so tests should {@link #createTopic create} a topic and {@link
 * #awaitTopicRegistered await} its registration before starting a consumer that looks it up.
 */
public final class NsqCluster implements AutoCloseable {
  private static final Pattern PRODUCER = Pattern.compile("\"broadcast_address\"\\s*:");

  private final List<NsqLookupdProcess> lookupds;
  private final List<NsqdProcess> nsqds;

  private NsqCluster(List<NsqLookupdProcess> lookupds, List<NsqdProcess> nsqds) {
    this.lookupds = List.copyOf(lookupds);
    this.nsqds = List.copyOf(nsqds);
  }

  /** Starts {@code lookupds} nsqlookupds and {@code nsqds} nsqds with default options. */
  public static NsqCluster start(int lookupds, int nsqds) {
    return builder().lookupds(lookupds).nsqds(nsqds).start();
  }

  /** For clusters whose nsqds need options, e.g. a short {@code --msg-timeout}. */
  public static Builder builder() {
    return new Builder();
  }

  /** The lookupds, in start order. */
  public List<NsqLookupdProcess> lookupds() {
    return lookupds;
  }

  /** The nsqds, in start order. */
  public List<NsqdProcess> nsqds() {
    return nsqds;
  }

  /** The lookupds' {@code "127.0.0.1:<http port>"}, what a consumer is configured with. */
  public List<String> lookupdHttpAddresses() {
    return lookupds.stream().map(NsqLookupdProcess::httpAddress).toList();
  }

  /**
   * Creates {@code topic} on every nsqd, which makes each of them register it with every lookupd.
   */
  public void createTopic(String topic) {
    for (NsqdProcess nsqd : nsqds) {
      nsqd.createTopic(topic);
    }
  }

  /**
   * Waits until every lookupd lists at least {@code producerCount} producers for {@code topic} in
   * {@code GET /lookup}, so a consumer started next finds them all at its first lookup.
   *
   * @throws IllegalStateException if that does not happen within {@code timeout}; the message has
   *     the last answer of the lookupd that was short
   */
  public void awaitTopicRegistered(String topic, int producerCount, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (NsqLookupdProcess lookupd : lookupds) {
      String url = lookupd.httpUrl() + "/lookup?topic=" + Http.encode(topic);
      String[] lastAnswer = {"(no answer)"};
      int[] lastCount = {0};
      Duration remaining = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
      boolean registered =
          Poll.until(
              remaining,
              () -> {
                try {
                  Http.Response response = lookupdHttp(lookupd).get(url);
                  lastAnswer[0] = response.status() + " " + response.body();
                  lastCount[0] = response.status() == 200 ? countProducers(response.body()) : 0;
                } catch (IOException e) {
                  lastAnswer[0] = e.toString();
                  lastCount[0] = 0;
                }
                return lastCount[0] >= producerCount;
              });
      if (!registered) {
        throw new IllegalStateException(
            "topic '"
                + topic
                + "' has "
                + lastCount[0]
                + " producer(s) on nsqlookupd "
                + lookupd.httpAddress()
                + " after "
                + timeout.toMillis()
                + " ms, expected at least "
                + producerCount
                + "; last answer of GET "
                + url
                + ": "
                + lastAnswer[0]);
      }
    }
  }

  private static Http lookupdHttp(NsqLookupdProcess lookupd) {
    return lookupd.process.http();
  }

  static int countProducers(String lookupResponse) {
    Matcher matcher = PRODUCER.matcher(lookupResponse);
    int count = 0;
    while (matcher.find()) {
      count++;
    }
    return count;
  }

  /** Stops and deletes every nsqd, then every lookupd. */
  @Override
  public void close() {
    RuntimeException failure = null;
    List<AutoCloseable> all = new ArrayList<>(nsqds);
    all.addAll(lookupds);
    for (AutoCloseable process : all) {
      try {
        process.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = new IllegalStateException("could not close every NSQ process", e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public String toString() {
    return "NsqCluster[lookupds=" + lookupds + ", nsqds=" + nsqds + "]";
  }

  /** Sizes and nsqd options for a cluster. */
  public static final class Builder {
    private int lookupdCount = 1;
    private int nsqdCount = 1;
    private Consumer<NsqdProcess.Builder> nsqdOptions = options -> {};
    private NsqBinaries binaries;

    private Builder() {}

    /** Number of nsqlookupds, at least 1 (default 1). */
    public Builder lookupds(int count) {
      if (count < 1) {
        throw new IllegalArgumentException("a cluster needs at least one lookupd: " + count);
      }
      this.lookupdCount = count;
      return this;
    }

    /** Number of nsqds, at least 1 (default 1). */
    public Builder nsqds(int count) {
      if (count < 1) {
        throw new IllegalArgumentException("a cluster needs at least one nsqd: " + count);
      }
      this.nsqdCount = count;
      return this;
    }

    /** Applied to the builder of every nsqd, after the lookupds have been added to it. */
    public Builder nsqdOptions(Consumer<NsqdProcess.Builder> options) {
      this.nsqdOptions = options;
      return this;
    }

    Builder binaries(NsqBinaries binaries) {
      this.binaries = binaries;
      return this;
    }

    /** Starts the lookupds, then the nsqds; if one fails, those already started are closed. */
    public NsqCluster start() {
      List<NsqLookupdProcess> lookupds = new ArrayList<>();
      List<NsqdProcess> nsqds = new ArrayList<>();
      try {
        for (int i = 0; i < lookupdCount; i++) {
          NsqLookupdProcess.Builder builder = NsqLookupdProcess.builder();
          if (binaries != null) {
            builder.binaries(binaries);
          }
          lookupds.add(builder.start());
        }
        for (int i = 0; i < nsqdCount; i++) {
          NsqdProcess.Builder builder = NsqdProcess.builder();
          if (binaries != null) {
            builder.binaries(binaries);
          }
          lookupds.forEach(builder::lookupd);
          nsqdOptions.accept(builder);
          nsqds.add(builder.start());
        }
        return new NsqCluster(lookupds, nsqds);
      } catch (RuntimeException | Error e) {
        try {
          new NsqCluster(lookupds, nsqds).close();
        } catch (RuntimeException closeFailure) {
          e.addSuppressed(closeFailure);
        }
        throw e;
      }
    }
  }
}
