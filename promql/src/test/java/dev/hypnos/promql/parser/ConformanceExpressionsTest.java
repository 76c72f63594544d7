package dev.hypnos.promql.parser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Parses every expression of the eval lines of Prometheus's PromQL test scripts (when the shared
 * copy exists) with all features on, and checks that each prints and parses back to the same
 * tree. Evals that expect failure may fail to parse.
 */
class ConformanceExpressionsTest {
  private static final Pattern INSTANT = Pattern.compile("^eval(_\\w+)?\\s+instant\\s+at\\s+\\S+\\s+(.*)$");
  private static final Pattern RANGE =
      Pattern.compile("^eval(_\\w+)?\\s+range\\s+from\\s+\\S+\\s+to\\s+\\S+\\s+step\\s+\\S+\\s+(.*)$");

  record Case(String file, int line, String expr, boolean mayFail) {}

  static Path testdataDir() {
    List<Path> candidates = new ArrayList<>();
    String shared = System.getProperty("hypnos.shared.dir");
    if (shared != null) {
      candidates.add(Path.of(shared, "conformance", "promql-testdata"));
    }
    candidates.add(Path.of("/work/shared/conformance/promql-testdata"));
    for (Path p : candidates) {
      if (Files.isDirectory(p)) {
        return p;
      }
    }
    return candidates.get(candidates.size() - 1);
  }

  static List<Case> cases() throws IOException {
    Path dir = testdataDir();
    List<Case> out = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".test")).sorted().toList();
    }
    for (Path f : files) {
      List<String> lines = Files.readAllLines(f);
      for (int i = 0; i < lines.size(); i++) {
        String l = lines.get(i).trim();
        if (!l.startsWith("eval")) {
          continue;
        }
        Matcher m = INSTANT.matcher(l);
        if (!m.matches()) {
          m = RANGE.matcher(l);
          if (!m.matches()) {
            throw new AssertionError("unrecognised eval line " + f.getFileName() + ":" + (i + 1));
          }
        }
        boolean mayFail = "_fail".equals(m.group(1));
        for (int j = i + 1; j < lines.size(); j++) {
          String n = lines.get(j).trim();
          if (n.isEmpty() || n.startsWith("#") || n.startsWith("eval") || n.startsWith("load")
              || n.startsWith("clear")) {
            break;
          }
          if (n.startsWith("expect fail")) {
            mayFail = true;
          }
        }
        out.add(new Case(f.getFileName().toString(), i + 1, m.group(2), mayFail));
      }
    }
    return out;
  }

  @Test
  void everyEvalExpressionParsesAndRoundTrips() throws IOException {
    assumeTrue(
        Files.isDirectory(testdataDir()),
        "PromQL conformance test data not found at " + testdataDir() + "; skipping");
    List<Case> cases = cases();
    assertThat(cases).hasSizeGreaterThan(2000);
    List<String> failures = new ArrayList<>();
    int parsed = 0;
    for (Case c : cases) {
      Expr e;
      try {
        e = PromQLParser.parse(c.expr(), ParserOptions.ALL);
      } catch (ParseException ex) {
        if (!c.mayFail()) {
          failures.add(c.file() + ":" + c.line() + " " + c.expr() + "\n    -> " + ex.getMessage());
        }
        continue;
      }
      parsed++;
      String printed = Printer.print(e);
      try {
        Expr again = PromQLParser.parse(printed, ParserOptions.ALL);
        if (!Printer.canonical(again).equals(Printer.canonical(e))) {
          failures.add(
              c.file() + ":" + c.line() + " " + c.expr() + "\n    round trip differs: " + printed
                  + "\n    reprinted: " + Printer.print(again));
        }
      } catch (ParseException ex) {
        failures.add(
            c.file() + ":" + c.line() + " " + c.expr() + "\n    printed " + printed
                + " does not parse: " + ex.getMessage());
      }
    }
    assertThat(failures).as("failures (%d parsed)", parsed).isEmpty();
  }
}
