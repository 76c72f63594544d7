package dev.hypnos.cli.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code hypnos tools bucket}: look at the blocks in a bucket. */
@Command(
    name = "bucket",
    mixinStandardHelpOptions = true,
    description = "Bucket utility commands.",
    subcommands = {BucketLs.class, BucketInspect.class})
public final class BucketCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: ls or inspect");
  }
}
