package dev.hypnos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.storeapi.GrpcServers;
import dev.hypnos.storeapi.GrpcStoreApiClient;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesResponse;
import dev.hypnos.storeapi.StoreInfo;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.Promtool;
import dev.hypnos.testing.S3Proxy;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hypnos store} as an operator runs it: a separate JVM over a FILESYSTEM bucket of blocks
 * made by promtool, on loopback ports chosen by the OS, stopped with SIGTERM.
 */
class StoreCommandTest {
  @TempDir static Path tmp;
  static Path bucketDir;
  static Path config;
  static List<BlockMeta> metas = new ArrayList<>();
  static Set<Labels> dumpedSeries = new HashSet<>();

  private static final Pattern HTTP_LISTEN = Pattern.compile("listening for HTTP .* on 127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern GRPC_LISTEN = Pattern.compile("listening for Store API gRPC on 127\\.0\\.0\\.1:(\\d+)");

  @BeforeAll
  static void makeBucket() throws IOException {
    Promtool promtool = Promtool.require();
    OpenMetricsGenerator.Result data =
        new OpenMetricsGenerator(OpenMetricsGenerator.Config.defaults()).write(tmp.resolve("data.om"));
    bucketDir = tmp.resolve("bucket");
    List<Path> blocks = promtool.createBlocksFromOpenMetrics(data.file(), bucketDir);
    assertThat(blocks).hasSizeGreaterThanOrEqualTo(2);
    for (Path b : blocks) {
      BlockMeta m = BlockMetaJson.read(b).withThanos(BlockMeta.Thanos.of(Map.of("cluster", "test"), 0, "sidecar"));
      BlockMetaJson.write(b, m);
      metas.add(m);
    }
    for (OpenMetricsGenerator.Series s : data.series()) {
      dumpedSeries.add(s.labels());
    }
    // A partial upload: a block directory without meta.json.
    Files.createDirectories(bucketDir.resolve("01JC0000000000000000000000/chunks"));
    Files.writeString(bucketDir.resolve("01JC0000000000000000000000/index"), "partial");
    config = tmp.resolve("bucket.yml");
    Files.writeString(config, "type: FILESYSTEM\nconfig:\n  directory: " + bucketDir + "\n");
  }

  /** A running {@code hypnos store} process; its output goes to a file. */
  static final class StoreProcess implements AutoCloseable {
    final Process process;
    final Path log;

    StoreProcess(Path log, List<String> args) throws IOException {
      this.log = log;
      List<String> cmd = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
          "--enable-native-access=ALL-UNNAMED",
          "-cp", System.getProperty("java.class.path"), Hypnos.class.getName(), "store"));
      cmd.addAll(args);
      process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    int awaitPort(Pattern p) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (System.nanoTime() < deadline) {
        java.util.regex.Matcher m = p.matcher(output());
        if (m.find()) {
          return Integer.parseInt(m.group(1));
        }
        if (!process.isAlive()) {
          throw new AssertionError("hypnos store exited with " + process.exitValue() + ":\n" + output());
        }
        Thread.sleep(50);
      }
      throw new AssertionError("no line matching " + p + " in:\n" + output());
    }

