package dev.hypnos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hypnos.compactor.BlockMerger;
import dev.hypnos.compactor.Downsampler;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BlockWriter;
import dev.hypnos.core.chunk.XorIterator;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.objstore.FilesystemBucket;
import dev.hypnos.core.util.IoUtil;
import dev.hypnos.storeapi.Aggregate;
import dev.hypnos.storeapi.ChunkData;
import dev.hypnos.storeapi.GrpcServers;
import dev.hypnos.storeapi.GrpcStoreApiClient;
import dev.hypnos.storeapi.InfoGrpcService;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesResponse;
import dev.hypnos.storeapi.StoreChunk;
import dev.hypnos.storeapi.StoreGrpcService;
import dev.hypnos.storeapi.StoreSeries;
import dev.hypnos.storegateway.BucketStore;
import dev.hypnos.storegateway.block.IndexCache;
import dev.hypnos.storegateway.block.Partitioner;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.Promtool;
import io.grpc.ManagedChannel;
import io.grpc.Server;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The downsampled read path end to end, on real data: 56 hours of generated samples (60 s scrape,
 * 23-24 s past each minute, so never on a 5m or 1h boundary) made into 2h blocks by promtool; the
 * first 48 hours merged and downsampled by the {@link Downsampler} to 5m and from there to 1h. The
 * bucket holds all raw blocks plus both downsampled blocks, so the last 8 hours are raw only. A
 * {@link BucketStore} serves it over gRPC on loopback; {@code hypnos query} fans out to it.
 *
 * <p>Checked: the Store API returns, per resolution, exactly the aggregates asked for, with the
 * values of the raw samples of each window; over the querier, min/max/sum/count/avg_over_time
 * over windows aligned to the resolution equal the raw answers with max_source_resolution 5m and
 * 1h, rate over long windows is within 1%, and a range crossing from downsampled into raw-only
 * data has no gap.
 */
class DownsampledReadTest {
  @TempDir static Path tmp;
  static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-01-02T03:04:05Z"));
  static final long START = 1_700_000_123_000L;
  static final long HOUR = 3_600_000L;
  static final long M5 = 300_000L;
  static final Labels EXTERNAL = Labels.of("cluster", "c1");
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final ObjectMapper JSON = new ObjectMapper();

  static OpenMetricsGenerator.Result gen;
  /** Start and end (exclusive) of the downsampled period, 2h-aligned; its blocks span its samples. */
  static long dsStart;
  static long dsEnd;
  /** Max time of the downsampled blocks: one past the last sample before {@link #dsEnd}. */
  static long blockEnd;
  static long rawEnd;
  static BucketStore store;
  static Server grpc;
  static ManagedChannel channel;
  static GrpcStoreApiClient client;
  static QueryCommand.Running querier;
  static QueryCommand.Running autoQuerier;
  static String url;
  static String autoUrl;

