package io.kubefuncs.cli;

import io.kubefuncs.devbroker.DevBroker;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code kubefuncs broker}: the dev broker alone, in the foreground, until Ctrl-C. */
@Command(
    name = "broker",
    sortOptions = false,
    header = "Runs the dev broker alone: an in-memory nsqd and nsqlookupd.",
    description =
        "On nsqd's usual ports, for development and tests only (nothing is kept; never for"
            + " production). Ctrl-C stops it.")
final class BrokerCommand implements Callable<Integer> {
  @Mixin BrokerOptions options;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    CliLogging.warningsOnly();
    StopSignals signals = StopSignals.install(() -> {});
    try (DevBroker broker = options.start()) {
      out.println("dev broker (in memory, for development only)");
      out.println(
          "  nsqd        tcp "
              + Address.of(broker.tcpAddress())
              + "  http "
              + Address.of(broker.httpAddress()));
      out.println(
          "  nsqlookupd  tcp "
              + Address.of(broker.lookupdTcpAddress())
              + "  http "
              + Address.of(broker.lookupdHttpAddress()));
      out.println("ready; Ctrl-C stops it");
      signals.await();
    }
    out.println("stopped");
    return ExitCodes.OK;
  }
}