    String output() throws IOException {
      return Files.readString(log, StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static HttpResponse<String> get(HttpClient client, int port, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesTheBucketBecomesReadyAndStopsCleanlyOnSigterm() throws Exception {
    try (StoreProcess store = new StoreProcess(tmp.resolve("store.log"), List.of(
        "--objstore.config-file=" + config,
        "--data-dir=" + tmp.resolve("data"),
        "--http-address=127.0.0.1:0",
        "--grpc-address=127.0.0.1:0",
        "--grpc-grace-period=5s",
        "--log.level=info"))) {
      int httpPort = store.awaitPort(HTTP_LISTEN);
      int grpcPort = store.awaitPort(GRPC_LISTEN);
      HttpClient client = HttpClient.newHttpClient();

      assertThat(get(client, httpPort, "/-/healthy").statusCode()).isEqualTo(200);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      HttpResponse<String> ready = get(client, httpPort, "/-/ready");
      while (ready.statusCode() != 200 && System.nanoTime() < deadline) {
        assertThat(ready.statusCode()).isEqualTo(503);
        Thread.sleep(100);
        ready = get(client, httpPort, "/-/ready");
      }
      assertThat(ready.statusCode()).as(store.output()).isEqualTo(200);

      String metrics = get(client, httpPort, "/metrics").body();
      assertThat(metrics)
          .contains("thanos_blocks_meta_synced{state=\"loaded\"} " + metas.size() + ".0")
          .contains("thanos_blocks_meta_synced{state=\"no-meta-json\"} 1.0")
          .contains("thanos_blocks_meta_syncs_total 1.0")
          .contains("thanos_bucket_store_blocks_loaded " + metas.size() + ".0")
          .contains("jvm_memory_used_bytes");
      assertThat(tmp.resolve("data/meta-syncer").resolve(metas.get(0).ulid().toString()).resolve("meta.json")).exists();

      ManagedChannel channel = GrpcServers.plaintextChannel("127.0.0.1", grpcPort);
      try {
        GrpcStoreApiClient client2 = new GrpcStoreApiClient(channel, "store");
        StoreInfo info = client2.info();
        long min = metas.stream().mapToLong(BlockMeta::minTime).min().orElseThrow();
        long max = metas.stream().mapToLong(BlockMeta::maxTime).max().orElseThrow();
        assertThat(info.minTime()).isEqualTo(min);
        assertThat(info.maxTime()).isEqualTo(max);
        assertThat(info.labelSets()).containsExactly(Labels.of("cluster", "test"));

        // Every series promtool wrote comes back, with the external label added.
        Set<Labels> got = new HashSet<>();
        client2.series(SeriesRequest.builder(min, max, List.of(Matcher.re("__name__", ".+")))
            .skipChunks(true).build(), r -> {
              if (r instanceof SeriesResponse.SeriesItem s) {
                got.add(s.series().labels().without("cluster"));
                assertThat(s.series().labels().get("cluster")).isEqualTo("test");
              }
            });
        assertThat(got).isEqualTo(dumpedSeries);
      } finally {
        GrpcServers.shutdown(channel, Duration.ofSeconds(5));
      }

      store.process.destroy(); // SIGTERM
      assertThat(store.process.waitFor(60, TimeUnit.SECONDS)).as(store.output()).isTrue();
      assertThat(store.process.exitValue()).as(store.output()).isZero();
      assertThat(store.output()).contains("stop requested: received SIGTERM", "store stopped");
    }
  }

  private static HttpResponse<String> awaitReady(HttpClient client, int port, int status, StoreProcess store)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    HttpResponse<String> r = get(client, port, "/-/ready");
    while (r.statusCode() != status && System.nanoTime() < deadline) {
      Thread.sleep(200);
      r = get(client, port, "/-/ready");
    }
    assertThat(r.statusCode()).as(store.output()).isEqualTo(status);
    return r;
  }

  @Test
  void anS3OutageMakesItUnreadyUntilTheBucketReturns() throws Exception {
    try (S3Proxy s3 = S3Proxy.start("hypnos-access", "hypnos-secret-key");
        TcpForwarder link = new TcpForwarder(s3.port())) {
      Promtool.copyTree(bucketDir, s3.createBucket("metrics"));
      String yaml = "type: S3\nconfig:\n  bucket: metrics\n  endpoint: 127.0.0.1:" + link.port()
          + "\n  region: us-east-1\n  access_key: " + s3.accessKey() + "\n  secret_key: " + s3.secretKey()
          + "\n  insecure: true\n";
      try (StoreProcess store = new StoreProcess(tmp.resolve("s3-store.log"), List.of(
          "--objstore.config=" + yaml,
          "--data-dir=" + tmp.resolve("s3-data"),
          "--http-address=127.0.0.1:0",
          "--grpc-address=127.0.0.1:0",
          "--grpc-grace-period=1s"))) {
        int httpPort = store.awaitPort(HTTP_LISTEN);
        HttpClient client = HttpClient.newHttpClient();
        awaitReady(client, httpPort, 200, store);
        assertThat(get(client, httpPort, "/metrics").body())
            .contains("thanos_bucket_store_blocks_loaded " + metas.size() + ".0");

        link.cut();
        HttpResponse<String> down = awaitReady(client, httpPort, 503, store);
        assertThat(down.body()).contains("not ready: object store", "unreachable");
        assertThat(get(client, httpPort, "/-/healthy").statusCode()).isEqualTo(200);

        link.restore();
        awaitReady(client, httpPort, 200, store);

        store.process.destroy();
        assertThat(store.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(store.process.exitValue()).as(store.output()).isZero();
      }
    }
  }

  private static int run(StringWriter err, String... args) {
    return Hypnos.execute(args, new PrintWriter(new StringWriter()), new PrintWriter(err, true));
  }

  @Test
  void badFlagsFailBeforeAnythingStarts() {
    String cfg = "--objstore.config-file=" + config;
    record Case(List<String> args, String message) {}
    List<Case> cases = List.of(
        new Case(List.of(cfg, "--min-time=yesterday"), "--min-time: \"yesterday\" is neither an RFC 3339 time"),
        new Case(List.of(cfg, "--min-time=2026-01-02T00:00:00Z", "--max-time=2026-01-01T00:00:00Z"),
            "--min-time 2026-01-02T00:00:00Z is after --max-time 2026-01-01T00:00:00Z"),
        new Case(List.of(cfg, "--selector.relabel-config=- action: replace"),
            "--selector.relabel-config: relabel config #1: action \"replace\" is not supported here"),
        new Case(List.of(cfg, "--sync-block-duration=15"), "invalid duration \"15\""),
        new Case(List.of(cfg, "--index-cache-size=lots"), "invalid byte size \"lots\""),
        new Case(List.of(cfg, "--http-address=10902"), "--http-address 10902: expected host:port"),
        new Case(List.of(cfg, "--block-sync-concurrency=0"), "--block-sync-concurrency 0 must be at least 1"),
        new Case(List.of(cfg, "--log.level=chatty"), "--log.level chatty is not one of debug, info, warn, error"),
        new Case(List.of("--data-dir=x"), "--objstore.config-file"));
    for (Case c : cases) {
      StringWriter err = new StringWriter();
      List<String> args = new ArrayList<>(List.of("store", "--data-dir=" + tmp.resolve("bad-flags")));
      args.addAll(c.args());
      assertThat(run(err, args.toArray(String[]::new))).as(c.args().toString()).isNotZero();
      assertThat(err.toString()).as(c.args().toString()).contains(c.message());
    }
  }

  @Test
  void flagTypesReadThanosSyntax() {
    assertThat(FlagTypes.parseDuration("15m")).isEqualTo(Duration.ofMinutes(15));
    assertThat(FlagTypes.parseDuration("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(FlagTypes.parseDuration("1.5h")).isEqualTo(Duration.ofMinutes(90));
    assertThat(FlagTypes.parseDuration("0s")).isEqualTo(Duration.ZERO);
    assertThat(FlagTypes.parseDuration("0")).isEqualTo(Duration.ZERO);
    assertThat(FlagTypes.parseDuration("2d")).isEqualTo(Duration.ofDays(2));
    assertThat(FlagTypes.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(FlagTypes.parseBytes("250MB")).isEqualTo(250L << 20);
    assertThat(FlagTypes.parseBytes("1GiB")).isEqualTo(1L << 30);
    assertThat(FlagTypes.parseBytes("512KB")).isEqualTo(512L << 10);
    assertThat(FlagTypes.parseBytes("1024")).isEqualTo(1024);
    for (String bad : List.of("", "m", "15", "-1m", "1h 2m", "1x")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> FlagTypes.parseDuration(bad), bad)
          .hasMessageContaining("invalid duration");
    }
    for (String bad : List.of("", "MB", "1XB", "1iB", "-5MB")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> FlagTypes.parseBytes(bad), bad)
          .hasMessageContaining("invalid byte size");
    }
  }
}
