package dev.hypnos.bench;

import dev.hypnos.core.storage.MemoryStorage;
import dev.hypnos.core.storage.Queryable;
import dev.hypnos.promql.engine.Engine;
import dev.hypnos.promql.engine.EngineOptions;
import dev.hypnos.promql.engine.Matrix;
import dev.hypnos.promql.engine.QueryResult;
import dev.hypnos.promql.engine.RangeSeries;
import dev.hypnos.promql.engine.Vector;
import dev.hypnos.promql.parser.Expr;
import dev.hypnos.testing.OpenMetricsGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The query mix of {@link QueryVsPrometheus} evaluated by {@link Engine} alone, over the data of
 * {@link StoreGatewayData} (500 counters, 500 gauges, 10 classic histograms, 4 h at 15 s) held in
 * memory: what the querier's innerEvalTime measures, without the store and the wire. Range queries
 * use the same start, end and 60 s step as the end-to-end benchmark; instant queries its mid time.
 * One operation is one query (ns/query); {@link #main} prints output series and points.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PromqlMixBenchmark {
  private static final String ALL_COUNTERS = "{__name__=~\"hypnos_requests_.*_total\"}";

  /** The end-to-end mix: {@code R:} range query, {@code I:} instant query. */
  static final List<String> QUERIES = List.of(
      "R:hypnos_requests_7_total",
      "R:hypnos_temperature_3{zone=\"eu\"}",
      "I:" + ALL_COUNTERS,
      "R:rate(hypnos_requests_12_total[5m])",
      "R:irate(hypnos_requests_20_total{job=\"api\"}[1m])",
      "R:sum by (job) (rate(" + ALL_COUNTERS + "[5m]))",
      "R:sum by (zone) (hypnos_temperature_1)",
      "R:rate(hypnos_requests_4_total[5m]) / on (instance, job, method) (hypnos_requests_4_total > 0)",
      "R:hypnos_temperature_2 * on (zone) group_left() max by (zone) (hypnos_temperature_5)",
      "R:histogram_quantile(0.9, sum by (le) (rate(hypnos_request_duration_seconds_bucket[5m])))",
      "R:quantile by (zone) (0.5, hypnos_temperature_0)",
      "I:topk(5, rate(" + ALL_COUNTERS + "[5m]))",
      "R:max_over_time(hypnos_temperature_4[10m])");

  @Param({
      "R:rate(hypnos_requests_4_total[5m]) / on (instance, job, method) (hypnos_requests_4_total > 0)",
      "R:hypnos_temperature_2 * on (zone) group_left() max by (zone) (hypnos_temperature_5)",
      "R:histogram_quantile(0.9, sum by (le) (rate(hypnos_request_duration_seconds_bucket[5m])))",
      "R:quantile by (zone) (0.5, hypnos_temperature_0)",
      "I:topk(5, rate({__name__=~\"hypnos_requests_.*_total\"}[5m]))",
      "R:max_over_time(hypnos_temperature_4[10m])"})
  public String query = QUERIES.get(0);

  /** {@code memory}: plain arrays; {@code xor}: XOR chunks of 120 samples decoded per query. */
  @Param({"memory", "xor"})
  public String storageKind = "memory";

  private static volatile Data data;

  private record Data(MemoryStorage storage, XorChunkStorage xor, long start, long end, long mid) {}

  private final Engine engine = new Engine(EngineOptions.DEFAULT);
  private Queryable storage = new MemoryStorage();
  private Expr expr = engine.parse("up");
  private boolean range;
  private long start;
  private long end;
  private long mid;

  private static synchronized Data data() {
    if (data == null) {
      try {
        Path f = Files.createTempFile("hypnos-promql-mix", ".om");
        try {
          OpenMetricsGenerator.Result r = new OpenMetricsGenerator(StoreGatewayData.CONFIG).write(f);
          MemoryStorage s = new MemoryStorage();
          XorChunkStorage.Builder xb = new XorChunkStorage.Builder(120);
          for (OpenMetricsGenerator.Series x : r.series()) {
            for (int i = 0; i < x.timestamps().length; i++) {
              s.append(x.labels(), x.timestamps()[i], x.values()[i]);
              xb.append(x.labels(), x.timestamps()[i], x.values()[i]);
            }
          }
          // as QueryVsPrometheus: off the 15 s grid, the first 10 minutes left out
          long start = (r.minTime() / 1000 + 600) * 1000 + 500;
          long end = (r.maxTime() / 1000 - 60) * 1000 + 500;
          data = new Data(s, xb.build(), start, end, (start + end) / 2 / 1000 * 1000 + 500);
        } finally {
          Files.deleteIfExists(f);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("generate the PromQL mix data", e);
      }
    }
    return data;
  }

  @Setup
  public void setup() {
    Data d = data();
    storage = storageKind.equals("xor") ? d.xor() : d.storage();
    range = query.startsWith("R:");
    expr = engine.parse(query.substring(2));
    start = d.start();
    end = d.end();
    mid = d.mid();
  }

  @Benchmark
  public QueryResult query() {
    return range ? engine.rangeQuery(storage, expr, start, end, 60_000) : engine.instantQuery(storage, expr, mid);
  }

  /**
   * Prints output series and points per query of the mix, and the min and median time of {@code
   * rounds} runs after as many warm-up runs (system properties {@code rounds}, default 200, and
   * {@code storageKind}); arguments: queries as in {@link #QUERIES} (default all).
   */
  public static void main(String[] args) {
    PromqlMixBenchmark b = new PromqlMixBenchmark();
    b.storageKind = System.getProperty("storageKind", "memory");
    for (String q : args.length > 0 ? List.of(args) : QUERIES) {
      b.query = q;
      b.setup();
      QueryResult r = b.query();
      for (int i = 0; i < Integer.getInteger("rounds", 200); i++) {
        b.query();
      }
      long series;
      long points = 0;
      if (r.value() instanceof Matrix m) {
        series = m.series().size();
        for (RangeSeries s : m.series()) {
          points += s.points().size();
        }
      } else {
        series = ((Vector) r.value()).samples().size();
        points = series;
      }
      int rounds = Integer.getInteger("rounds", 200);
      long[] nanos = new long[rounds];
      for (int i = 0; i < rounds; i++) {
        long t0 = System.nanoTime();
        b.query();
        nanos[i] = System.nanoTime() - t0;
      }
      java.util.Arrays.sort(nanos);
      String us = String.format(java.util.Locale.ROOT, "min %.0f us, median %.0f us", nanos[0] / 1e3,
          nanos[rounds / 2] / 1e3);
      System.out.println(q + "\tseries=" + series + "\tpoints=" + points + "\tresult hash="
          + Integer.toHexString(r.value().toString().hashCode()) + "\t" + us);
    }
  }
}
