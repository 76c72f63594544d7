package dev.hypnos.cli.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.cli.Hypnos;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromqlTestCommandTest {
  @TempDir Path tmp;

  @Test
  void reportsFailingEvalsWithFileAndLineAndASummary() throws IOException {
    Path script = tmp.resolve("mine.test");
    Files.writeString(script, """
        load 1m
          http_requests_total{job="api"} 0+10x10

        eval instant at 5m http_requests_total
          http_requests_total{job="api"} 50

        eval instant at 5m http_requests_total * 2
          {job="api"} 999

        eval instant at 10m rate(http_requests_total[5m])
          {job="api"} 0.16666666666666666
        """);
    Path json = tmp.resolve("out.json");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Hypnos.execute(new String[] {"tools", "promql-test", "--json", json.toString(), script.toString()},
        new PrintWriter(out), new PrintWriter(err));
    assertThat(code).as(err.toString()).isEqualTo(1);
    String[] lines = out.toString().split("\n");
    assertThat(lines).hasSize(2);
    assertThat(lines[0]).startsWith("mine.test:7: http_requests_total * 2: ").contains("999");
    assertThat(lines[1]).isEqualTo("2 passed, 1 failed, 0 skipped");
    assertThat(Files.readString(json)).contains(
        "{\"file\":\"mine.test\",\"line\":4,\"status\":\"passed\"}",
        "{\"file\":\"mine.test\",\"line\":7,\"status\":\"failed\"}",
        "{\"file\":\"mine.test\",\"line\":10,\"status\":\"passed\"}");
  }

  @Test
  void allPassingExitsZeroAndAMissingFileIsAUsageError() throws IOException {
    Path script = tmp.resolve("ok.test");
    Files.writeString(script, "load 1m\n  up 1 1 1\n\neval instant at 1m up\n  up 1\n");
    StringWriter out = new StringWriter();
    assertThat(Hypnos.execute(new String[] {"tools", "promql-test", script.toString()}, new PrintWriter(out),
        new PrintWriter(new StringWriter()))).isZero();
    assertThat(out.toString()).isEqualTo("1 passed, 0 failed, 0 skipped\n");
    StringWriter err = new StringWriter();
    assertThat(Hypnos.execute(new String[] {"tools", "promql-test", tmp.resolve("nope.test").toString()},
        new PrintWriter(new StringWriter()), new PrintWriter(err))).isEqualTo(2);
    assertThat(err.toString()).contains("nope.test");
  }
}
