package io.kubefuncs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class NsqExtensionTest {
  @RegisterExtension
  static NsqExtension nsq = NsqExtension.nsqd(b -> b.msgTimeout(Duration.ofSeconds(2)));

  private static long pidSeenByFirstTest;

  @Test
  void providesARunningNsqd() {
    NsqdProcess nsqd = nsq.nsqdProcess();
    assertThat(nsqd.isRunning()).isTrue();
    assertThat(new Http().answersOk(nsqd.httpUrl() + "/ping")).isTrue();
    assertThat(ShareCheck.sameProcess(nsqd.pid())).isTrue();
  }

  @Test
  void sharesOneNsqdBetweenTheTestsOfTheClass() {
    assertThat(ShareCheck.sameProcess(nsq.nsqdProcess().pid())).isTrue();
    assertThatThrownBy(nsq::nsqCluster).isInstanceOf(IllegalStateException.class);
  }

  @Nested
  class Inner {
    @Test
    void nestedClassesSeeTheSameNsqd() {
      assertThat(ShareCheck.sameProcess(nsq.nsqdProcess().pid())).isTrue();
    }
  }

  /** Records the first pid seen so that every test can check it gets the same nsqd. */
  private static final class ShareCheck {
    static synchronized boolean sameProcess(long pid) {
      if (pidSeenByFirstTest == 0) {
        pidSeenByFirstTest = pid;
      }
      return pidSeenByFirstTest == pid;
    }
  }
}
