package dev.hypnos.compactor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.block.BlockUploader;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.FilesystemBucket;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.PrometheusServer;
import dev.hypnos.testing.Promtool;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blocks our compactor makes are blocks Prometheus 2.42 reads as its own: six promtool 2h blocks
 * (counters with resets, gauges, classic histograms; 15 s scrapes with jitter) of which the four of
 * one 8h range are compacted into one block; then {@code promtool tsdb analyze} reads it, {@code
 * promtool tsdb dump} gives the same lines as for the sources, and a real Prometheus 2.42 serving
 * the compacted data answers a query mix exactly as one serving the source blocks.
 */
class PrometheusReadsCompactedBlocksTest {
  static final long H = 3_600_000L;
  @TempDir Path tmp;

  @Test
  void compactedBlockIsReadByPromtoolAndAnsweredIdenticallyByPrometheus() throws Exception {
    Promtool promtool = Promtool.require();
    // Data from 7 s after an 8h boundary for 12h less 30 s: blocks [0,2h) ... [10h,12h). (promtool
    // blocks end at their last sample, so the planner needs a block after [8h,10h) to take the
    // first four.)
    long rangeStart = (1_700_000_000_000L / (8 * H) + 1) * 8 * H;
    OpenMetricsGenerator.Config cfg = new OpenMetricsGenerator.Config(17, rangeStart + 7_000, 12 * H - 30_000, 15_000,
        30, 20, 3);
    OpenMetricsGenerator.Result gen = new OpenMetricsGenerator(cfg).write(tmp.resolve("data.om"));
    Path sourceDb = tmp.resolve("sources");
    List<Path> blocks = promtool.createBlocksFromOpenMetrics(gen.file(), sourceDb);
    assertThat(blocks).hasSize(6);

    // Our compactor over a bucket holding the five blocks.
    Bucket bucket = new FilesystemBucket(Files.createDirectories(tmp.resolve("bucket")));
    for (Path b : blocks) {
      Path staged = tmp.resolve("staging").resolve(b.getFileName().toString());
      Promtool.copyTree(b, staged);
      BlockMetaJson.write(staged, BlockMetaJson.read(staged).withThanos(BlockMeta.Thanos.of(Map.of(), 0, "sidecar")));
      BlockUploader.upload(bucket, staged);
    }
    Compactor.Options d = Compactor.Options.defaults(tmp.resolve("work"));
    Compactor c = new Compactor(bucket, InstantSource.fixed(Instant.ofEpochMilli(rangeStart + 12 * H)),
        new SplittableRandom(1), new Compactor.Options(d.workDir(), d.ranges(), List.of(), d.dedup(), Duration.ZERO,
            Retention.FOREVER, d.cleaner(), false), new CompactorMetrics());
    Compactor.Result r = c.runOnce();
    assertThat(r.failures()).isEmpty();
    assertThat(r.compacted()).hasSize(1);
    BlockMeta made = r.compacted().get(0);
    assertThat(made.compaction().sources()).hasSize(4);
    assertThat(made.minTime()).isGreaterThanOrEqualTo(rangeStart);
    assertThat(made.maxTime()).isLessThanOrEqualTo(rangeStart + 8 * H);

    // The compacted database: the new block plus the two blocks that were not compacted.
    Path compactedDb = Files.createDirectories(tmp.resolve("compacted"));
    BucketBlocks.download(bucket, made.ulid(), compactedDb);
    for (Path b : blocks) {
      if (!made.compaction().sources().contains(BlockMetaJson.read(b).ulid())) {
        Promtool.copyTree(b, compactedDb.resolve(b.getFileName().toString()));
      }
    }
    try (var s = Files.list(compactedDb)) {
      assertThat(s.toList()).hasSize(3);
    }

    List<String> analyze = promtool.analyze(compactedDb, made.ulid().toString());
    assertThat(String.join("\n", analyze)).contains("Block ID: " + made.ulid(), "Series: ");

    List<String> sourceDump = promtool.dump(sourceDb);
    assertThat(sourceDump).hasSize((int) gen.totalSamples());
    assertThat(promtool.dump(compactedDb)).containsExactlyElementsOf(sourceDump);

    // Prometheus on copies of both (it writes into its data dir); one block range, so it does not
    // compact blocks itself.
    List<String> flags = List.of("--storage.tsdb.min-block-duration=2h", "--storage.tsdb.max-block-duration=2h");
    Path promA = tmp.resolve("prom-sources");
    Path promB = tmp.resolve("prom-compacted");
    Promtool.copyTree(sourceDb, promA);
    Promtool.copyTree(compactedDb, promB);
    try (PrometheusServer a = PrometheusServer.start(promA, Labels.EMPTY, flags);
        PrometheusServer b = PrometheusServer.start(promB, Labels.EMPTY, flags)) {
      HttpClient http = HttpClient.newHttpClient();
      String c0 = "hypnos_requests_0_total";
      String hist = "hypnos_request_duration_seconds";
      List<String> queries = List.of(
          c0,
          "{__name__=~\"hypnos_temperature_.*\", zone=\"eu\"}",
          "rate(" + c0 + "[5m])",
          "increase(hypnos_requests_1_total{job=\"api\"}[1h])",
          "sum by (job) (rate(" + c0 + "[10m]))",
          "sum by (method) (irate(hypnos_requests_2_total[2m]))",
          "histogram_quantile(0.9, sum by (le) (rate(" + hist + "_bucket[10m])))",
          "histogram_quantile(0.5, sum by (le, handler) (rate(" + hist + "_bucket[30m])))",
          "rate(" + hist + "_sum[15m]) / rate(" + hist + "_count[15m])",
          "avg_over_time(hypnos_temperature_0[30m])",
          "max_over_time(hypnos_temperature_0[3h])",
          "min_over_time(hypnos_temperature_0{zone=\"us\"}[2h])",
          "count_over_time(" + c0 + "[5h])",
          "sum_over_time(hypnos_temperature_0[45m])",
          "stddev_over_time(hypnos_temperature_0[1h])",
          "quantile_over_time(0.75, hypnos_temperature_0[1h])",
          "last_over_time(hypnos_temperature_0[10m])",
          "resets(" + c0 + "[4h])",
          "changes(hypnos_temperature_0[2h])",
          "topk(3, rate(" + c0 + "[5m]))",
          "count by (zone) (hypnos_temperature_0)");
      // Instant times off the 15 s grid: inside blocks, near the 2h boundaries, in the last block.
      double base = rangeStart / 1000.0;
      double[] instants = {base + 1800.5, base + 7199.5, base + 7207.5, base + 4 * 3600 + 0.5, base + 8 * 3600 - 0.5,
          base + 8 * 3600 + 14.5, base + 9 * 3600 + 333.5, base + 11 * 3600 + 0.5};
      int compared = 0;
      for (String q : queries) {
        for (double t : instants) {
          String path = "/api/v1/query?query=" + enc(q) + "&time=" + t;
          assertSame(http, a, b, path);
          compared++;
        }
        for (String range : new String[] {"&start=" + (base + 1234.5) + "&end=" + (base + 12 * 3600 - 100.5) + "&step=60",
            "&start=" + (base + 6 * 3600 + 0.5) + "&end=" + (base + 9 * 3600 + 0.5) + "&step=420"}) {
          assertSame(http, a, b, "/api/v1/query_range?query=" + enc(q) + range);
          compared++;
        }
      }
      assertThat(compared).isEqualTo(queries.size() * (instants.length + 2));
      // Prometheus did not rewrite the blocks it was given.
      assertThat(NON_EMPTY[0]).as("answers with data").isGreaterThan(compared * 9 / 10);
      assertThat(blockDirs(promB)).isEqualTo(blockDirs(compactedDb));
      assertThat(blockDirs(promA)).isEqualTo(blockDirs(sourceDb));
    }
  }

