package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import io.kubefuncs.Client;
import io.kubefuncs.GatewayRequest;
import io.kubefuncs.GatewayResponse;
import io.kubefuncs.Subscription;
import io.kubefuncs.testkit.ClosedPort;
import io.kubefuncs.testkit.NsqExtension;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kubefuncs call} against a real nsqd and a function subscribed through the SDK. */
class CallCommandTest {
  @RegisterExtension static final NsqExtension NSQ = NsqExtension.nsqd();

  private static Client function;

  @TempDir Path dir;

  /**
   * "echo": HTTP requests answered with what was asked, bytes answered in upper case; "fail":
   * always throws.
   */
  @BeforeAll
  static void subscribeFunctions() {
    function =
        Client.builder()
            .nsqd(NSQ.nsqdProcess().tcpAddress())
            .registry(new PrometheusRegistry())
            .build();
    Subscription echo =
        function.on(
            "echo",
            "default",
            msg -> {
              if (msg.isPayload(BytesValue.class)) {
                String text = msg.payload(BytesValue.class).getValue().toStringUtf8();
                msg.respond(BytesValue.of(ByteString.copyFromUtf8(text.toUpperCase(Locale.ROOT))));
                return;
              }
              GatewayRequest request = msg.http();
              msg.respond(
                  GatewayResponse.of(
                          201,
                          request.method()
                              + " "
                              + request.url()
                              + " "
                              + request.header("X-Trace")
                              + " "
                              + request.bodyAsString())
                      .withHeader("X-Answered-By", "echo"));
            });
    Subscription fail =
        function.on(
            "fail",
            "default",
            msg -> {
              throw new IllegalStateException("no stock for order 7");
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> echo.connections() > 0 && fail.connections() > 0);
  }

  @AfterAll
  static void close() {
    function.close();
  }

  private static String nsqd() {
    return NSQ.nsqdProcess().tcpAddress();
  }

  @Test
  void anHttpCallPrintsTheBodyAndTellsStatusAndHeadersApart() {
    Cli cli =
        Cli.run(
            "call",
            "echo",
            "--nsqd",
            nsqd(),
            "--http",
            "post",
            "/orders?id=7",
            "-H",
            "X-Trace: t-1",
            "--data",
            "{\"n\":1}");

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.OK);
    assertThat(cli.out()).isEqualTo("POST /orders?id=7 t-1 {\"n\":1}");
    assertThat(cli.err()).contains("HTTP 201\n", "X-Answered-By: echo\n");
  }

  @Test
  void dataFromAFileOrStandardInputIsSentAsBytes() throws IOException {
    Path file = Files.writeString(dir.resolve("payload.txt"), "from a file");
    assertThat(Cli.run("call", "echo", "--nsqd", nsqd(), "--data", "@" + file).out())
        .isEqualTo("FROM A FILE");

    StringWriter out = new StringWriter();
    int code =
        new CommandLine(
                new CallCommand(
                    new ByteArrayInputStream("from stdin".getBytes(StandardCharsets.UTF_8))))
            .setExpandAtFiles(false)
            .setOut(new PrintWriter(out, true))
            .execute("echo", "--nsqd", nsqd(), "--data", "-");
    assertThat(code).isEqualTo(ExitCodes.OK);
    assertThat(out).hasToString("FROM STDIN");
  }

  @Test
  void aFunctionErrorHasItsOwnExitCodeAndText() {
    Cli cli = Cli.run("call", "fail", "--nsqd", nsqd(), "--data", "x");

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.FUNCTION_ERROR);
    assertThat(cli.err()).contains("function on topic fail failed: ", "no stock for order 7");
    assertThat(cli.out()).isEmpty();
  }

  @Test
  void noAnswerInTimeHasItsOwnExitCode() {
    Cli cli = Cli.run("call", "nobody-consumes-this", "--nsqd", nsqd(), "--timeout", "300ms");

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.TIMEOUT);
    assertThat(cli.err()).contains("no answer on topic nobody-consumes-this within 300ms");
  }

  @Test
  void anUnreachableNsqdHasItsOwnExitCode() {
    try (ClosedPort closed = ClosedPort.reserve()) {
      Cli cli = Cli.run("call", "echo", "--nsqd", closed.address());

      assertThat(cli.exitCode()).isEqualTo(ExitCodes.NO_CONNECTION);
      assertThat(cli.err()).contains("cannot connect to nsqd " + closed.address(), "--nsqd");
    }
  }

  @Test
  void badArgumentsAreUsageErrors() {
    assertThat(Cli.run("call", "echo", "--timeout", "soon").err())
        .contains("--timeout must be a positive duration");
    assertThat(Cli.run("call", "echo", "--data", "@" + dir.resolve("missing")).exitCode())
        .isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(Cli.run("call", "echo", "--http", "GET").exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(Cli.run("call", "echo", "--http", "GET", "no-slash").err())
        .contains("the path must start with '/'");
  }
}
