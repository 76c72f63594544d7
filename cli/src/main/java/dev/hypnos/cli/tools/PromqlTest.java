package dev.hypnos.cli.tools;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.hypnos.promql.testscript.EvalResult;
import dev.hypnos.promql.testscript.ScriptRunner;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hypnos tools promql-test}: runs PromQL test scripts (Prometheus's {@code promqltest}
 * format) against our engine. One line per failing eval, then {@code N passed, N failed, N
 * skipped}; exit code 1 when an eval failed.
 */
@Command(
    name = "promql-test",
    mixinStandardHelpOptions = true,
    description = "Run PromQL test scripts (Prometheus's .test format) against the Hypnos engine.")
public final class PromqlTest implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "FILE", description = "Test scripts to run.")
  List<Path> files = new ArrayList<>();

  @Option(names = "--json", paramLabel = "OUT", description = "Also write one record per eval ({file, line, status}) to this file, as a JSON array.")
  @Nullable Path json;

  @Option(
      names = "--enable-feature",
      paramLabel = "NAME",
      split = ",",
      description = "Engine and harness features (default: all that Prometheus's own test harness enables).")
  List<String> features = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "FILE " + f + ": no such file");
      }
    }
    Set<String> enabled = features.isEmpty() ? ScriptRunner.HARNESS_FEATURES : new HashSet<>(features);
    List<EvalResult> results = ScriptRunner.run(files, enabled);
    PrintWriter out = spec.commandLine().getOut();
    boolean failed = false;
    for (EvalResult r : results) {
      if (r.status() == EvalResult.Status.FAILED) {
        failed = true;
        out.println(r.id() + ": " + r.expr() + ": " + r.message());
      }
    }
    out.println(ScriptRunner.summary(results));
    out.flush();
    if (json != null) {
      writeJson(json, results);
    }
    return failed ? 1 : 0;
  }

  private static void writeJson(Path file, List<EvalResult> results) throws java.io.IOException {
    try (JsonGenerator g = new JsonFactory().createGenerator(file.toFile(), JsonEncoding.UTF8)) {
      g.writeStartArray();
      for (EvalResult r : results) {
        g.writeRaw('\n');
        g.writeStartObject();
        g.writeStringField("file", r.file());
        g.writeNumberField("line", r.line());
        g.writeStringField("status", r.status().name().toLowerCase(Locale.ROOT));
        g.writeEndObject();
      }
      g.writeRaw('\n');
      g.writeEndArray();
      g.writeRaw('\n');
    }
  }
}
