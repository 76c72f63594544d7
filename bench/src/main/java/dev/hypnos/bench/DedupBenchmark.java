package dev.hypnos.bench;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.chunk.XorEncoder;
import dev.hypnos.core.dedup.DedupSeriesSet;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.storage.Querier;
import dev.hypnos.core.storage.SelectHints;
import dev.hypnos.core.storage.SeriesSet;
import dev.hypnos.querier.StoreApiQueryable;
import dev.hypnos.storeapi.ChunkData;
import dev.hypnos.storeapi.StoreChunk;
import dev.hypnos.storeapi.StoreSeries;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Deduplication over the fan-out's merged stream, as a PromQL select sees it: a store sends
 * {@value #SERIES} series whose replica label was stripped, each carrying the chunks of two HA
 * replicas (four 120-sample XOR chunks each; replica 1 scrapes 7 s after replica 0, with +-25 ms
 * jitter, counter values). {@link StoreApiQueryable} with replica label {@code replica} streams
 * them, splits each series' overlapping chunks back into replicas and merges them with the
 * penalty algorithm ({@code algorithm=penalty}) or by time ({@code chain}); the benchmark reads
 * every sample.
 *
 * <p>With no gaps, penalty dedup keeps one replica throughout (plus the other replica's last
 * sample, which comes after), so the output is one replica's {@value #SAMPLES} samples per series:
 * one operation is one output sample and the score is ns/sample, decoding both replicas' chunks
 * included. {@code chain} outputs both replicas' samples interleaved (twice as many); its score is
 * per sample of one replica as well, for comparison.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DedupBenchmark {
  static final int SERIES = 500;
  static final int CHUNKS = 4;
  static final int SAMPLES = CHUNKS * 120;

  @Param({"penalty", "chain"})
  public String algorithm = "penalty";

  private StoreApiQueryable queryable;

  /** Timestamps [series][replica][sample] and values, as the two replicas scraped them. */
  static long[][][] times = new long[SERIES][2][SAMPLES];
  static double[][][] values = new double[SERIES][2][SAMPLES];

  static {
    java.util.Random rnd = new java.util.Random(42);
    for (int i = 0; i < SERIES; i++) {
      for (int r = 0; r < 2; r++) {
        double v = 0;
        for (int k = 0; k < SAMPLES; k++) {
          times[i][r][k] = k * 15_000L + r * 7_000 + rnd.nextInt(51) - 25;
          v += rnd.nextInt(10);
          values[i][r][k] = v;
        }
      }
    }
  }

  static List<StoreSeries> mergedStream() {
    List<StoreSeries> out = new ArrayList<>(SERIES);
    XorEncoder enc = new XorEncoder();
    for (int i = 0; i < SERIES; i++) {
      List<StoreChunk> chunks = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        for (int c = 0; c < CHUNKS; c++) {
          enc.reset();
          for (int k = c * 120; k < (c + 1) * 120; k++) {
            enc.append(times[i][r][k], values[i][r][k]);
          }
          chunks.add(StoreChunk.raw(times[i][r][c * 120], times[i][r][(c + 1) * 120 - 1],
              ChunkData.hashed(ChunkData.Encoding.XOR, enc.bytes())));
        }
      }
      out.add(new StoreSeries(Labels.of("__name__", "http_requests_total", "cluster", "eu",
          "instance", String.format("pod-%05d", i), "job", "api"), chunks));
    }
    out.sort((a, b) -> a.labels().compareTo(b.labels()));
    return out;
  }

  /** Samples from arrays: the replicas already decoded. */
  static final class ArrayIterator implements ChunkIterator {
    private final long[] t;
    private final double[] v;
    private int i = -1;

    ArrayIterator(long[] t, double[] v) {
      this.t = t;
      this.v = v;
    }

    @Override
    public boolean next() {
      return ++i < t.length;
    }

    @Override
    public boolean hasCurrent() {
      return i >= 0 && i < t.length;
    }

    @Override
    public long timestamp() {
      return t[i];
    }

    @Override
    public double value() {
      return v[i];
    }
  }

  /**
   * The dedup merge alone: the same two replicas per series, already decoded into arrays, merged by
   * the algorithm and read whole; no XOR decoding, no streaming, no chunk splitting. Score per
   * output sample as in {@link #dedup}.
   */
  @Benchmark
  @OperationsPerInvocation(SERIES * SAMPLES)
  public double mergeOnly() {
    double sum = 0;
    for (int i = 0; i < SERIES; i++) {
      List<ChunkIterator> reps = List.of(new ArrayIterator(times[i][0], values[i][0]),
          new ArrayIterator(times[i][1], values[i][1]));
      ChunkIterator it = algorithm.equals("chain")
          ? new dev.hypnos.core.storage.ChainIterator(reps.toArray(ChunkIterator[]::new))
          : dev.hypnos.core.dedup.PenaltyDedupIterator.of(reps, false);
      while (it.next()) {
        sum += it.value();
      }
    }
    return sum;
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    ProxyMergeBenchmark.ListStore store = new ProxyMergeBenchmark.ListStore(mergedStream());
    queryable = new StoreApiQueryable(store, new StoreApiQueryable.Options(List.of("replica"),
        DedupSeriesSet.Algorithm.parse(algorithm), true));
    long n = read();
    // Penalty: replica 0 throughout, then replica 1's last sample (7 s after replica 0's last).
    long want = algorithm.equals("chain") ? 2L * SERIES * SAMPLES : (long) SERIES * (SAMPLES + 1);
    if (n != want) {
      throw new IllegalStateException(algorithm + " dedup gave " + n + " samples, expected " + want);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    queryable.close();
  }

  private long read() throws Exception {
    long n = 0;
    double sum = 0;
    try (Querier q = queryable.querier(Long.MIN_VALUE / 2, Long.MAX_VALUE / 2);
        SeriesSet set = q.select(new SelectHints(Long.MIN_VALUE / 2, Long.MAX_VALUE / 2, 0, "", 0, List.of(), false),
            List.of(Matcher.eq("__name__", "http_requests_total")))) {
      while (set.next()) {
        ChunkIterator it = set.at().iterator();
        while (it.next()) {
          sum += it.value();
          n++;
        }
      }
    }
    return sum == -1 ? -1 : n;
  }

  @Benchmark
  @OperationsPerInvocation(SERIES * SAMPLES)
  public long dedup() throws Exception {
    return read();
  }
}
