package io.kubefuncs.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code kubefuncs} command: {@code dev}, {@code call}, {@code broker}, {@code gateway}, {@code
 * init}, {@code deploy}, {@code status}, {@code help} and {@code version}. {@code -h}/{@code
 * --help} and {@code -V}/{@code --version} work on every command (inherited scope), and help is
 * wrapped to the terminal's width.
 */
@Command(
    name = "kubefuncs",
    mixinStandardHelpOptions = true,
    scope = CommandLine.ScopeType.INHERIT,
    versionProvider = KubefuncsMain.Version.class,
    usageHelpAutoWidth = true,
    description =
        "Lightweight functions on Kubernetes over NSQ: create, run and call them on this machine, deploy them to a cluster.",
    footer = {
      "",
      "Run 'kubefuncs help COMMAND' or 'kubefuncs COMMAND --help' for a command's options.",
      "Docs: docs/local-development.md"
    },
    subcommands = {CommandLine.HelpCommand.class, VersionCommand.class})
public final class KubefuncsMain implements Callable<Integer> {
  @Spec CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * The command line with every subcommand; bad input prints its message and exits {@link
   * ExitCodes#BAD_INPUT}.
   */
  static CommandLine commandLine() {
    CommandLine cli =
        new CommandLine(new KubefuncsMain())
            .addSubcommand(new DevCommand())
            .addSubcommand(new CallCommand())
            .addSubcommand(new BrokerCommand())
            .addSubcommand(GatewayCommand.commandLine())
            .addSubcommand(new InitCommand())
            .addSubcommand(new DeployCommand())
            .addSubcommand(new StatusCommand());
    // `call --data @file` reads a file as curl does; picocli would expand it into arguments.
    cli.setExpandAtFiles(false);
    // picocli leaves the usage out when it has a suggestion; a newcomer needs both.
    cli.setParameterExceptionHandler(
        (e, args) -> {
          CommandLine command = e.getCommandLine();
          command.getErr().println(e.getMessage());
          CommandLine.UnmatchedArgumentException.printSuggestions(e, command.getErr());
          command.usage(command.getErr());
          return ExitCodes.BAD_INPUT;
        });
    cli.setExecutionExceptionHandler(
        (e, command, parsed) -> {
          if (e instanceof InvalidInputException) {
            command
                .getErr()
                .println(command.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            return ExitCodes.BAD_INPUT;
          }
          if (e instanceof StepFailedException) {
            command
                .getErr()
                .println(command.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            return ExitCodes.ERROR;
          }
          throw e;
        });
    return cli;
  }

  /** Without a command: the usage, as for an unknown one. */
  @Override
  public Integer call() {
    throw new CommandLine.ParameterException(
        spec.commandLine(),
        "Missing command: choose one of " + String.join(", ", spec.subcommands().keySet()));
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = KubefuncsMain.class.getPackage().getImplementationVersion();
      return new String[] {"kubefuncs " + (version == null ? "(development build)" : version)};
    }
  }
}