  @BeforeAll
  static void buildBucketAndServe() throws Exception {
    Promtool promtool = Promtool.require();
    gen = new OpenMetricsGenerator(new OpenMetricsGenerator.Config(11, START, 56 * HOUR, 60_000, 6, 6, 0))
        .write(tmp.resolve("data.om"));
    appendSteadyCounters(gen.file());
    Path bucketDir = tmp.resolve("bucket");
    List<Path> made = promtool.createBlocksFromOpenMetrics(gen.file(), tmp.resolve("db"));
    List<BlockMeta> metas = new ArrayList<>();
    for (Path b : made) {
      Path target = bucketDir.resolve(b.getFileName().toString());
      Promtool.copyTree(b, target);
      Files.deleteIfExists(target.resolve("tombstones"));
      BlockMeta m = BlockMetaJson.read(target).withThanos(BlockMeta.Thanos.of(EXTERNAL.toMap(), 0, "test"));
      BlockMetaJson.write(target, m);
      metas.add(m);
    }
    metas.sort((a, b) -> Long.compare(a.minTime(), b.minTime()));
    dsStart = metas.get(0).minTime() - Math.floorMod(metas.get(0).minTime(), 2 * HOUR);
    dsEnd = dsStart + 48 * HOUR;
    rawEnd = metas.get(metas.size() - 1).maxTime();
    List<BlockReader> first48 = new ArrayList<>();
    Path merged;
    try {
      for (BlockMeta m : metas) {
        if (m.maxTime() <= dsEnd) {
          first48.add(BlockReader.open(bucketDir.resolve(m.ulid().toString())));
        }
      }
      merged = new BlockMerger(CLOCK, new SplittableRandom(1), BlockMerger.Options.DEFAULT)
          .merge(first48, Files.createDirectories(tmp.resolve("merged"))).dir();
    } finally {
      IoUtil.closeAll(first48);
    }
    Downsampler d = new Downsampler(CLOCK, new SplittableRandom(2), BlockWriter.Options.DEFAULT);
    Path fiveMin;
    Path oneHour;
    try (BlockReader b = BlockReader.open(merged)) {
      blockEnd = b.meta().maxTime();
      fiveMin = d.downsample(b, Downsampler.RES_5M, Files.createDirectories(tmp.resolve("5m"))).dir();
    }
    try (BlockReader b = BlockReader.open(fiveMin)) {
      oneHour = d.downsample(b, Downsampler.RES_1H, Files.createDirectories(tmp.resolve("1h"))).dir();
    }
    for (Path p : List.of(fiveMin, oneHour)) {
      Path target = bucketDir.resolve(p.getFileName().toString());
      Promtool.copyTree(p, target);
      metas.add(BlockMetaJson.read(target));
    }
    assertThat(blockEnd).isBetween(dsEnd - 60_000, dsEnd);
    assertThat(rawEnd).isGreaterThan(dsEnd + 6 * HOUR);

    store = new BucketStore(new FilesystemBucket(bucketDir), Files.createDirectories(tmp.resolve("store-data")),
        new IndexCache(64L << 20), new Partitioner(Partitioner.DEFAULT_MAX_GAP), CLOCK, BucketStore.Options.DEFAULTS);
    assertThat(store.setBlocks(metas)).isEmpty();
    grpc = GrpcServers.start("127.0.0.1:0", List.of(new StoreGrpcService(store), InfoGrpcService.forStore(store)));
    channel = GrpcServers.plaintextChannel("127.0.0.1", grpc.getPort());
    client = new GrpcStoreApiClient(channel, "store");

    querier = startQuerier(false);
    url = "http://127.0.0.1:" + querier.api.port();
    autoQuerier = startQuerier(true);
    autoUrl = "http://127.0.0.1:" + autoQuerier.api.port();
    for (String u : List.of(url, autoUrl)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (instant(u, "count(hypnos_temperature_0)", dsStart + 10 * HOUR, "").isEmpty()
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
    }
  }

  /**
   * Adds {@code hypnos_steady_requests_total}: three counters growing at 10, 100 and 1000 per
   * second with +-10% noise per scrape, the second reset to zero once, like request counters of
   * a busy service (the generator's counters move by 0-49 a minute, far noisier).
   */
  private static void appendSteadyCounters(Path om) throws IOException {
    String text = Files.readString(om);
    if (!text.endsWith("# EOF\n")) {
      throw new IllegalStateException("generated OpenMetrics does not end with # EOF");
    }
    StringBuilder b = new StringBuilder(text.substring(0, text.length() - "# EOF\n".length()));
    b.append("# TYPE hypnos_steady_requests counter\n");
    SplittableRandom rnd = new SplittableRandom(5);
    int[] perSecond = {10, 100, 1000};
    for (int i = 0; i < perSecond.length; i++) {
      long v = 0;
      for (long t = START + 18_000; t < START + 56 * HOUR; t += 60_000) {
        long perScrape = perSecond[i] * 60L;
        v += perScrape + rnd.nextLong(perScrape / 5 + 1) - perScrape / 10;
        if (i == 1 && t >= START + 30 * HOUR && t < START + 30 * HOUR + 60_000) {
          v = 0;
        }
        b.append("hypnos_steady_requests_total{path=\"/p").append(i).append("\"} ").append(v).append(' ')
            .append(OpenMetricsGenerator.formatTimestamp(t + rnd.nextInt(1000))).append('\n');
      }
    }
    b.append("# EOF\n");
    Files.writeString(om, b.toString());
  }

  private static QueryCommand.Running startQuerier(boolean auto) throws Exception {
    QueryCommand cmd = new QueryCommand();
    List<String> args = new ArrayList<>(List.of("--http-address=127.0.0.1:0", "--grpc-address=127.0.0.1:0",
        "--endpoint=127.0.0.1:" + grpc.getPort()));
    if (auto) {
      args.add("--query.auto-downsampling");
    }
    new CommandLine(cmd).parseArgs(args.toArray(String[]::new));
    return cmd.start();
  }

  @AfterAll
  static void stop() throws Exception {
    for (QueryCommand.Running q : new QueryCommand.Running[] {querier, autoQuerier}) {
      if (q != null) {
        q.close();
      }
    }
    if (channel != null) {
      GrpcServers.shutdown(channel, Duration.ofSeconds(2));
    }
    if (grpc != null) {
      GrpcServers.shutdown(grpc, Duration.ofSeconds(2));
    }
    if (store != null) {
      store.close();
    }
  }

  // ------------------------------------------------------------------ Store API

  private static List<StoreSeries> series(long mint, long maxt, long maxRes, List<Aggregate> aggrs) {
    SeriesRequest req = SeriesRequest.builder(mint, maxt, List.of(Matcher.re("__name__", "hypnos_(temperature|requests)_.+")))
        .maxResolutionWindow(maxRes).aggregates(aggrs).build();
    List<StoreSeries> out = new ArrayList<>();
    client.series(req, r -> {
      if (r instanceof SeriesResponse.SeriesItem s) {
        out.add(s.series());
      }
    });
    return out;
  }

  /** Raw samples of the generated series, by labels with the external labels added. */
  private static Map<Labels, OpenMetricsGenerator.Series> rawByLabels() {
    Map<Labels, OpenMetricsGenerator.Series> out = new HashMap<>();
    for (OpenMetricsGenerator.Series s : gen.series()) {
      Map<String, String> m = new TreeMap<>(s.labels().toMap());
      m.putAll(EXTERNAL.toMap());
      out.put(Labels.fromMap(m), s);
    }
    return out;
  }

  /** Count, sum, min, max of the raw samples in {@code [from, to)}. */
  private static double[] window(OpenMetricsGenerator.Series s, long from, long to) {
    double count = 0;
    double sum = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < s.timestamps().length; i++) {
      long t = s.timestamps()[i];
      if (t >= from && t < to) {
        double v = s.values()[i];
        count++;
        sum += v;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    return new double[] {count, sum, min, max};
  }

  @Test
  void storeApiReturnsTheAggregatesAskedForPerResolution() {
    Map<Labels, OpenMetricsGenerator.Series> raw = rawByLabels();
    List<List<Aggregate>> asks = List.of(List.of(Aggregate.MIN, Aggregate.MAX), List.of(Aggregate.COUNT, Aggregate.SUM),
        List.of(Aggregate.COUNTER));
    for (long res : new long[] {M5, HOUR}) {
      for (List<Aggregate> ask : asks) {
        List<StoreSeries> got = series(dsStart, dsEnd - 1, res, ask);
        assertThat(got).as("series at %d with %s", res, ask).hasSize(12);
        int points = 0;
        for (StoreSeries s : got) {
          OpenMetricsGenerator.Series src = raw.get(s.labels());
          assertThat(src).as("generated series for %s", s.labels()).isNotNull();
          assertThat(s.chunks()).isNotEmpty();
          for (StoreChunk c : s.chunks()) {
            assertThat(c.raw()).isNull();
            for (Aggregate a : List.of(Aggregate.COUNT, Aggregate.SUM, Aggregate.MIN, Aggregate.MAX, Aggregate.COUNTER)) {
              assertThat(c.part(a) != null).as("%s part at %d asking %s", a, res, ask).isEqualTo(ask.contains(a));
            }
            for (Aggregate a : ask) {
              if (a == Aggregate.COUNTER) {
                continue;
              }
              ChunkData d = c.part(a);
              assertThat(d.encoding()).isEqualTo(ChunkData.Encoding.XOR);
              // The store gateway leaves chunk hashes out unless configured to send them (hash 0).
              assertThat(d.hash() == 0 || d.hashMatches()).as("hash of %s chunk", a).isTrue();
              XorIterator it = new XorIterator().reset(d.array(), d.offset(), d.length());
              while (it.next()) {
                long w = it.timestamp() - Math.floorMod(it.timestamp(), res);
                double[] want = window(src, w, w + res);
                double v = it.value();
                switch (a) {
                  case COUNT -> assertThat(v).isEqualTo(want[0]);
                  case SUM -> assertThat(v).isCloseTo(want[1], org.assertj.core.data.Offset.offset(1e-9 * Math.max(1, Math.abs(want[1]))));
                  case MIN -> assertThat(v).isEqualTo(want[2]);
                  case MAX -> assertThat(v).isEqualTo(want[3]);
                  default -> throw new AssertionError(a);
                }
                points++;
              }
              assertThat(it.error()).isNull();
            }
          }
        }
        if (!ask.contains(Aggregate.COUNTER)) {
          // 48h of data at this resolution: about 48h / res windows per series and aggregate.
          assertThat(points).isGreaterThan((int) (12 * ask.size() * (40 * HOUR / res)));
        }
      }
    }
    // Raw only when no downsampled resolution is allowed.
    for (StoreSeries s : series(dsStart, dsEnd - 1, 0, List.of(Aggregate.COUNT, Aggregate.SUM))) {
      for (StoreChunk c : s.chunks()) {
        assertThat(c.raw()).isNotNull();
        assertThat(c.count()).isNull();
      }
    }
  }

  @Test
  void storeApiRefusesDownsampledDataWithoutAnAggregate() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> series(dsStart, dsEnd - 1, M5, List.of()))
        .isInstanceOf(dev.hypnos.storeapi.StoreApiException.class)
        .hasMessageContaining("asks for no aggregate")
        .extracting(e -> ((dev.hypnos.storeapi.StoreApiException) e).category())
        .isEqualTo(dev.hypnos.storeapi.StoreApiException.Category.INVALID_ARGUMENT);
    // Raw data needs none.
    assertThat(series(dsStart, dsEnd - 1, 0, List.of())).hasSize(12);
  }