  private static List<String> blockDirs(Path db) throws IOException {
    try (var s = Files.list(db)) {
      return s.map(p -> p.getFileName().toString()).filter(dev.hypnos.core.block.BlockId::isValid).sorted().toList();
    }
  }

  private static final int[] NON_EMPTY = {0};

  private static String enc(String q) {
    return URLEncoder.encode(q, StandardCharsets.UTF_8);
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The same query to both servers: success, non-empty, and equal results (series in label order). */
  private static void assertSame(HttpClient http, PrometheusServer a, PrometheusServer b, String path) throws Exception {
    JsonNode ja = get(http, a, path);
    JsonNode jb = get(http, b, path);
    assertThat(ja.path("status").asText()).as(path + ": " + ja).isEqualTo("success");
    assertThat(normalise(jb)).as(path).isEqualTo(normalise(ja));
    if (!ja.path("data").path("result").isEmpty()) {
      NON_EMPTY[0]++;
    }
  }

  private static JsonNode get(HttpClient http, PrometheusServer s, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(s.url() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  /** The data part with result series sorted by their labels (aggregation output order may differ). */
  private static JsonNode normalise(JsonNode n) {
    JsonNode data = n.path("data").deepCopy();
    if (data.path("result").isArray()) {
      List<JsonNode> items = new ArrayList<>();
      data.path("result").forEach(items::add);
      items.sort((x, y) -> x.path("metric").toString().compareTo(y.path("metric").toString()));
      ArrayNode sorted = JSON.createArrayNode();
      items.forEach(sorted::add);
      ((com.fasterxml.jackson.databind.node.ObjectNode) data).set("result", sorted);
    }
    return data;
  }
}
