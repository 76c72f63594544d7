package dev.hypnos.cli;

import dev.hypnos.cli.tools.ToolsCommand;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code hypnos} executable. */
@Command(
    name = "hypnos",
    mixinStandardHelpOptions = true,
    versionProvider = HypnosVersion.class,
    description = "The Thanos query tier, in Java: Store API, Prometheus HTTP API, object storage tools.",
    subcommands = {QueryCommand.class, StoreCommand.class, CompactCommand.class, SidecarCommand.class, DemoCommand.class,
        ToolsCommand.class})
public final class Hypnos implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  public static void main(String[] args) {
    // stdout is buffered (tools can print millions of lines) and flushed before exit.
    PrintWriter out =
        new PrintWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16), false);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    int code = execute(args, out, err);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** Runs the command line and returns the exit code; used by main and by tests. */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(new CliErrors());
    return cl.execute(args);
  }

  /**
   * The command tree with the parser settings {@link #execute} uses; tests dry-parse argument lists
   * with it ({@code parseArgs}) to check flags without running anything.
   */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Hypnos());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    return cl;
  }
}
