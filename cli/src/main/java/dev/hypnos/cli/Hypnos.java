package dev.hypnos.cli;

import dev.hypnos.cli.tools.ToolsCommand;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code hypnos} executable. */
@Command(
    name = "hypnos",
    mixinStandardHelpOptions = true,
    versionProvider = HypnosVersion.class,
    description = "The Thanos query tier, in Java: Store API, Prometheus HTTP API, object storage tools.",
    subcommands = {ToolsCommand.class})
public final class Hypnos implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  public static void main(String[] args) {
    System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line and returns the exit code; used by main and by tests. */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new Hypnos());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(new CliErrors());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    return cl.execute(args);
  }
}
