package io.kubefuncs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class NsqClusterExtensionTest {
  @RegisterExtension static NsqExtension nsq = NsqExtension.cluster(1, 2);

  @Test
  void providesACluster() {
    NsqCluster cluster = nsq.nsqCluster();
    assertThat(cluster.nsqds()).hasSize(2).allMatch(NsqdProcess::isRunning);
    cluster.createTopic("ext");
    cluster.awaitTopicRegistered("ext", 2, Duration.ofSeconds(10));
    assertThatThrownBy(nsq::nsqdProcess).isInstanceOf(IllegalStateException.class);
  }
}
