package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class KubefuncsMainTest {
  @Test
  void anUnknownCommandPrintsTheHelpOnStandardError() {
    Cli cli = Cli.run("publish", "--now");

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(cli.out()).isEmpty();
    assertThat(cli.err())
        .contains("Unmatched arguments from index 0: 'publish', '--now'")
        .contains("Usage: kubefuncs [-hV] [COMMAND]")
        .contains("dev", "call", "broker", "gateway", "init", "deploy", "status");
  }

  @Test
  void noCommandPrintsTheHelpToo() {
    Cli cli = Cli.run();

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(cli.err()).contains("Missing command").contains("Usage: kubefuncs");
  }

  @Test
  void helpListsEveryCommand() {
    Cli cli = Cli.run("--help");

    assertThat(cli.exitCode()).isZero();
    assertThat(cli.out())
        .contains("dev", "call", "broker", "gateway", "init", "docs/local-development.md");
  }

  @Test
  void theGatewayCommandIsTheGatewaysOwnEntryPoint() {
    Cli cli = Cli.run("gateway", "--help");

    assertThat(cli.exitCode()).isZero();
    assertThat(cli.out()).contains("--listen-addr", "--config", "--nsqd-addr", "--lookupd-addr");
  }

  /** Every flag after {@code gateway}, in order, is the gateway's to read, mistakes included. */
  @Test
  void theGatewayCommandHandsItsFlagsToTheGateway() {
    Cli missing = Cli.run("gateway", "--timeout", "5s", "--config", "/nowhere/routes.yaml");
    Cli bad = Cli.run("gateway", "--config", "/nowhere/routes.yaml", "--nsq-tls=maybe");

    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.err().strip())
        .isEqualTo("gateway: --config: there is no file /nowhere/routes.yaml");
    assertThat(bad.exitCode()).isEqualTo(2);
    assertThat(bad.err().strip()).startsWith("gateway: --nsq-tls (or NSQ_TLS)").contains("maybe");
  }

  @ParameterizedTest
  @ValueSource(strings = {"dev", "call", "broker", "gateway", "init", "version", "help"})
  void everyCommandHasHelpThreeWays(String command) {
    for (List<String> args :
        List.of(List.of(command, "--help"), List.of(command, "-h"), List.of("help", command))) {
      Cli cli = Cli.run(args.toArray(String[]::new));

      assertThat(cli.exitCode()).as("%s", args).isZero();
      assertThat(cli.err()).as("%s", args).isEmpty();
      assertThat(cli.out()).as("%s", args).contains("Usage: kubefuncs " + command);
    }
  }

  @Test
  void versionIsACommandAndAnOptionOfEveryCommand() {
    for (List<String> args :
        List.of(
            List.of("version"),
            List.of("--version"),
            List.of("dev", "-V"),
            List.of("call", "--version"))) {
      Cli cli = Cli.run(args.toArray(String[]::new));

      assertThat(cli.exitCode()).as("%s", args).isZero();
      assertThat(cli.out()).as("%s", args).startsWith("kubefuncs ");
    }
  }

  /**
   * The command list shows one line of each command: it must be a whole sentence, not a cut one.
   */
  @Test
  void eachCommandIsSummedUpInOneSentence() {
    KubefuncsMain.commandLine()
        .getSubcommands()
        .forEach(
            (name, command) -> {
              CommandLine.Model.UsageMessageSpec usage = command.getCommandSpec().usageMessage();
              String[] summary = usage.header().length > 0 ? usage.header() : usage.description();
              assertThat(summary).as(name).isNotEmpty();
              assertThat(summary[0]).as(name).endsWith(".");
            });
  }
}
