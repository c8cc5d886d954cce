package io.kubefuncs.cli;

import io.kubefuncs.gateway.GatewayMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code kubefuncs gateway FLAGS}: the gateway in this process, exactly as its image runs it. Its
 * flags are the gateway's own ({@link GatewayMain} reads them, and prints their help), so they
 * cannot differ between the image, the chart and this command.
 */
@Command(
    name = "gateway",
    description = "Runs the HTTP gateway in this process, with the gateway image's flags.",
    customSynopsis = "kubefuncs gateway [-hV] --config FILE [FLAG...]")
final class GatewayCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  /** Everything after {@code gateway} but {@code -h}/{@code -V}, for GatewayMain to read. */
  @Unmatched List<String> flags = new ArrayList<>();

  /**
   * The command, its usage help ending with the gateway's own list of flags (rendered only when
   * asked for).
   */
  static CommandLine commandLine() {
    CommandLine command = new CommandLine(new GatewayCommand());
    command
        .getHelpSectionMap()
        .put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER, help -> GatewayMain.help());
    return command;
  }

  @Override
  public Integer call() throws Exception {
    return GatewayMain.run(
        flags.toArray(String[]::new),
        System.getenv(),
        spec.commandLine().getOut(),
        spec.commandLine().getErr());
  }
}
