package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code kubefuncs broker}: the dev broker alone, answering as nsqd does, until Ctrl-C. */
class BrokerCommandIT {
  @Test
  void theBrokerRunsUntilCtrlC() throws Exception {
    try (KubefuncsProcess broker =
        KubefuncsProcess.start(Repo.ROOT, KubefuncsProcess.onFreeBrokerPorts("broker"))) {
      String nsqd = awaitNsqdHttp(broker);

      assertThat(
              Http.send("POST", URI.create("http://" + nsqd + "/topic/create?topic=test")).status())
          .isEqualTo(200);
      assertThat(Http.send("GET", URI.create("http://" + nsqd + "/ping")).body()).isEqualTo("OK");

      broker.interrupt();
      assertThat(broker.awaitExit(Duration.ofSeconds(30))).isZero();
      assertThat(broker.out()).last().isEqualTo("stopped");
    }
  }

  /** Once {@code kubefuncs broker} says it is ready: the host:port of its nsqd's HTTP API. */
  static String awaitNsqdHttp(KubefuncsProcess broker) {
    broker.awaitOut(line -> line.startsWith("ready"), Duration.ofSeconds(30));
    String nsqd =
        broker.out().stream().filter(line -> line.contains("nsqd ")).findFirst().orElseThrow();
    Matcher http = Pattern.compile("http (\\S+)").matcher(nsqd);
    assertThat(http.find()).as(nsqd).isTrue();
    return http.group(1);
  }
}
