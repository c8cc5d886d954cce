package io.kubefuncs.testkit;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real nsqd (or cluster) once for a test class and stops it afterwards, so that each test
 * class does not have to pair {@code @BeforeAll}/{@code @AfterAll} itself and cannot forget the
 * stop.
 *
 * <pre>{@code
 * class MyTest {
 *   @RegisterExtension static NsqExtension nsq = NsqExtension.nsqd();
 *
 *   @Test void publishes() {
 *     connect(nsq.nsqdProcess().tcpAddress());
 *   }
 * }
 * }</pre>
 *
 * <p>On a static field it lives for the whole class, nested classes included; on an instance field
 * it is started and stopped around each test instead.
 */
public final class NsqExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  private final Supplier<NsqdProcess> nsqdFactory;
  private final Supplier<NsqCluster> clusterFactory;

  private NsqdProcess nsqd;
  private NsqCluster cluster;
  private String startedBy;

  private NsqExtension(Supplier<NsqdProcess> nsqdFactory, Supplier<NsqCluster> clusterFactory) {
    this.nsqdFactory = nsqdFactory;
    this.clusterFactory = clusterFactory;
  }

  /** One nsqd with default options. */
  public static NsqExtension nsqd() {
    return nsqd(options -> {});
  }

  /** One nsqd, with options set on its builder, e.g. {@code b -> b.msgTimeout(ofSeconds(1))}. */
  public static NsqExtension nsqd(Consumer<NsqdProcess.Builder> options) {
    Objects.requireNonNull(options, "options");
    return new NsqExtension(
        () -> {
          NsqdProcess.Builder builder = NsqdProcess.builder();
          options.accept(builder);
          return builder.start();
        },
        null);
  }

  /**
   * {@code lookupds} nsqlookupds and {@code nsqds} nsqds, each nsqd registered with every lookupd.
   */
  public static NsqExtension cluster(int lookupds, int nsqds) {
    NsqCluster.Builder builder = NsqCluster.builder().lookupds(lookupds).nsqds(nsqds);
    return new NsqExtension(null, builder::start);
  }

  /** A cluster as configured by {@code builder}, for nsqds that need options. */
  public static NsqExtension cluster(NsqCluster.Builder builder) {
    Objects.requireNonNull(builder, "builder");
    return new NsqExtension(null, builder::start);
  }

  /**
   * The nsqd of an extension made by {@link #nsqd()}.
   *
   * @throws IllegalStateException outside the tests it runs for, or if it was made by {@code
   *     cluster(...)} (use {@link #nsqCluster()})
   */
  public synchronized NsqdProcess nsqdProcess() {
    if (nsqdFactory == null) {
      throw new IllegalStateException("this NsqExtension runs a cluster: use nsqCluster().nsqds()");
    }
    ensureStarted(nsqd);
    return nsqd;
  }

  /**
   * The cluster of an extension made by {@code cluster(...)}.
   *
   * @throws IllegalStateException outside the tests it runs for, or if it was made by {@code
   *     nsqd(...)} (use {@link #nsqdProcess()})
   */
  public synchronized NsqCluster nsqCluster() {
    if (clusterFactory == null) {
      throw new IllegalStateException("this NsqExtension runs a single nsqd: use nsqdProcess()");
    }
    ensureStarted(cluster);
    return cluster;
  }

  private static void ensureStarted(Object resource) {
    if (resource == null) {
      throw new IllegalStateException(
          "NSQ is not running: it is started before the tests of the"
              + " class that registers this extension with @RegisterExtension, and stopped after them");
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    startIfNeeded(context);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    startIfNeeded(context);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    stopIfStartedBy(context);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stopIfStartedBy(context);
  }

  /** Only the first callback starts NSQ; nested classes and each test reuse it. */
  private synchronized void startIfNeeded(ExtensionContext context) {
    if (startedBy != null) {
      return;
    }
    if (nsqdFactory != null) {
      nsqd = nsqdFactory.get();
    } else {
      cluster = clusterFactory.get();
    }
    startedBy = context.getUniqueId();
  }

  /** Only the scope that started NSQ stops it, so a nested class does not stop its outer's. */
  private synchronized void stopIfStartedBy(ExtensionContext context) {
    if (startedBy == null || !startedBy.equals(context.getUniqueId())) {
      return;
    }
    try {
      if (nsqd != null) {
        nsqd.close();
      }
      if (cluster != null) {
        cluster.close();
      }
    } finally {
      nsqd = null;
      cluster = null;
      startedBy = null;
    }
  }
}
