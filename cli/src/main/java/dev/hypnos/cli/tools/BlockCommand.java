package dev.hypnos.cli.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code hypnos tools block}: read the data inside blocks. */
@Command(
    name = "block",
    mixinStandardHelpOptions = true,
    description = "Block utility commands.",
    subcommands = {BlockDump.class})
public final class BlockCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: dump");
  }
}
