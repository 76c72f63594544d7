package dev.hypnos.bench;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.storage.MemoryStorage;
import dev.hypnos.core.storage.Queryable;
import dev.hypnos.promql.engine.Engine;
import dev.hypnos.promql.engine.EngineOptions;
import dev.hypnos.promql.engine.Matrix;
import dev.hypnos.promql.engine.QueryResult;
import dev.hypnos.promql.engine.RangeSeries;
import dev.hypnos.promql.parser.Expr;
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
 * PromQL range queries through {@link Engine} over {@link MemoryStorage}, shaped like Prometheus's
 * {@code BenchmarkRangeQuery} (promql/bench_test.go): metrics {@code a_one}/{@code b_one} (one
 * series), {@code a_ten}/{@code b_ten} (10 series, label {@code l}), {@code a_hundred}/{@code
 * b_hundred} (100 series), a sample every 10 s; range queries at a 10 s step over the last
 * {@code steps} steps of the data.
 *
 * <p>One operation is one whole range query, so the score is ns/query; divide by the output points
 * (series x steps, printed by {@link #main}) for ns per output point. With {@code
 * storageKind=memory} the samples come from MemoryStorage's plain arrays (no chunk decoding); with
 * {@code xor} from {@link XorChunkStorage}, XOR chunks of 120 samples decoded on every query, as
 * Prometheus's benchmark reads XOR chunks from its head block.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class PromqlRangeQueryBenchmark {
  /** Sample interval and query step, ms. */
  static final long INTERVAL = 10_000;
  /** Samples per series: enough history before the queried steps for 1m/5m windows. */
  static final int SAMPLES = 2_000;

  @Param({"a_hundred", "rate(a_hundred[1m])", "sum(a_hundred)", "sum by (l) (a_hundred)",
      "a_hundred + b_hundred", "a_hundred - on() group_left b_one"})
  public String query = "a_hundred";

  @Param({"1000"})
  public int steps = 1000;

  /** {@code memory}: plain arrays; {@code xor}: XOR chunks decoded per query. */
  @Param({"memory", "xor"})
  public String storageKind = "memory";

  private final Engine engine = new Engine(EngineOptions.DEFAULT);
  private Queryable storage = new MemoryStorage();
  private Expr expr = engine.parse("a_one");
  private long start;
  private long end;

  /** The benchmark's data: a_/b_ one, ten and hundred, as in Prometheus's benchmark. */
  static MemoryStorage data() {
    MemoryStorage s = new MemoryStorage();
    forEachSample(s::append);
    return s;
  }

  /** The same data as XOR chunks of 120 samples. */
  static XorChunkStorage xorData() {
    XorChunkStorage.Builder b = new XorChunkStorage.Builder(120);
    forEachSample(b::append);
    return b.build();
  }

  interface SampleSink {
    void append(Labels l, long t, double v);
  }

  private static void forEachSample(SampleSink s) {
    String[] sizes = {"one", "ten", "hundred"};
    int[] counts = {1, 10, 100};
    for (int k = 0; k < sizes.length; k++) {
      for (String prefix : new String[] {"a_", "b_"}) {
        int n = counts[k];
        for (int i = 0; i < n; i++) {
          Labels l = n == 1 ? Labels.of("__name__", prefix + sizes[k])
              : Labels.of("__name__", prefix + sizes[k], "l", Integer.toString(i));
          for (int j = 0; j < SAMPLES; j++) {
            s.append(l, j * INTERVAL, j + (double) i / n);
          }
        }
      }
    }
  }

  @Setup
  public void setup() {
    storage = storageKind.equals("xor") ? xorData() : data();
    expr = engine.parse(query);
    end = (SAMPLES - 1) * INTERVAL;
    start = end - (steps - 1) * INTERVAL;
  }

  @Benchmark
  public QueryResult rangeQuery() {
    return engine.rangeQuery(storage, expr, start, end, INTERVAL);
  }

  private PromqlRangeQueryBenchmark withXor(String q) {
    query = q;
    storageKind = "xor";
    setup();
    return this;
  }

  /** Output points of one query: series x points per series. */
  static long points(QueryResult r) {
    long n = 0;
    for (RangeSeries s : ((Matrix) r.value()).series()) {
      n += s.points().size();
    }
    return n;
  }

  /** Prints output series and points per benchmark query (to normalise ns/op to ns/point). */
  public static void main(String[] args) {
    PromqlRangeQueryBenchmark b = new PromqlRangeQueryBenchmark();
    String[] queries = {"a_hundred", "rate(a_hundred[1m])", "sum(a_hundred)", "sum by (l) (a_hundred)",
        "a_hundred + b_hundred", "a_hundred - on() group_left b_one"};
    for (String q : queries) {
      b.query = q;
      b.setup();
      QueryResult r = b.rangeQuery();
      QueryResult x = new PromqlRangeQueryBenchmark().withXor(q).rangeQuery();
      if (!x.value().equals(r.value())) {
        throw new IllegalStateException("xor and memory storage disagree on " + q);
      }
      System.out.println(q + "\tseries=" + ((Matrix) r.value()).series().size() + "\tpoints=" + points(r));
    }
  }
}
