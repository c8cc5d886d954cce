package io.kubefuncs.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code kubefuncs version}: what {@code kubefuncs --version} prints, for those who type it as a
 * command.
 */
@Command(name = "version", description = "Prints the version of kubefuncs.")
final class VersionCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getParent().printVersionHelp(spec.commandLine().getOut());
    return 0;
  }
}
