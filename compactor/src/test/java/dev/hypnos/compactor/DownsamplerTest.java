package dev.hypnos.compactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BlockWriter;
import dev.hypnos.core.block.RawChunk;
import dev.hypnos.core.chunk.AggrChunk;
import dev.hypnos.core.chunk.AggrType;
import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.chunk.CounterResetsIterator;
import dev.hypnos.core.chunk.XorChunk;
import dev.hypnos.core.chunk.XorIterator;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.util.IoUtil;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.Promtool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downsamples a 48h block merged from real promtool blocks to 5m, then to 1h, and checks every
 * window's count, sum, min and max against values computed from the generated raw samples, and the
 * counter aggregate (read with resets applied) against the raw increase.
 */
class DownsamplerTest {
  @TempDir static Path tmp;
  static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-01-02T03:04:05Z"));
  static OpenMetricsGenerator.Result gen;
  static Path merged;
  static Path fiveMin;
  static Path oneHour;

  @BeforeAll
  static void makeBlocks() throws IOException {
    Promtool promtool = Promtool.require();
    OpenMetricsGenerator.Config cfg = new OpenMetricsGenerator.Config(7, 1_700_000_123_000L, 48 * 3_600_000L, 60_000, 4, 3, 0);
    gen = new OpenMetricsGenerator(cfg).write(tmp.resolve("data.om"));
    List<Path> blocks = promtool.createBlocksFromOpenMetrics(gen.file(), tmp.resolve("db"));
    List<BlockReader> readers = new ArrayList<>();
    try {
      for (Path p : blocks) {
        readers.add(BlockReader.open(p));
      }
      merged = new BlockMerger(CLOCK, new SplittableRandom(1), BlockMerger.Options.DEFAULT)
          .merge(readers, Files.createDirectories(tmp.resolve("merged"))).dir();
    } finally {
      IoUtil.closeAll(readers);
    }
    Downsampler d = new Downsampler(CLOCK, new SplittableRandom(2), BlockWriter.Options.DEFAULT);
    try (BlockReader b = BlockReader.open(merged)) {
      assertThat(Downsampler.longEnough(b.meta())).isTrue();
      fiveMin = d.downsample(b, Downsampler.RES_5M, Files.createDirectories(tmp.resolve("5m"))).dir();
    }
    try (BlockReader b = BlockReader.open(fiveMin)) {
      oneHour = d.downsample(b, Downsampler.RES_1H, Files.createDirectories(tmp.resolve("1h"))).dir();
    }
  }

  @Test
  void metaOfDownsampledBlocks() throws IOException {
    try (BlockReader src = BlockReader.open(merged);
        BlockReader m5 = BlockReader.open(fiveMin);
        BlockReader h1 = BlockReader.open(oneHour)) {
      for (BlockReader b : List.of(m5, h1)) {
        BlockMeta m = b.meta();
        assertThat(m.ulid()).isNotEqualTo(src.id());
        assertThat(m.compaction()).isEqualTo(src.meta().compaction());
        assertThat(m.minTime()).isEqualTo(src.meta().minTime());
        assertThat(m.maxTime()).isEqualTo(src.meta().maxTime());
        assertThat(m.thanos()).isNotNull();
        assertThat(m.thanos().source()).isEqualTo("compactor");
        assertThat(m.stats().numSeries()).isEqualTo(src.meta().stats().numSeries());
        assertThat(m.stats().numSamples()).isPositive();
        b.forEachSeries((ref, s) -> {
          for (int i = 0; i < s.chunkCount(); i++) {
            assertThat(b.chunk(s.chunkRef(i)).encoding()).isEqualTo((byte) 0xFF);
          }
          return true;
        });
      }
      assertThat(m5.meta().resolution()).isEqualTo(300_000);
      assertThat(h1.meta().resolution()).isEqualTo(3_600_000);
      assertThat(m5.meta().stats().numSamples()).isLessThan(src.meta().stats().numSamples());
    }
  }

  @Test
  void fiveMinuteAggregatesMatchRawSamples() throws IOException {
    checkAgainstRaw(fiveMin, 300_000);
  }

  @Test
  void oneHourAggregatesMatchRawSamples() throws IOException {
    checkAgainstRaw(oneHour, 3_600_000);
  }

