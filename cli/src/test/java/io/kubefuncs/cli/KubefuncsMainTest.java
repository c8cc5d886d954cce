package io.kubefuncs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KubefuncsMainTest {
  @Test
  void anUnknownCommandPrintsTheHelpOnStandardError() {
    Cli cli = Cli.run("deploy", "--now");

    assertThat(cli.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(cli.out()).isEmpty();
    assertThat(cli.err())
        .contains("Unmatched arguments from index 0: 'deploy', '--now'")
        .contains("Usage: kubefuncs [-hV] [COMMAND]")
        .contains("dev", "call", "broker", "gateway", "init");
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
    assertThat(cli.out()).contains("dev", "call", "broker", "gateway", "init", "docs/local-development.md");
  }

  @Test
  void theGatewayCommandIsTheGatewaysOwnEntryPoint() {
    Cli cli = Cli.run("gateway", "--help");

    assertThat(cli.exitCode()).isZero();
    assertThat(cli.out()).contains("--listen-addr", "--config", "--nsqd-addr", "--lookupd-addr");
  }
}
