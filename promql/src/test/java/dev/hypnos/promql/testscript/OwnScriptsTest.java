package dev.hypnos.promql.testscript;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Runs our own scripts under src/test/resources/scripts; every eval must pass. */
class OwnScriptsTest {
  @TestFactory
  Stream<DynamicTest> scripts() throws IOException, URISyntaxException {
    Path dir = Path.of(OwnScriptsTest.class.getResource("/scripts").toURI());
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().endsWith(".test")).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
      List<EvalResult> results = ScriptRunner.run(List.of(f), ScriptRunner.HARNESS_FEATURES);
      assertThat(results).isNotEmpty();
      assertThat(results).filteredOn(r -> r.status() != EvalResult.Status.PASSED)
          .as("failed or skipped evals").isEmpty();
    }));
  }
}
