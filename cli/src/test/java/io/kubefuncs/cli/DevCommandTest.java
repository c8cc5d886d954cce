package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubefuncs dev} refusing bad input before it starts anything. The running stack is tested
 * in the *IT classes.
 */
class DevCommandTest {
  @TempDir Path dir;

  private Path functions(String yaml) throws IOException {
    return Files.writeString(dir.resolve("functions.yaml"), yaml);
  }

  private Path validFunctions() throws IOException {
    return functions("functions:\n- name: test\n  local: {command: [java, -version]}\n");
  }

  @Test
  void aMalformedFunctionsFileIsReportedWithFileLineAndField() throws IOException {
    Path file =
        functions("functions:\n- name: test\n  replicas: [1]\n  local: {command: [java]}\n");

    Cli cli = Cli.run("dev", "-f", file.toString(), "--listen-addr", "127.0.0.1:0");

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(cli.err())
        .isEqualTo(
            "kubefuncs dev: "
                + file
                + ":3: functions[0].replicas: must be a whole number of at least 0, got a list\n");
    assertThat(cli.out()).isEmpty();
  }

  @Test
  void aYamlSyntaxErrorIsReportedWithItsLine() throws IOException {
    Path file = functions("functions:\n- name: test\n  local: {command: [java]\n");

    Cli cli = Cli.run("dev", "-f", file.toString());

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(cli.err()).startsWith("kubefuncs dev: " + file + ":4: not valid YAML: ");
  }

  @Test
  void aMissingFunctionsFileSaysWhereItWasLookedFor() {
    Cli cli = Cli.run("dev", "-f", dir.resolve("nope.yaml").toString());

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(cli.err()).contains(dir.resolve("nope.yaml") + ": no such file", "kubefuncs init");
  }

  @Test
  void aMalformedRoutesFileIsReportedWithFileLineAndField() throws IOException {
    Path routes =
        Files.writeString(
            dir.resolve("gateway.yaml"), "gateway:\n  config:\n    routes:\n      test: test\n");

    Cli cli = Cli.run("dev", "-f", validFunctions().toString(), "--routes", routes.toString());

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(cli.err())
        .isEqualTo(
            "kubefuncs dev: "
                + routes
                + ":4: gateway.config.routes.test: a path prefix must start with '/'\n");
  }

  @Test
  void aGatewayPortInUseNamesThePortAndItsFlag() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();

      Cli cli =
          Cli.run("dev", "-f", validFunctions().toString(), "--listen-addr", "127.0.0.1:" + port);

      assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(cli.err())
          .isEqualTo(
              "kubefuncs dev: port "
                  + port
                  + " (gateway HTTP) is in use on 127.0.0.1: choose another "
                  + "with --listen-addr (0 picks a free one), or stop what listens there\n");
    }
  }

  @Test
  void aDashboardPortInUseNamesThePortAndItsFlag() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();

      Cli cli =
          Cli.run(
              "dev",
              "-f",
              validFunctions().toString(),
              "--listen-addr",
              "127.0.0.1:0",
              "--dashboard-addr",
              "127.0.0.1:" + port);

      assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(cli.err())
          .isEqualTo(
              "kubefuncs dev: port "
                  + port
                  + " (dashboard) is in use on 127.0.0.1: choose another "
                  + "with --dashboard-addr (0 picks a free one), or stop what listens there\n");
    }
  }

  @Test
  void aBrokerPortInUseNamesThePortAndItsFlagAndNothingIsLeftListening() throws IOException {
    int gateway = Ports.free();
    int nsqdHttp = Ports.free();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();

      Cli cli =
          Cli.run(
              "dev",
              "-f",
              validFunctions().toString(),
              "--listen-addr",
              "127.0.0.1:" + gateway,
              "--dashboard-addr",
              "127.0.0.1:0",
              "--nsqd-http-port",
              String.valueOf(nsqdHttp),
              "--lookupd-tcp-port",
              String.valueOf(port),
              "--nsqd-tcp-port",
              "0",
              "--lookupd-http-port",
              "0");

      assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
      assertThat(cli.err())
          .contains(
              "port "
                  + port
                  + " (dev broker, nsqlookupd TCP) is in use on 127.0.0.1: choose another with --lookupd-tcp-port");
    }
    assertThat(ProcessHandle.current().children()).isEmpty();
    assertCanListen(gateway);
    assertCanListen(nsqdHttp);
  }

  @Test
  void lookupdWithoutNsqdIsRefused() throws IOException {
    Cli cli = Cli.run("dev", "-f", validFunctions().toString(), "--lookupd", "127.0.0.1:4161");

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(cli.err()).contains("--lookupd needs --nsqd");
  }

  @Test
  void watchIsOnByDefaultAndNoWatchTurnsItOff() {
    assertThat(parseDev().watch).isTrue();
    assertThat(parseDev("--no-watch").watch).isFalse();
    assertThat(parseDev("--watch").watch).isTrue();
  }

  private static DevCommand parseDev(String... args) {
    picocli.CommandLine cli = KubefuncsMain.commandLine();
    String[] all = new String[args.length + 1];
    all[0] = "dev";
    System.arraycopy(args, 0, all, 1, args.length);
    return (DevCommand) cli.parseArgs(all).subcommand().commandSpec().userObject();
  }

  private static void assertCanListen(int port) throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }
  }

  /** A development stack listens on this machine only unless told otherwise. */
  @Test
  void everyListenerDefaultsToLoopback() {
    picocli.CommandLine dev = KubefuncsMain.commandLine().getSubcommands().get("dev");
    assertThat(dev.getCommandSpec().findOption("--listen-addr").defaultValue())
        .startsWith("127.0.0.1:");
    assertThat(dev.getCommandSpec().findOption("--broker-host").defaultValue())
        .isEqualTo("127.0.0.1");
  }
}
