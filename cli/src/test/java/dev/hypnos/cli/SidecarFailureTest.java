package dev.hypnos.cli;

import static dev.hypnos.cli.E2eSupport.await;
import static dev.hypnos.cli.E2eSupport.getJson;
import static dev.hypnos.cli.E2eSupport.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hypnos.cli.E2eSupport.InProcessSidecar;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.Buckets;
import dev.hypnos.core.objstore.ObjectAttributes;
import dev.hypnos.sidecar.Shipper;
import dev.hypnos.testing.PrometheusServer;
import dev.hypnos.testing.Promtool;
import dev.hypnos.testing.S3Proxy;
import dev.hypnos.testing.storeapi.Dataset;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The sidecar when what it depends on fails after start: Prometheus going away and coming back
 * (readiness, the querier's view of the endpoint), and the object store going away during and
 * between uploads (nothing half-uploaded looks complete; every block arrives once it is back).
 * Startup refusals (Prometheus unreachable, no external labels) are in {@link SidecarCommandTest}.
 */
class SidecarFailureTest {
  @TempDir Path dir;

  @Test
  void prometheusGoingAwayFailsReadinessAndTheQuerierHealthCheckUntilItReturns() throws Exception {
    assumeTrue(PrometheusServer.find().isPresent(), "prometheus is not installed");
    Labels ext = Labels.of("cluster", "flaky", "replica", "0");
    try (PrometheusServer prom = PrometheusServer.start(dir.resolve("prom"), ext, List.of());
        InProcessSidecar sidecar = new InProcessSidecar("flaky", List.of("--prometheus.url=" + prom.url(),
            "--tsdb.path=" + prom.dataDir(), "--grpc-address=127.0.0.1:0", "--http-address=127.0.0.1:0"))) {
      String address = "127.0.0.1:" + sidecar.command.grpcPort;
      QueryCommand qc = new QueryCommand();
      CommandLine cl = new CommandLine(qc);
      cl.setOut(new PrintWriter(new StringWriter()));
      cl.parseArgs("--http-address=127.0.0.1:0", "--grpc-address=127.0.0.1:0", "--endpoint=" + address);
      try (QueryCommand.Running q = qc.start()) {
        String stores = "http://127.0.0.1:" + q.api.port() + "/api/v1/stores";
        String ready = sidecar.httpBase() + "/-/ready";
        await("the querier to see the sidecar healthy", Duration.ofSeconds(30),
            () -> lastError(stores, address).isEmpty() && checked(stores, address), () -> "stores: " + body(stores));
        assertThat(E2eSupport.get(ready).statusCode()).as("sidecar ready while Prometheus runs").isEqualTo(200);
        assertThat(E2eSupport.get(sidecar.httpBase() + "/metrics").body()).contains("hypnos_sidecar_prometheus_up 1");

        log("stopping Prometheus at %s", prom.url());
        prom.stop();
        var notReady = E2eSupport.get(ready);
        assertThat(notReady.statusCode()).as("sidecar /-/ready without Prometheus").isEqualTo(503);
        assertThat(notReady.body()).contains(prom.url().toString());
        assertThat(E2eSupport.get(sidecar.httpBase() + "/metrics").body()).contains("hypnos_sidecar_prometheus_up 0");
        await("the querier to mark the sidecar unhealthy", Duration.ofSeconds(30),
            () -> lastError(stores, address).isPresent(), () -> "stores: " + body(stores));
        String error = lastError(stores, address).orElseThrow();
        log("querier's last error for %s: %s", address, error);
        assertThat(error).as("last error names Prometheus").contains(prom.url().toString());

        log("restarting Prometheus");
        prom.restart();
        assertThat(E2eSupport.get(ready).statusCode()).as("sidecar ready again").isEqualTo(200);
        await("the querier to see the sidecar healthy again", Duration.ofSeconds(30),
            () -> lastError(stores, address).isEmpty(), () -> "stores: " + body(stores));
        assertThat(sidecar.running()).isTrue();
      }
    }
  }

  @Test
  void objectStoreOutageDuringAndBetweenUploadsLeavesNoBlockLookingCompleteAndIsRetried() throws Exception {
    Path tsdb = Files.createDirectories(dir.resolve("tsdb"));
    for (Path b : Dataset.standard().writeBlocks(Promtool.require(), dir.resolve("gen"))) {
      Files.move(b, tsdb.resolve(b.getFileName()));
    }
    List<String> ids = new ArrayList<>();
    try (var ds = Files.newDirectoryStream(tsdb)) {
      ds.forEach(p -> ids.add(p.getFileName().toString()));
    }
    ids.sort(null);
    assertThat(ids).hasSize(3);
    try (S3Proxy s3 = S3Proxy.start("shipper-access", "shipper-secret")) {
      Path bucketDir = s3.createBucket("blocks");
      String yaml = "type: S3\nconfig:\n  bucket: blocks\n  endpoint: " + s3.hostPort() + "\n  region: us-east-1\n"
          + "  access_key: " + s3.accessKey() + "\n  secret_key: " + s3.secretKey() + "\n  insecure: true\n"
          + "  max_retries: 1\n";
      try (Bucket real = Buckets.open(yaml, "test objstore")) {
        // The object store goes away just before the first block's index is sent: its chunks are in,
        // its index and meta.json are not.
        String firstIndex = ids.get(0) + "/index";
        boolean[] stopped = {false};
        Bucket outage = new OutageBucket(real, key -> {
          if (key.equals(firstIndex) && !stopped[0]) {
            stopped[0] = true;
            log("stopping S3Proxy before uploading %s", key);
            s3.stop();
          }
        });
        Shipper shipper = new Shipper(tsdb, outage, () -> Labels.of("cluster", "outage"), false, Clock.systemUTC());
        Shipper.SyncResult first = shipper.sync();
        log("round 1 while S3 went away: uploaded %s, failed %s", first.uploaded(), first.failed());
        assertThat(first.uploaded()).isEmpty();
        assertThat(first.failed()).hasSize(3);
        assertThat(bucketDir.resolve(ids.get(0)).resolve("chunks")).as("chunks of the first block reached S3").isDirectory();
        for (String id : ids) {
          assertThat(bucketDir.resolve(id).resolve(BlockMetaJson.FILE_NAME)).as("meta.json of %s", id).doesNotExist();
        }
        assertThat(Shipper.readState(tsdb)).as("nothing recorded as shipped").isEmpty();

        Shipper.SyncResult second = shipper.sync();
        assertThat(second.failed()).as("round 2 with S3 still down").hasSize(3);
        assertThat(shipper.metrics().uploadFailures()).isEqualTo(6);

        log("restarting S3Proxy");
        s3.restart();
        Shipper.SyncResult third = shipper.sync();
        log("round 3 with S3 back: uploaded %s, failed %s", third.uploaded(), third.failed());
        assertThat(third.failed()).isEmpty();
        assertThat(third.uploaded()).hasSize(3);
        assertThat(Shipper.readState(tsdb)).containsExactlyInAnyOrderElementsOf(ids);
        for (String id : ids) {
          Path block = bucketDir.resolve(id);
          assertThat(block.resolve(BlockMetaJson.FILE_NAME)).exists();
          assertThat(Files.size(block.resolve("index"))).isEqualTo(Files.size(tsdb.resolve(id).resolve("index")));
          assertThat(BlockMetaJson.read(block).thanos().labels()).containsEntry("cluster", "outage");
        }
        assertThat(shipper.sync().uploaded()).as("nothing left to ship").isEmpty();
      }
    }
  }

  @Test
  void tlsFlagsMustComeTogether() {
    assertThatThrownBy(() -> SidecarCommand.serverTls(dir.resolve("c.pem"), null, null))
        .hasMessageContaining("--grpc-server-tls-key");
    assertThatThrownBy(() -> SidecarCommand.serverTls(null, null, dir.resolve("ca.pem")))
        .hasMessageContaining("--grpc-server-tls-client-ca");
    assertThatThrownBy(() -> SidecarCommand.serverTls(dir.resolve("c.pem"), dir.resolve("k.pem"), null))
        .hasMessageContaining("c.pem").hasMessageContaining("does not exist");
    assertThat(SidecarCommand.serverTls(null, null, null)).isNull();
  }

  private static boolean checked(String storesUrl, String address) {
    JsonNode e = entry(storesUrl, address);
    return e != null && !e.path("lastCheck").asText().startsWith("0001");
  }

  private static Optional<String> lastError(String storesUrl, String address) {
    JsonNode e = entry(storesUrl, address);
    if (e == null) {
      return Optional.of("(not listed)");
    }
    return e.path("lastError").isNull() ? Optional.empty() : Optional.of(e.path("lastError").asText());
  }

  private static @Nullable JsonNode entry(String storesUrl, String address) {
    try {
      for (JsonNode type : getJson(storesUrl).path("data")) {
        for (JsonNode e : type) {
          if (address.equals(e.path("name").asText())) {
            return e;
          }
        }
      }
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return null;
  }

  private static String body(String url) {
    try {
      return E2eSupport.get(url).body();
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** A real bucket that runs {@code beforeUpload} before each upload is passed on. */
  private static final class OutageBucket implements Bucket {
    private final Bucket delegate;
    private final Consumer<String> beforeUpload;

    OutageBucket(Bucket delegate, Consumer<String> beforeUpload) {
      this.delegate = delegate;
      this.beforeUpload = beforeUpload;
    }

    @Override
    public String name() {
      return delegate.name();
    }

    @Override
    public InputStream get(String key) throws IOException {
      return delegate.get(key);
    }

    @Override
    public InputStream getRange(String key, long offset, long length) throws IOException {
      return delegate.getRange(key, offset, length);
    }

    @Override
    public boolean exists(String key) throws IOException {
      return delegate.exists(key);
    }

    @Override
    public ObjectAttributes attributes(String key) throws IOException {
      return delegate.attributes(key);
    }

    @Override
    public void iter(String dir, Consumer<String> consumer) throws IOException {
      delegate.iter(dir, consumer);
    }

    @Override
    public void iterRecursive(String dir, Consumer<String> consumer) throws IOException {
      delegate.iterRecursive(dir, consumer);
    }

    @Override
    public void upload(String key, InputStream in, long length) throws IOException {
      beforeUpload.accept(key);
      delegate.upload(key, in, length);
    }

    @Override
    public void delete(String key) throws IOException {
      delegate.delete(key);
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }
}
