package dev.hypnos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hypnos.cli.demo.DemoData;
import dev.hypnos.cli.demo.DemoServer;
import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.objstore.FilesystemBucket;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code hypnos demo} in-process on a free loopback port with a temporary bucket directory. */
class DemoCommandTest {
  private static final Instant NOW = Instant.parse("2026-11-26T08:13:27.512Z");
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  private record Started(DemoServer server, String out) {}

  private static Started start(Path bucket, Path data, InstantSource clock) throws Exception {
    DemoCommand cmd = new DemoCommand();
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(cmd);
    cl.setOut(new PrintWriter(out, true));
    cl.parseArgs("--http-address=127.0.0.1:0", "--grpc-address=127.0.0.1:0", "--bucket.dir=" + bucket,
        "--data-dir=" + data);
    DemoServer server = cmd.start(clock);
    return new Started(server, out.toString());
  }

  private String get(int port, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
    return r.body();
  }

  /** The instant vector of a query at NOW, keyed by the given label's value. */
  private Map<String, Double> query(int port, String promql, String byLabel, boolean dedup) throws Exception {
    String body = get(port, "/api/v1/query?time=" + NOW.toEpochMilli() / 1000.0 + "&dedup=" + dedup + "&query="
        + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    JsonNode root = JSON.readTree(body);
    assertThat(root.path("status").asText()).as(body).isEqualTo("success");
    Map<String, Double> out = new TreeMap<>();
    for (JsonNode r : root.path("data").path("result")) {
      out.put(r.path("metric").path(byLabel).asText(""), Double.parseDouble(r.path("value").get(1).asText()));
    }
    return out;
  }

  @Test
  void theSameSeedAndClockGiveTheSameBucket(@TempDir Path tmp) throws Exception {
    DemoData gen = new DemoData(DemoServer.SEED, DemoServer.SPAN);
    List<BlockMeta> a;
    List<BlockMeta> b;
    try (FilesystemBucket ba = new FilesystemBucket(tmp.resolve("a"));
        FilesystemBucket bb = new FilesystemBucket(tmp.resolve("b"))) {
      a = gen.generate(ba, tmp.resolve("staging-a"), InstantSource.fixed(NOW));
      b = gen.generate(bb, tmp.resolve("staging-b"), InstantSource.fixed(NOW));
    }
    assertThat(a).isEqualTo(b);
    for (BlockMeta m : a) {
      String id = m.ulid().toString();
      assertThat(Files.readAllBytes(tmp.resolve("a").resolve(id).resolve("index")))
          .isEqualTo(Files.readAllBytes(tmp.resolve("b").resolve(id).resolve("index")));
      assertThat(Files.readAllBytes(tmp.resolve("a").resolve(id).resolve("chunks/000001")))
          .isEqualTo(Files.readAllBytes(tmp.resolve("b").resolve(id).resolve("chunks/000001")));
    }
    assertThat(tmp.resolve("staging-a")).doesNotExist();
    // Another seed gives other data.
    try (FilesystemBucket bc = new FilesystemBucket(tmp.resolve("c"))) {
      List<BlockMeta> c = new DemoData(DemoServer.SEED + 1, DemoServer.SPAN)
          .generate(bc, tmp.resolve("staging-c"), InstantSource.fixed(NOW));
      assertThat(c.get(0).ulid()).isNotEqualTo(a.get(0).ulid());
    }
  }

  @Test
  void generatesServesDeduplicatesAndReusesTheBucket(@TempDir Path tmp) throws Exception {
    Path bucket = tmp.resolve("bucket");
    Path data = tmp.resolve("data");
    InstantSource clock = InstantSource.fixed(NOW);
    List<BlockId> firstBlocks;
    Started first = start(bucket, data, clock);
    try (DemoServer server = first.server()) {
      int port = server.port();
      assertThat(first.out()).contains("generated bucket")
          .contains("http://localhost:" + port)
          .contains("sum by (cluster) (rate(http_requests_total[5m]))")
          .contains("replica label \"replica\"");
      assertThat(get(port, "/-/ready")).isEqualTo("OK");
      firstBlocks = server.blocks();
      // 6 hours ending at 08:13 touch the 2h blocks from 02:00 to 08:00: four per stream, three streams.
      assertThat(firstBlocks).hasSize(12);
      BlockMeta meta = BlockMetaJson.read(bucket.resolve(firstBlocks.get(0).toString()));
      assertThat(meta.maxTime() - meta.minTime()).isEqualTo(2 * 3600_000L);
      assertThat(meta.minTime() % (2 * 3600_000L)).isZero();
      assertThat(meta.thanos()).isNotNull();
      assertThat(meta.thanos().labels()).containsKeys("cluster", "stage", "region");

      assertThat(query(port, "count by (cluster) (up)", "cluster", true))
          .isEqualTo(Map.of(DemoData.HA_CLUSTER, 5.0, DemoData.SINGLE_CLUSTER, 2.0));
      Map<String, Double> rate = query(port, "sum(rate(http_requests_total[5m]))", "", true);
      assertThat(rate).hasSize(1);
      assertThat(rate.get("")).isPositive();
      Map<String, Double> perCluster = query(port, "sum by (cluster) (rate(http_requests_total[5m]))", "cluster", true);
      assertThat(perCluster).containsOnlyKeys(DemoData.HA_CLUSTER, DemoData.SINGLE_CLUSTER);

      // Deduplicated, the HA cluster counts one replica's series, and the replica label is gone.
      String ha = "up{cluster=\"" + DemoData.HA_CLUSTER + "\"}";
      assertThat(query(port, "count(" + ha + ")", "", true)).isEqualTo(Map.of("", 5.0));
      assertThat(query(port, "count(" + ha + ")", "", false)).isEqualTo(Map.of("", 10.0));
      assertThat(query(port, "count by (replica) (" + ha + ")", "replica", true)).isEqualTo(Map.of("", 5.0));

      // Classic histograms answer histogram_quantile within the bucket bounds.
      Map<String, Double> p99 = query(port,
          "histogram_quantile(0.99, sum by (cluster, le) (rate(http_request_duration_seconds_bucket[5m])))",
          "cluster", true);
      assertThat(p99).containsOnlyKeys(DemoData.HA_CLUSTER, DemoData.SINGLE_CLUSTER);
      assertThat(p99.values()).allSatisfy(v -> assertThat(v).isBetween(0.0, 2.5));
      assertThat(query(port, "max(node_memory_used_bytes)", "", true).get("")).isGreaterThan(1e9);

      // The querier's Store API over gRPC, as another querier would use it.
      assertThat(first.out()).contains("Store API (gRPC) of the querier on port " + server.grpcPort());
      io.grpc.ManagedChannel channel = dev.hypnos.storeapi.GrpcServers.plaintextChannel("127.0.0.1", server.grpcPort());
      try {
        var client = new dev.hypnos.storeapi.GrpcStoreApiClient(channel, "demo");
        var info = client.info();
        assertThat(info.labelSets()).isNotEmpty();
        List<dev.hypnos.core.labels.Labels> series = new java.util.ArrayList<>();
        client.series(dev.hypnos.storeapi.SeriesRequest.builder(info.minTime(), info.maxTime(),
                List.of(dev.hypnos.core.labels.Matcher.eq("__name__", "up"))).skipChunks(true).build(),
            r -> {
              if (r instanceof dev.hypnos.storeapi.SeriesResponse.SeriesItem si) {
                series.add(si.series().labels());
              }
            });
        // Both HA replicas (no replica labels stripped unless asked) and the single cluster.
        assertThat(series).hasSize(12).isSorted();
      } finally {
        dev.hypnos.storeapi.GrpcServers.shutdown(channel, java.time.Duration.ofSeconds(2));
      }
    }

    // Later, a second run reuses the bucket: same blocks, nothing generated.
    Started second = start(bucket, data, InstantSource.fixed(NOW.plusSeconds(3600)));
    try (DemoServer server = second.server()) {
      assertThat(second.out()).contains("reusing bucket");
      assertThat(server.generated()).isFalse();
      assertThat(server.blocks()).isEqualTo(firstBlocks);
      assertThat(query(server.port(), "count by (cluster) (up)", "cluster", true))
          .isEqualTo(Map.of(DemoData.HA_CLUSTER, 5.0, DemoData.SINGLE_CLUSTER, 2.0));
      server.requestStop("test");
      server.awaitStop();
    }
  }
}