  @Test
  void refusesWrongResolutionStep() throws IOException {
    Downsampler d = new Downsampler(CLOCK, new SplittableRandom(3), BlockWriter.Options.DEFAULT);
    try (BlockReader b = BlockReader.open(merged)) {
      assertThatThrownBy(() -> d.downsample(b, Downsampler.RES_1H, tmp.resolve("x")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(b.id().toString());
    }
  }

  @Test
  void nanSamplesAreDroppedAndResetsCounted() throws IOException {
    // 3 days at 60 s; every 7th sample a stale marker, a whole 5m window of NaN, resets every 500.
    int n = 3 * 1440;
    long[] ts = new long[n];
    double[] vs = new double[n];
    double v = 10;
    long base = 1_700_006_400_000L; // aligned to 5m
    for (int i = 0; i < n; i++) {
      ts[i] = base + i * 60_000L;
      v = i % 500 == 499 ? 1 : v + (i % 3);
      boolean nan = i % 7 == 3 || (i >= 100 && i < 105);
      vs[i] = nan ? (i % 2 == 0 ? Double.NaN : Double.longBitsToDouble(0x7ff0000000000002L)) : v;
    }
    Path dir;
    BlockWriter.Options wo = BlockWriter.Options.DEFAULT;
    Labels labels = Labels.of("__name__", "c_total");
    try (BlockWriter w = BlockWriter.create(Files.createDirectories(tmp.resolve("nan")),
        dev.hypnos.core.block.BlockId.of(base, new SplittableRandom(4)), wo)) {
      w.addSeries(labels, new ArrayIterator(ts, vs));
      w.commit(base, base + n * 60_000L, new BlockMeta.Compaction(1, List.of(), false, List.of(), false, List.of()),
          BlockMeta.Thanos.of(Map.of("k", "v"), 0, "sidecar"));
      dir = w.finalDir();
    }
    Path out;
    try (BlockReader b = BlockReader.open(dir)) {
      out = new Downsampler(CLOCK, new SplittableRandom(5), wo).downsample(b, 300_000, Files.createDirectories(tmp.resolve("nan5m"))).dir();
    }
    double count = 0;
    TreeMap<Long, Boolean> windows = new TreeMap<>();
    List<ChunkIterator> counters = new ArrayList<>();
    try (BlockReader b = BlockReader.open(out)) {
      assertThat(b.meta().thanos().labels()).isEqualTo(Map.of("k", "v"));
      b.forEachSeries((ref, s) -> {
        for (int i = 0; i < s.chunkCount(); i++) {
          AggrChunk a = AggrChunk.parse(b.chunk(s.chunkRef(i)).data());
          XorIterator it = a.xor(AggrType.COUNT).iterator(null);
          while (it.next()) {
            windows.put(it.timestamp() - it.timestamp() % 300_000, true);
          }
          counters.add(a.xor(AggrType.COUNTER).iterator(null));
        }
        return true;
      });
      assertThat(counters.size()).isGreaterThan(1);
    }
    // Count: the non-NaN samples; the all-NaN window [100, 105) has no aggregate.
    int nonNaN = 0;
    double cum = 0;
    double prev = Double.NaN;
    for (int i = 0; i < n; i++) {
      if (Double.isNaN(vs[i])) {
        continue;
      }
      nonNaN++;
      cum += Double.isNaN(prev) ? vs[i] : (vs[i] < prev ? vs[i] : vs[i] - prev);
      prev = vs[i];
    }
    try (BlockReader b = BlockReader.open(out)) {
      double[] total = {0};
      b.forEachSeries((ref, s) -> {
        for (int i = 0; i < s.chunkCount(); i++) {
          XorIterator it = AggrChunk.parse(b.chunk(s.chunkRef(i)).data()).xor(AggrType.COUNT).iterator(null);
          while (it.next()) {
            assertThat(it.value()).isPositive();
            total[0] += it.value();
          }
        }
        return true;
      });
      count = total[0];
    }
    assertThat(count).isEqualTo(nonNaN);
    assertThat(windows).doesNotContainKey(base + 100 * 60_000L);
    assertThat(windows).hasSize(n / 5 - 1);
    CounterResetsIterator it = new CounterResetsIterator(counters);
    double last = Double.NaN;
    while (it.next()) {
      last = it.value();
    }
    assertThat(last).isEqualTo(cum);
  }

  /** Samples from arrays. */
  static final class ArrayIterator implements ChunkIterator {
    final long[] ts;
    final double[] vs;
    int i = -1;

    ArrayIterator(long[] ts, double[] vs) {
      this.ts = ts;
      this.vs = vs;
    }

    @Override
    public boolean next() {
      return ++i < ts.length;
    }

    @Override
    public boolean hasCurrent() {
      return i >= 0 && i < ts.length;
    }

    @Override
    public long timestamp() {
      return ts[i];
    }

    @Override
    public double value() {
      return vs[i];
    }
  }

  /** Aggregates of one window: count, sum, min, max. */
  private static double[] newWindow() {
    return new double[] {0, 0, Double.MAX_VALUE, -Double.MAX_VALUE};
  }

  private static void checkAgainstRaw(Path dir, long res) throws IOException {
    Map<Labels, OpenMetricsGenerator.Series> raw = new HashMap<>();
    for (OpenMetricsGenerator.Series s : gen.series()) {
      raw.put(s.labels(), s);
    }
    int[] seen = {0};
    int[] counterSeries = {0};
    try (BlockReader b = BlockReader.open(dir)) {
      b.forEachSeries((ref, s) -> {
        OpenMetricsGenerator.Series src = raw.get(s.labels());
        assertThat(src).as("series %s", s.labels()).isNotNull();
        seen[0]++;
        // Expected per window, from the raw samples.
        TreeMap<Long, double[]> want = new TreeMap<>();
        for (int i = 0; i < src.timestamps().length; i++) {
          long t = src.timestamps()[i];
          double v = src.values()[i];
          double[] w = want.computeIfAbsent(t - t % res, k -> newWindow());
          w[0]++;
          w[1] += v;
          w[2] = Math.min(w[2], v);
          w[3] = Math.max(w[3], v);
        }
        // Actual: windows may be split across chunks (1h from 5m follows the input chunks).
        TreeMap<Long, double[]> got = new TreeMap<>();
        List<ChunkIterator> counters = new ArrayList<>();
        long prevMax = Long.MIN_VALUE;
        for (int i = 0; i < s.chunkCount(); i++) {
          RawChunk rc = b.chunk(s.chunkRef(i));
          AggrChunk a = AggrChunk.parse(rc.data());
          assertThat(s.chunkMinTime(i)).isGreaterThan(prevMax);
          prevMax = s.chunkMaxTime(i);
          for (AggrType type : new AggrType[] {AggrType.COUNT, AggrType.SUM, AggrType.MIN, AggrType.MAX}) {
            XorChunk x = a.xor(type);
            assertThat(x).isNotNull();
            XorIterator it = x.iterator(null);
            while (it.next()) {
              long t = it.timestamp();
              assertThat(t).isBetween(s.chunkMinTime(i), s.chunkMaxTime(i));
              double[] w = got.computeIfAbsent(t - t % res, k -> newWindow());
              double v = it.value();
              switch (type) {
                case COUNT -> w[0] += v;
                case SUM -> w[1] += v;
                case MIN -> w[2] = Math.min(w[2], v);
                default -> w[3] = Math.max(w[3], v);
              }
            }
            assertThat(it.error()).isNull();
          }
          XorChunk c = a.xor(AggrType.COUNTER);
          assertThat(c).isNotNull();
          counters.add(c.iterator(null));
        }
        assertThat(got.keySet()).as("windows of %s", s.labels()).containsExactlyElementsOf(want.keySet());
        for (Map.Entry<Long, double[]> e : want.entrySet()) {
          double[] w = e.getValue();
          double[] g = got.get(e.getKey());
          String what = s.labels() + " window " + e.getKey();
          assertThat(g[0]).as("count " + what).isEqualTo(w[0]);
          assertThat(g[1]).as("sum " + what).isCloseTo(w[1], within(1e-6 * Math.max(1, Math.abs(w[1]))));
          assertThat(g[2]).as("min " + what).isEqualTo(w[2]);
          assertThat(g[3]).as("max " + what).isEqualTo(w[3]);
        }
        if (!String.valueOf(s.labels().get("__name__")).endsWith("_total")) {
          // Counter aggregates mean something for counters only: a gauge going negative makes the
          // running total fall, which a reader takes for a reset (so does Thanos).
          return true;
        }
        // Counter: at every output timestamp, the total with resets applied equals the raw one.
        long[] ts = src.timestamps();
        double[] vs = src.values();
        double[] cum = new double[ts.length];
        cum[0] = vs[0];
        int resets = 0;
        for (int i = 1; i < ts.length; i++) {
          boolean reset = vs[i] < vs[i - 1];
          resets += reset ? 1 : 0;
          cum[i] = cum[i - 1] + (reset ? vs[i] : vs[i] - vs[i - 1]);
        }
        CounterResetsIterator it = new CounterResetsIterator(counters);
        int k = 0;
        int outputs = 0;
        double last = Double.NaN;
        while (it.next()) {
          long t = it.timestamp();
          while (k + 1 < ts.length && ts[k + 1] <= t) {
            k++;
          }
          assertThat(ts[k]).isLessThanOrEqualTo(t);
          assertThat(it.value()).as("counter of %s at %d", s.labels(), t)
              .isCloseTo(cum[k], within(1e-6 * Math.max(1, cum[k])));
          last = it.value();
          outputs++;
        }
        assertThat(it.error()).isNull();
        assertThat(outputs).isGreaterThan(1);
        assertThat(last - vs[0]).as("increase of %s", s.labels())
            .isCloseTo(cum[ts.length - 1] - vs[0], within(1e-6 * Math.max(1, cum[ts.length - 1])));
        assertThat(it.lastRawValue()).isEqualTo(vs[vs.length - 1]);
        assertThat(resets).as("the generated counter %s has resets", s.labels()).isPositive();
        counterSeries[0]++;
        return true;
      });
    }
    assertThat(seen[0]).isEqualTo(gen.series().size());
    assertThat(counterSeries[0]).isEqualTo(4);
  }
}
