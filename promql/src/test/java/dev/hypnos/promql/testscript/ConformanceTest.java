package dev.hypnos.promql.testscript;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs Prometheus's own test scripts from the shared conformance folder ({@code
 * hypnos.shared.dir}/conformance/promql-testdata) and checks, per tag of eval-features.tsv, that
 * the number of passing evals does not fall below the recorded baseline
 * (conformance-baseline.properties). Skipped when the folder is absent.
 */
class ConformanceTest {
  static final List<String> TARGET_TAGS = List.of("core", "at_modifier", "negative_offset");

  record Row(String file, int line, Set<String> tags) {}

  /** hypnos.shared.dir, else the nearest parent directory holding shared/conformance (worktrees). */
  static Path conformanceDir() {
    String shared = System.getProperty("hypnos.shared.dir");
    if (shared != null) {
      Path d = Path.of(shared, "conformance", "promql-testdata");
      if (Files.isDirectory(d)) {
        return d;
      }
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path d = p.resolve("shared").resolve("conformance").resolve("promql-testdata");
      if (Files.isDirectory(d)) {
        return d;
      }
    }
    return null;
  }

  @Test
  void passCountsPerTagDoNotRegress() throws IOException {
    Path dir = conformanceDir();
    Assumptions.assumeTrue(dir != null, "no conformance folder (hypnos.shared.dir or a parent's shared/)");
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".test")).sorted().toList();
    }
    Map<String, Row> rows = new HashMap<>();
    for (String l : Files.readAllLines(dir.resolve("eval-features.tsv"))) {
      String[] f = l.split("\t");
      if (f[0].equals("file")) {
        continue;
      }
      rows.put(f[0] + ":" + f[1], new Row(f[0], Integer.parseInt(f[1]), Set.of(f[4].split(","))));
    }
    List<EvalResult> results = ScriptRunner.run(files, ScriptRunner.HARNESS_FEATURES);
    Map<String, int[]> perTag = new TreeMap<>();
    int[] strict = new int[2];
    List<String> strictFailures = new ArrayList<>();
    List<String> otherFailures = new ArrayList<>();
    List<String> allFailures = new ArrayList<>();
    for (EvalResult r : results) {
      Row row = rows.get(r.id());
      if (row == null) {
        continue;
      }
      boolean pass = r.status() == EvalResult.Status.PASSED;
      if (!pass) {
        allFailures.add(r + " [" + String.join(",", row.tags()) + "]");
      }
      for (String t : row.tags()) {
        int[] c = perTag.computeIfAbsent(t, k -> new int[2]);
        c[1]++;
        if (pass) {
          c[0]++;
        }
      }
      if (!pass && !TARGET_TAGS.containsAll(row.tags()) && row.tags().stream().anyMatch(TARGET_TAGS::contains)) {
        otherFailures.add(r + " [" + String.join(",", row.tags()) + "]");
      }
      if (TARGET_TAGS.containsAll(row.tags())) {
        strict[1]++;
        if (pass) {
          strict[0]++;
        } else {
          strictFailures.add(r.toString());
        }
      }
    }
    StringBuilder report = new StringBuilder("PromQL conformance (passed/total per tag):\n");
    perTag.forEach((t, c) -> report.append("  ").append(t).append(": ").append(c[0]).append('/').append(c[1]).append('\n'));
    report.append("  only core/at_modifier/negative_offset tags: ").append(strict[0]).append('/').append(strict[1]).append('\n');
    System.out.println(report);
    strictFailures.forEach(System.out::println);
    Path out = Path.of("target", "promql-conformance.txt");
    Files.createDirectories(out.getParent());
    Files.writeString(out, report + String.join("\n", strictFailures) + "\n\nWith a target tag and others:\n"
        + String.join("\n", otherFailures) + "\n");
    Files.writeString(out.resolveSibling("promql-conformance-all.txt"), String.join("\n", allFailures) + "\n");

    Properties baseline = new Properties();
    try (InputStream in = ConformanceTest.class.getResourceAsStream("/conformance-baseline.properties")) {
      if (in != null) {
        baseline.load(in);
      }
    }
    Set<String> guarded = new java.util.TreeSet<>(TARGET_TAGS);
    guarded.addAll(baseline.stringPropertyNames());
    guarded.remove("strict");
    for (String tag : guarded) {
      int min = Integer.parseInt(baseline.getProperty(tag, "0"));
      int got = perTag.getOrDefault(tag, new int[2])[0];
      assertThat(got).as("passing evals tagged " + tag + " (baseline " + min + ")").isGreaterThanOrEqualTo(min);
    }
    int minStrict = Integer.parseInt(baseline.getProperty("strict", "0"));
    assertThat(strict[0]).as("passing evals with only target tags").isGreaterThanOrEqualTo(minStrict);
  }
}
