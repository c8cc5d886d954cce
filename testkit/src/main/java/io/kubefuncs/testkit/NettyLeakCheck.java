package io.kubefuncs.testkit;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class after which Netty found a leaked buffer. The build runs every test with {@code
 * -Dio.netty.leakDetection.level=paranoid}, so every buffer is tracked, and turns on JUnit's
 * extension auto-detection, which finds this class through {@code META-INF/services}; without Netty
 * on the class path it does nothing.
 *
 * <p>Netty learns of a leak only once the garbage collector has found the buffer unreachable, and
 * says so at its next allocation. So after each class this collects garbage and allocates once; a
 * leak that surfaces later is reported after a later class, with the access records that name the
 * code at fault.
 */
public final class NettyLeakCheck implements AfterAllCallback {
  private static final boolean NETTY = present("io.netty.buffer.PooledByteBufAllocator");

  static {
    if (NETTY) {
      Leaks.install();
    }
  }

  /** Made by JUnit's extension auto-detection (ServiceLoader). */
  public NettyLeakCheck() {}

  @Override
  public void afterAll(ExtensionContext context) {
    if (!NETTY) {
      return;
    }
    List<String> leaks = leaksSinceLastCheck();
    if (!leaks.isEmpty()) {
      throw new AssertionError(
          leaks.size()
              + " Netty buffer leak(s) found after "
              + context.getDisplayName()
              + " (possibly from an earlier class of this run):\n"
              + String.join("\n", leaks));
    }
  }

  /**
   * The leaks Netty reported since the last call, after a garbage collection and an allocation that
   * make it look.
   */
  static List<String> leaksSinceLastCheck() {
    return NETTY ? Leaks.collect() : List.of();
  }

  private static boolean present(String className) {
    try {
      Class.forName(className, false, NettyLeakCheck.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  /** Netty's side, in a class of its own so that nothing of Netty is loaded when it is absent. */
  private static final class Leaks {
    private static final List<String> found = new ArrayList<>();

    /**
     * Before Netty makes its first detector: the buffers' detector is made once, when Netty's
     * buffer classes are first used, which is after JUnit has made its extensions.
     */
    static void install() {
      io.netty.util.ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(
          new io.netty.util.ResourceLeakDetectorFactory() {
            @Override
            @SuppressWarnings("deprecation") // the abstract method every factory implements
            public <T> io.netty.util.ResourceLeakDetector<T> newResourceLeakDetector(
                Class<T> resource, int samplingInterval, long maxActive) {
              return new io.netty.util.ResourceLeakDetector<>(resource, samplingInterval) {
                @Override
                protected boolean needReport() {
                  return true;
                }

                @Override
                protected void reportTracedLeak(String resourceType, String records) {
                  record(
                      "LEAK: "
                          + resourceType
                          + " was released by nobody; its last accesses:"
                          + records);
                }

                @Override
                protected void reportUntracedLeak(String resourceType) {
                  record("LEAK: " + resourceType + " was released by nobody (no access records)");
                }
              };
            }
          });
    }

    private static void record(String leak) {
      synchronized (found) {
        found.add(leak);
      }
    }

    /** Leaks found so far, after a garbage collection and an allocation that makes Netty look. */
    static List<String> collect() {
      System.gc();
      io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer(1).release();
      synchronized (found) {
        List<String> leaks = List.copyOf(found);
        found.clear();
        return leaks;
      }
    }
  }
}
