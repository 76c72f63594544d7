package dev.hypnos.cli.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code hypnos tools}: short-lived utility commands, like {@code thanos tools}. */
@Command(
    name = "tools",
    mixinStandardHelpOptions = true,
    description = "Utility commands for buckets and blocks.",
    subcommands = {BucketCommand.class, BlockCommand.class, PromqlTest.class})
public final class ToolsCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: bucket or block");
  }
}
