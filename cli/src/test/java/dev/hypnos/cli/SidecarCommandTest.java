package dev.hypnos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.testing.PrometheusServer;
import dev.hypnos.testing.Promtool;
import dev.hypnos.proto.thanos.info.InfoGrpc;
import dev.hypnos.proto.thanos.info.InfoRequest;
import dev.hypnos.proto.thanos.info.InfoResponse;
import dev.hypnos.sidecar.Shipper;
import dev.hypnos.storeapi.GrpcServers;
import dev.hypnos.storeapi.ProtoConverters;
import dev.hypnos.testing.storeapi.Dataset;
import io.grpc.ManagedChannel;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;
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
  void servesTheStoreApiProbesAndShipsBlocks() throws Exception {
    Path dir = Files.createTempDirectory("hypnos-sidecar-cli");
    Dataset dataset = Dataset.standard();
    Path data = dir.resolve("data");
    Files.createDirectories(data);
    for (Path b : dataset.writeBlocks(Promtool.require(), dir.resolve("gen"))) {
      Files.move(b, data.resolve(b.getFileName()));
    }
    Path bucketDir = dir.resolve("bucket");
    Files.createDirectories(bucketDir);
    Path objstore = dir.resolve("objstore.yml");
    Files.writeString(objstore, "type: FILESYSTEM\nconfig:\n  directory: " + bucketDir + "\n");
    // equal min and max block durations: Prometheus does not compact, as Thanos requires for uploads
    try (PrometheusServer prom = PrometheusServer.start(data, dataset.externalLabels(),
        List.of("--storage.tsdb.min-block-duration=2h", "--storage.tsdb.max-block-duration=2h"))) {
      SidecarCommand cmd = new SidecarCommand();
      CommandLine cl = new CommandLine(cmd);
      StringWriter err = new StringWriter();
      cl.setErr(new PrintWriter(err, true));
      cl.setExecutionExceptionHandler(new CliErrors());
      int[] exit = {-1};
      Thread t = new Thread(() -> exit[0] = cl.execute("--prometheus.url=" + prom.url(), "--tsdb.path=" + data,
          "--objstore.config-file=" + objstore, "--grpc-address=127.0.0.1:0", "--http-address=127.0.0.1:0",
          "--shipper.interval=1s"));
      t.start();
      try {
        assertThat(cmd.started.await(60, TimeUnit.SECONDS)).as("sidecar started; stderr: %s", err).isTrue();
        ManagedChannel ch = GrpcServers.plaintextChannel("127.0.0.1", cmd.grpcPort);
        try {
          InfoResponse info = InfoGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS).info(InfoRequest.getDefaultInstance());
          assertThat(info.getComponentType()).isEqualTo("sidecar");
          assertThat(ProtoConverters.toStoreInfo(info).labelSets()).containsExactly(dataset.externalLabels());
        } finally {
          GrpcServers.shutdown(ch, Duration.ofSeconds(5));
        }
        HttpClient http = HttpClient.newHttpClient();
        URI base = URI.create("http://127.0.0.1:" + cmd.httpPort);
        assertThat(http.send(HttpRequest.newBuilder(base.resolve("/-/ready")).build(), HttpResponse.BodyHandlers.ofString())
            .statusCode()).isEqualTo(200);
        // the shipper's first round runs at start; wait for the three blocks' meta.json
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (Shipper.readState(data).size() < 3 && System.nanoTime() < deadline) {
          Thread.sleep(200);
        }
        assertThat(Shipper.readState(data)).hasSize(3);
        for (String id : Shipper.readState(data)) {
          assertThat(bucketDir.resolve(id).resolve("meta.json")).exists();
        }
        String metrics = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("thanos_shipper_uploads_total 3").contains("hypnos_sidecar_prometheus_up 1");
      } finally {
        cmd.stop.countDown();
        t.join(30_000);
      }
      assertThat(exit[0]).isZero();
    } finally {
      Promtool.deleteTree(dir);
    }
  }

  @Test
  void durations() {
    assertThat(SidecarCommand.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(SidecarCommand.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(SidecarCommand.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThatThrownBy(() -> SidecarCommand.parseDuration("3x")).hasMessageContaining("3x");
  }
}
