package dev.hypnos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.testing.PrometheusServer;
import dev.hypnos.testing.Promtool;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SidecarCommandTest {

  private static int run(StringWriter err, String... args) {
    CommandLine cl = new CommandLine(new SidecarCommand());
    cl.setOut(new PrintWriter(new StringWriter()));
    cl.setErr(new PrintWriter(err, true));
    cl.setExecutionExceptionHandler(new CliErrors());
    return cl.execute(args);
  }

  @Test
  void refusesPrometheusWithoutExternalLabels() throws Exception {
    Path dir = Files.createTempDirectory("hypnos-sidecar-cli");
    try (PrometheusServer prom = PrometheusServer.start(dir.resolve("data"), Labels.EMPTY, List.of())) {
      StringWriter err = new StringWriter();
      int code = run(err, "--prometheus.url=" + prom.url(), "--tsdb.path=" + dir.resolve("data"),
          "--grpc-address=127.0.0.1:0", "--http-address=127.0.0.1:0");
      assertThat(code).isEqualTo(1);
      assertThat(err.toString()).startsWith("hypnos: error: ").contains("external_labels").contains(prom.url().toString());
    } finally {
      Promtool.deleteTree(dir);
    }
  }

  @Test
  void unreachablePrometheusIsAClearError() {
    StringWriter err = new StringWriter();
    int code = run(err, "--prometheus.url=http://127.0.0.1:1", "--grpc-address=127.0.0.1:0", "--http-address=127.0.0.1:0");
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("http://127.0.0.1:1/api/v1/status/config");
  }

  @Test
  void durations() {
    assertThat(SidecarCommand.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(SidecarCommand.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(SidecarCommand.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThatThrownBy(() -> SidecarCommand.parseDuration("3x")).hasMessageContaining("3x");
  }
}