  @Test
  void storeApiFillsTheRawOnlyPeriodWithRawChunks() {
    for (long res : new long[] {M5, HOUR}) {
      List<StoreSeries> got = series(dsEnd - 3 * HOUR, dsEnd + 3 * HOUR, res, List.of(Aggregate.COUNT, Aggregate.SUM));
      assertThat(got).hasSizeGreaterThan(8);
      int both = 0;
      for (StoreSeries s : got) {
        boolean aggregated = false;
        boolean raw = false;
        for (StoreChunk c : s.chunks()) {
          if (c.raw() != null) {
            assertThat(c.minTime()).isGreaterThanOrEqualTo(blockEnd);
            raw = true;
          } else {
            assertThat(c.maxTime()).isLessThan(blockEnd);
            assertThat(c.count()).isNotNull();
            assertThat(c.sum()).isNotNull();
            aggregated = true;
          }
        }
        if (aggregated && raw) {
          both++;
        }
      }
      // Some generated series end early or start late; most run across the boundary.
      assertThat(both).as("series with aggregate chunks before %d and raw chunks after", blockEnd).isGreaterThan(6);
    }
  }

  // ------------------------------------------------------------------ querier

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static JsonNode get(String u) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(u)).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(u + " -> " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static String msrParam(String msr) {
    return msr.isEmpty() ? "" : "&max_source_resolution=" + msr;
  }

  /** An instant query's result: labels to value. */
  static Map<String, Double> instant(String base, String q, long t, String msr) throws IOException, InterruptedException {
    JsonNode res = get(base + "/api/v1/query?query=" + enc(q) + "&time=" + (t / 1000.0) + msrParam(msr));
    Map<String, Double> out = new TreeMap<>();
    for (JsonNode s : res.path("data").path("result")) {
      out.put(s.path("metric").toString(), Double.parseDouble(s.path("value").get(1).asText()));
    }
    return out;
  }

  /** A range query's result: labels to (timestamp ms to value). */
  static Map<String, Map<Long, Double>> range(String base, String q, long start, long end, long step, String msr)
      throws IOException, InterruptedException {
    JsonNode res = get(base + "/api/v1/query_range?query=" + enc(q) + "&start=" + (start / 1000.0) + "&end="
        + (end / 1000.0) + "&step=" + (step / 1000.0) + msrParam(msr));
    Map<String, Map<Long, Double>> out = new TreeMap<>();
    for (JsonNode s : res.path("data").path("result")) {
      Map<Long, Double> pts = new TreeMap<>();
      for (JsonNode p : s.path("values")) {
        pts.put(Math.round(p.get(0).asDouble() * 1000), Double.parseDouble(p.get(1).asText()));
      }
      out.put(s.path("metric").toString(), pts);
    }
    return out;
  }

  private static void assertClose(Map<String, Map<Long, Double>> got, Map<String, Map<Long, Double>> want,
      double relative, String what) {
    assertThat(want).as("raw answer of %s", what).isNotEmpty();
    assertThat(got.keySet()).as(what).isEqualTo(want.keySet());
    for (Map.Entry<String, Map<Long, Double>> e : want.entrySet()) {
      Map<Long, Double> g = got.get(e.getKey());
      assertThat(g.keySet()).as("%s %s timestamps", what, e.getKey()).isEqualTo(e.getValue().keySet());
      for (Map.Entry<Long, Double> p : e.getValue().entrySet()) {
        double w = p.getValue();
        double v = g.get(p.getKey());
        assertThat(Math.abs(v - w)).as("%s %s at %d: got %s, raw %s", what, e.getKey(), p.getKey(), v, w)
            .isLessThanOrEqualTo(relative * Math.max(1e-300, Math.abs(w)));
      }
    }
  }

  @Test
  void overTimeFunctionsOnAlignedWindowsEqualTheRawAnswers() throws Exception {
    String[] funcs = {"min_over_time", "max_over_time", "sum_over_time", "count_over_time", "avg_over_time"};
    String[] metrics = {"hypnos_temperature_0", "hypnos_requests_0_total"};
    for (String msr : new String[] {"5m", "1h"}) {
      for (String range : new String[] {"1h", "3h"}) {
        for (String f : funcs) {
          for (String m : metrics) {
            String q = f + "(" + m + "[" + range + "])";
            Map<String, Map<Long, Double>> raw = range(url, q, dsStart + 3 * HOUR, dsEnd, HOUR, "0s");
            Map<String, Map<Long, Double>> down = range(url, q, dsStart + 3 * HOUR, dsEnd, HOUR, msr);
            assertClose(down, raw, 1e-9, q + " at " + msr);
          }
        }
        // Aggregations over the functions too: the rewrite works inside expressions.
        String q = "sum by (zone) (count_over_time(hypnos_temperature_0[" + range + "])) / 2";
        assertClose(range(url, q, dsStart + 3 * HOUR, dsEnd, HOUR, msr),
            range(url, q, dsStart + 3 * HOUR, dsEnd, HOUR, "0s"), 1e-12, q + " at " + msr);
      }
    }
  }

  @Test
  void downsampledDataIsReallyRead() throws Exception {
    // last_over_time reads the average of the last window's count and sum, not the last sample.
    String q = "last_over_time(hypnos_temperature_0[1h])";
    long t = dsStart + 20 * HOUR;
    Map<String, Double> raw = instant(url, q, t, "0s");
    Map<String, Double> m5 = instant(url, q, t, "5m");
    Map<String, Double> h1 = instant(url, q, t, "1h");
    assertThat(raw).hasSize(6);
    assertThat(m5.keySet()).isEqualTo(raw.keySet());
    assertThat(m5).isNotEqualTo(raw);
    assertThat(h1).isNotEqualTo(m5);
    // Without the rewrite, a 5m count_over_time over 1h would count 12 points; the raw answer is ~60.
    for (double v : instant(url, "count_over_time(hypnos_temperature_0[1h])", t, "5m").values()) {
      assertThat(v).isBetween(55.0, 61.0);
    }
  }

  /**
   * The largest relative difference between two answers with the same series and timestamps, over
   * the points {@code counts} accepts (series as printed in the JSON result, timestamp).
   */
  private static double maxRelativeError(Map<String, Map<Long, Double>> got, Map<String, Map<Long, Double>> want,
      java.util.function.BiPredicate<String, Long> counts) {
    assertThat(got.keySet()).isEqualTo(want.keySet());
    double worst = 0;
    for (Map.Entry<String, Map<Long, Double>> e : want.entrySet()) {
      assertThat(got.get(e.getKey()).keySet()).isEqualTo(e.getValue().keySet());
      for (Map.Entry<Long, Double> p : e.getValue().entrySet()) {
        double w = p.getValue();
        if (counts.test(e.getKey(), p.getKey())) {
          worst = Math.max(worst, Math.abs(got.get(e.getKey()).get(p.getKey()) - w) / Math.abs(w));
        }
      }
    }
    return worst;
  }

  @Test
  void rateOverLongWindowsIsWithinOnePercent() throws Exception {
    // {resolution, window, metric}: steady request counters from a 1h window on; the generator's
    // noisy counters (0-49 a minute, resets) over longer windows. Windows where a series starts or
    // ends are left out: there raw and downsampled rates extrapolate differently by design (the
    // first downsampled point may stand for data from the start of its window).
    String[][] cases = {
        {"5m", "1h", "hypnos_steady_requests_total"}, {"5m", "6h", "hypnos_steady_requests_total"},
        {"1h", "6h", "hypnos_steady_requests_total"}, {"1h", "24h", "hypnos_steady_requests_total"},
        {"5m", "6h", "hypnos_requests_0_total"}, {"1h", "24h", "hypnos_requests_0_total"}};
    Map<String, long[]> spans = new HashMap<>();
    for (OpenMetricsGenerator.Series g : gen.series()) {
      Map<String, String> m = new TreeMap<>(g.labels().toMap());
      m.remove("__name__");
      m.putAll(EXTERNAL.toMap());
      spans.put(JSON.writeValueAsString(m), new long[] {g.timestamps()[0], g.timestamps()[g.timestamps().length - 1]});
    }
    for (String[] c : cases) {
      for (String f : new String[] {"rate", "increase"}) {
        String q = f + "(" + c[2] + "[" + c[1] + "])";
        long from = dsStart + 25 * HOUR;
        Map<String, Map<Long, Double>> raw = range(url, q, from, dsEnd, HOUR, "0s");
        Map<String, Map<Long, Double>> down = range(url, q, from, dsEnd, HOUR, c[0]);
        assertThat(raw).isNotEmpty();
        long window = c[1].endsWith("h") ? Long.parseLong(c[1].replace("h", "")) * HOUR : 0;
        java.util.concurrent.atomic.AtomicInteger compared = new java.util.concurrent.atomic.AtomicInteger();
        double err = maxRelativeError(down, raw, (series, t) -> {
          long[] span = spans.get(series);
          boolean whole = span == null || (span[0] <= t - window && span[1] >= t - 60_000);
          if (whole) {
            compared.incrementAndGet();
          }
          return whole;
        });
        assertThat(compared.get()).as("points compared for " + q).isGreaterThan(20);
        System.out.printf("downsampled %s at %s: largest relative difference %.4f%%%n", q, c[0], err * 100);
        assertThat(err).as(q + " at " + c[0]).isLessThanOrEqualTo(0.01);
      }
    }
  }

  @Test
  void rangeCrossingIntoRawOnlyDataHasNoGap() throws Exception {
    long from = dsEnd - 6 * HOUR;
    long to = dsEnd + 6 * HOUR;
    for (String msr : new String[] {"5m", "1h"}) {
      for (String f : new String[] {"max_over_time", "count_over_time", "avg_over_time"}) {
        String q = f + "(hypnos_temperature_0[1h])";
        assertClose(range(url, q, from, to, HOUR, msr), range(url, q, from, to, HOUR, "0s"), 1e-9, q + " at " + msr);
      }
      // A plain selector every 5 minutes: a value wherever the raw data has one.
      Map<String, Map<Long, Double>> raw = range(url, "hypnos_temperature_0", from, to, M5, "0s");
      Map<String, Map<Long, Double>> down = range(url, "hypnos_temperature_0", from, to, M5, msr);
      assertThat(down.keySet()).isEqualTo(raw.keySet());
      for (Map.Entry<String, Map<Long, Double>> e : raw.entrySet()) {
        assertThat(down.get(e.getKey()).keySet()).as("%s at %s", e.getKey(), msr).containsAll(e.getValue().keySet());
      }
    }
  }

  @Test
  void autoResolutionIsAFifthOfTheStep() throws Exception {
    String q = "last_over_time(hypnos_temperature_0[1h])";
    long from = dsStart + 10 * HOUR;
    long to = dsStart + 20 * HOUR;
    Map<String, Map<Long, Double>> m5 = range(url, q, from, to, HOUR / 2, "5m");
    Map<String, Map<Long, Double>> raw = range(url, q, from, to, HOUR / 2, "0s");
    assertThat(m5).isNotEqualTo(raw);
    // step 30m: auto allows 6m, so 5m data.
    assertThat(range(url, q, from, to, HOUR / 2, "auto")).isEqualTo(m5);
    assertThat(range(autoUrl, q, from, to, HOUR / 2, "")).isEqualTo(m5);
    // step 10m: auto allows 2m, raw data only.
    assertThat(range(autoUrl, q, from, to, 10 * 60_000, "")).isEqualTo(range(url, q, from, to, 10 * 60_000, "0s"));
    // An explicit value wins over --query.auto-downsampling; instant queries stay raw under auto.
    assertThat(range(autoUrl, q, from, to, HOUR / 2, "0s")).isEqualTo(raw);
    assertThat(instant(autoUrl, q, to, "")).isEqualTo(instant(url, q, to, "0s"));
  }
}
