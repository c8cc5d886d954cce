package io.kubefuncs.conformance;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubefuncs.testkit.NsqBinaries;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * NSQ's own command-line tools (v1.3.0, built on go-nsq and nsqd's HTTP API) against each broker. A
 * missing tool fails the test with where it was looked for, never skips it.
 */
class NsqToolsTest {
  private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);
  private static final Path HERE = Path.of(".");

  @ConformanceTest
  void linesPipedIntoToNsqComeOutOfNsqTail(Broker broker) {
    String topic = UniqueNames.topic("to-nsq");
    List<String> lines = List.of("first line", "second, with spaces", "third: {\"json\": true}");

    ExternalProgram.Result published =
        ExternalProgram.run(
            List.of(
                tool("to_nsq"), "--nsqd-tcp-address=" + broker.tcpHostPort(), "--topic=" + topic),
            HERE,
            (String.join("\n", lines) + "\n").getBytes(UTF_8),
            TOOL_TIMEOUT);
    assertThat(published.exitCode()).as(published.describe()).isZero();

    LookupdRegistration.awaitTopic(broker, topic);
    ExternalProgram.Result tailed =
        ExternalProgram.run(
            List.of(
                tool("nsq_tail"),
                "--lookupd-http-address=" + broker.lookupdHttpHostPort(),
                "--topic=" + topic,
                "-n",
                String.valueOf(lines.size())),
            HERE,
            new byte[0],
            TOOL_TIMEOUT);
    assertThat(tailed.exitCode()).as(tailed.describe()).isZero();
    assertThat(tailed.stdout().lines().toList())
        .as(tailed.describe())
        .containsExactlyInAnyOrderElementsOf(lines);
  }

  @ConformanceTest
  void nsqStatReportsAChannelItFoundThroughLookupd(Broker broker) {
    String topic = UniqueNames.topic("nsq-stat");
    Http.post(broker.httpUrl() + "/topic/create?topic=" + topic);
    Http.post(broker.httpUrl() + "/channel/create?topic=" + topic + "&channel=watched");
    Http.post(broker.httpUrl() + "/mpub?topic=" + topic, "one\ntwo\n".getBytes(UTF_8));
    LookupdRegistration.awaitTopic(broker, topic);

    ExternalProgram.Result stat =
        ExternalProgram.run(
            List.of(
                tool("nsq_stat"),
                "--lookupd-http-address=" + broker.lookupdHttpHostPort(),
                "--topic=" + topic,
                "--channel=watched",
                "--count=1",
                "--interval=100ms"),
            HERE,
            new byte[0],
            TOOL_TIMEOUT);

    assertThat(stat.exitCode()).as(stat.describe()).isZero();
    // Two header lines, then one row: "ingress egress | total mem disk inflt def | req t-o msgs
    // clients".
    List<String> output = stat.stdout().lines().toList();
    assertThat(output).as(stat.describe()).hasSize(3);
    String[] columns = output.get(2).split("\\|");
    List<String> depth = Arrays.asList(columns[1].trim().split("\\s+"));
    List<String> metadata = Arrays.asList(columns[2].trim().split("\\s+"));
    assertThat(depth)
        .as("total, mem, disk, in flight, deferred")
        .containsExactly("2", "2", "0", "0", "0");
    assertThat(metadata)
        .as("requeued, timed out, messages, clients")
        .containsExactly("0", "0", "2", "0");
  }

  private static String tool(String name) {
    return NsqBinaries.locate(name).toString();
  }
}
