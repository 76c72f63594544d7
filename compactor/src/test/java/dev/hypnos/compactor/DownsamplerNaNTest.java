package dev.hypnos.compactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BlockWriter;
import dev.hypnos.core.chunk.AggrChunk;
import dev.hypnos.core.chunk.AggrType;
import dev.hypnos.core.chunk.Values;
import dev.hypnos.core.chunk.XorChunk;
import dev.hypnos.core.chunk.XorIterator;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.util.IoUtil;
import dev.hypnos.testing.Promtool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NaN samples in downsampling, against a reference written from Thanos's {@code
 * pkg/compact/downsample/downsample.go} (v0.33 and later): stale markers are dropped when the
 * chunks are expanded, before the samples are counted and cut into batches; every other NaN is
 * dropped from each batch after it is cut. The data comes from promtool (OpenMetrics with {@code
 * NaN} values; OpenMetrics cannot carry stale markers) and from a block written by our {@link
 * BlockWriter} holding stale markers and NaN. Every chunk's five aggregates must equal the
 * reference's, sample for sample, and per 5m window count, sum, min and max must equal values
 * computed from the non-NaN raw samples.
 */
class DownsamplerNaNTest {
  static final long RES = Downsampler.RES_5M;
  static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-01-02T03:04:05Z"));
  @TempDir Path tmp;

  /** 16h of 30 s samples from a 2h boundary: a gauge and a counter with resets, both with NaN. */
  static Map<Labels, double[]> values(int n, boolean withStale) {
    double[] gauge = new double[n];
    double[] counter = new double[n];
    double c = 5;
    for (int i = 0; i < n; i++) {
      gauge[i] = Math.round(1000 * (50 + 30 * Math.sin(i / 37.0))) / 1000.0;
      if (i % 13 == 5 || (i >= 200 && i < 210)) {
        gauge[i] = Double.NaN; // [200, 210): one whole 5m window
      } else if (withStale && i % 11 == 7) {
        gauge[i] = Values.STALE_NAN;
      }
      c = i % 700 == 699 ? 2 : c + (i % 4) + 1;
      counter[i] = c;
      if (i % 17 == 3) {
        counter[i] = Double.NaN;
      } else if (withStale && (i % 5 == 1 || (i >= 400 && i < 430))) {
        counter[i] = Values.STALE_NAN;
      }
    }
    Map<Labels, double[]> out = new LinkedHashMap<>();
    out.put(Labels.of("__name__", "nan_counter", "job", "c"), counter);
    out.put(Labels.of("__name__", "nan_gauge", "job", "g"), gauge);
    return out;
  }

  @Test
  void promtoolBlocksWithNaNDownsampleAsThanos() throws IOException {
    long start = (1_700_000_000_000L / 7_200_000L + 1) * 7_200_000L;
    int n = 16 * 120;
    long[] ts = new long[n];
    for (int i = 0; i < n; i++) {
      ts[i] = start + i * 30_000L;
    }
    Map<Labels, double[]> series = values(n, false);
    StringBuilder om = new StringBuilder();
    for (Map.Entry<Labels, double[]> e : series.entrySet()) {
      String name = e.getKey().get("__name__");
      om.append("# TYPE ").append(name).append(" gauge\n");
      for (int i = 0; i < n; i++) {
        double v = e.getValue()[i];
        om.append(name).append("{job=\"").append(e.getKey().get("job")).append("\"} ")
            .append(Double.isNaN(v) ? "NaN" : Double.toString(v)).append(' ')
            .append(String.format(Locale.ROOT, "%.3f", ts[i] / 1000.0)).append('\n');
      }
    }
    om.append("# EOF\n");
    Path file = tmp.resolve("nan.om");
    Files.writeString(file, om);
    List<Path> blocks = Promtool.require().createBlocksFromOpenMetrics(file, tmp.resolve("db"));
    assertThat(blocks).hasSize(8);
    List<BlockReader> readers = new ArrayList<>();
    Path merged;
    try {
      for (Path p : blocks) {
        readers.add(BlockReader.open(p));
      }
      merged = new BlockMerger(CLOCK, new SplittableRandom(1), BlockMerger.Options.DEFAULT)
          .merge(readers, Files.createDirectories(tmp.resolve("merged"))).dir();
    } finally {
      IoUtil.closeAll(readers);
    }
    // promtool stored the NaN as ordinary NaN (Go's math.NaN()), not as stale markers.
    Map<Labels, Samples> stored = readRaw(merged);
    assertThat(stored.keySet()).containsExactlyElementsOf(series.keySet());
    for (Map.Entry<Labels, Samples> e : stored.entrySet()) {
      assertThat(e.getValue().t).isEqualTo(ts);
      double[] want = series.get(e.getKey());
      for (int i = 0; i < n; i++) {
        assertThat(Double.isNaN(e.getValue().v[i])).isEqualTo(Double.isNaN(want[i]));
        assertThat(Values.isStaleNaN(e.getValue().v[i])).isFalse();
      }
    }
    checkDownsampled(merged, stored);
  }

  @Test
  void staleMarkersAreDroppedBeforeBatchingAndOtherNaNAfter() throws IOException {
    long start = 1_700_006_400_000L;
    int n = 16 * 120;
    long[] ts = new long[n];
    for (int i = 0; i < n; i++) {
      ts[i] = start + i * 30_000L;
    }
    Map<Labels, double[]> series = values(n, true);
    BlockId id = BlockId.of(start, new SplittableRandom(3));
    Path dir;
    try (BlockWriter w = BlockWriter.create(Files.createDirectories(tmp.resolve("stale")), id, BlockWriter.Options.DEFAULT)) {
      for (Map.Entry<Labels, double[]> e : series.entrySet()) {
        w.addSeries(e.getKey(), new DownsamplerTest.ArrayIterator(ts, e.getValue()));
      }
      w.commit(start, ts[n - 1] + 1, new BlockMeta.Compaction(1, List.of(id), false, List.of(), false, List.of()),
          BlockMeta.Thanos.of(Map.of("k", "v"), 0, "sidecar"));
      dir = w.finalDir();
    }
    Map<Labels, Samples> stored = readRaw(dir);
    int stale = 0;
    for (Samples s : stored.values()) {
      for (double v : s.v) {
        stale += Values.isStaleNaN(v) ? 1 : 0;
      }
    }
    assertThat(stale).as("stale markers in the block").isGreaterThan(n / 4);
    checkDownsampled(dir, stored);
  }

  record Samples(long[] t, double[] v) {}

  /** One output sample per aggregate: timestamps and values of count, sum, min, max, counter. */
  record Chunk(List<long[]> times, List<double[]> values) {}

  static Map<Labels, Samples> readRaw(Path dir) throws IOException {
    Map<Labels, Samples> out = new LinkedHashMap<>();
    try (BlockReader b = BlockReader.open(dir)) {
      b.forEachSeries((ref, s) -> {
        List<Long> t = new ArrayList<>();
        List<Double> v = new ArrayList<>();
        XorIterator it = new XorIterator();
        for (int i = 0; i < s.chunkCount(); i++) {
          byte[] d = b.chunk(s.chunkRef(i)).data();
          it.reset(d, 0, d.length);
          while (it.next()) {
            t.add(it.timestamp());
            v.add(it.value());
          }
        }
        out.put(s.labels(), new Samples(t.stream().mapToLong(Long::longValue).toArray(),
            v.stream().mapToDouble(Double::doubleValue).toArray()));
        return true;
      });
    }
    return out;
  }

  private void checkDownsampled(Path raw, Map<Labels, Samples> stored) throws IOException {
    Path out;
    try (BlockReader b = BlockReader.open(raw)) {
      out = new Downsampler(CLOCK, new SplittableRandom(2), BlockWriter.Options.DEFAULT)
          .downsample(b, RES, Files.createDirectories(tmp.resolve("out-" + b.id()))).dir();
    }
    Map<Labels, List<Chunk>> got = new LinkedHashMap<>();
    try (BlockReader b = BlockReader.open(out)) {
      b.forEachSeries((ref, s) -> {
        List<Chunk> chunks = new ArrayList<>();
        for (int i = 0; i < s.chunkCount(); i++) {
          AggrChunk a = AggrChunk.parse(b.chunk(s.chunkRef(i)).data());
          List<long[]> times = new ArrayList<>();
          List<double[]> values = new ArrayList<>();
          for (AggrType type : new AggrType[] {AggrType.COUNT, AggrType.SUM, AggrType.MIN, AggrType.MAX, AggrType.COUNTER}) {
            XorChunk x = a.xor(type);
            assertThat(x).as("%s %s", s.labels(), type).isNotNull();
            List<Long> t = new ArrayList<>();
            List<Double> v = new ArrayList<>();
            XorIterator it = x.iterator(null);
            while (it.next()) {
              t.add(it.timestamp());
              v.add(it.value());
            }
            times.add(t.stream().mapToLong(Long::longValue).toArray());
            values.add(v.stream().mapToDouble(Double::doubleValue).toArray());
          }
          chunks.add(new Chunk(times, values));
        }
        got.put(s.labels(), chunks);
        return true;
      });
    }
    assertThat(got.keySet()).containsExactlyElementsOf(stored.keySet());
    for (Map.Entry<Labels, Samples> e : stored.entrySet()) {
      Labels l = e.getKey();
      List<Chunk> want = thanosReference(e.getValue());
      List<Chunk> have = got.get(l);
      assertThat(want.size()).as("%s: the reference makes several chunks", l).isGreaterThan(1);
      assertThat(have).as("%s: chunks", l).hasSameSizeAs(want);
      for (int c = 0; c < want.size(); c++) {
        for (int k = 0; k < 5; k++) {
          String what = l + " chunk " + c + " aggregate " + k;
          assertThat(have.get(c).times().get(k)).as(what + " times").isEqualTo(want.get(c).times().get(k));
          assertThat(have.get(c).values().get(k)).as(what + " values").isEqualTo(want.get(c).values().get(k));
        }
      }
      // Independently of the reference: per window, the aggregates of the non-NaN raw samples.
      Map<Long, double[]> windows = new LinkedHashMap<>();
      Samples s = e.getValue();
      for (int i = 0; i < s.t.length; i++) {
        if (Double.isNaN(s.v[i])) {
          continue;
        }
        double[] w = windows.computeIfAbsent(s.t[i] - s.t[i] % RES, x -> new double[] {0, 0, Double.MAX_VALUE, -Double.MAX_VALUE});
        w[0]++;
        w[1] += s.v[i];
        w[2] = Math.min(w[2], s.v[i]);
        w[3] = Math.max(w[3], s.v[i]);
      }
      Map<Long, double[]> seen = new LinkedHashMap<>();
      for (Chunk c : have) {
        for (int j = 0; j < c.times().get(0).length; j++) {
          long t = c.times().get(0)[j];
          double[] vals = new double[4];
          for (int k = 0; k < 4; k++) {
            vals[k] = c.values().get(k)[j];
            assertThat(vals[k]).as("%s at %d aggregate %d", l, t, k).isNotNaN();
          }
          assertThat(seen.put(t - t % RES, vals)).as("%s: window %d once", l, t - t % RES).isNull();
        }
      }
      assertThat(seen.keySet()).as("%s windows", l).containsExactlyInAnyOrderElementsOf(windows.keySet());
      for (Map.Entry<Long, double[]> w : windows.entrySet()) {
        double[] g = seen.get(w.getKey());
        assertThat(g[0]).as("count").isEqualTo(w.getValue()[0]);
        assertThat(g[1]).as("sum").isCloseTo(w.getValue()[1], org.assertj.core.api.Assertions.within(1e-9 * Math.abs(w.getValue()[1])));
        assertThat(g[2]).as("min").isEqualTo(w.getValue()[2]);
        assertThat(g[3]).as("max").isEqualTo(w.getValue()[3]);
      }
    }
  }

  /** Thanos's raw downsampling (expand, targetChunkCount, downsampleRawLoop, downsampleBatch), sample by sample. */
  static List<Chunk> thanosReference(Samples raw) {
    List<long[]> data = new ArrayList<>();
    List<Double> vals = new ArrayList<>();
    for (int i = 0; i < raw.t.length; i++) {
      if (!Values.isStaleNaN(raw.v[i])) {
        data.add(new long[] {raw.t[i]});
        vals.add(raw.v[i]);
      }
    }
    int len = data.size();
    long mint = data.get(0)[0];
    long maxt = data.get(len - 1)[0];
    double maxSamples = (double) ((maxt - mint) / RES);
    double fullness = Math.min(1.0, len / ((double) (maxt - mint) / 60_000));
    int exp = (int) (maxSamples * fullness) + 1;
    int numChunks = 1;
    while (exp / numChunks > 140) {
      numChunks++;
    }
    int batchSize = len / numChunks + 1;
    List<Chunk> out = new ArrayList<>();
    int from = 0;
    while (from < len) {
      int j = Math.min(from + batchSize, len);
      long curW = window(data.get(j - 1)[0]);
      while (j < len && data.get(j)[0] <= curW) {
        j++;
      }
      List<Long> bt = new ArrayList<>();
      List<Double> bv = new ArrayList<>();
      for (int i = from; i < j; i++) {
        if (!Double.isNaN(vals.get(i))) {
          bt.add(data.get(i)[0]);
          bv.add(vals.get(i));
        }
      }
      from = j;
      if (bt.isEmpty()) {
        continue;
      }
      List<List<Long>> times = new ArrayList<>();
      List<List<Double>> values = new ArrayList<>();
      for (int k = 0; k < 5; k++) {
        times.add(new ArrayList<>());
        values.add(new ArrayList<>());
      }
      times.get(4).add(bt.get(0));
      values.get(4).add(bv.get(0));
      long lastT = bt.get(bt.size() - 1);
      long nextT = -1;
      double count = 0;
      double sum = 0;
      double min = 0;
      double max = 0;
      double counter = 0;
      double last = 0;
      int total = 0;
      for (int i = 0; i < bt.size(); i++) {
        long t = bt.get(i);
        double v = bv.get(i);
        if (t > nextT) {
          if (nextT != -1) {
            add(times, values, nextT, count, sum, min, max, counter);
          }
          count = 0;
          sum = 0;
          min = Double.MAX_VALUE;
          max = -Double.MAX_VALUE;
          nextT = Math.min(window(t), lastT);
        }
        counter = total == 0 ? v : counter + (v < last ? v : v - last);
        last = v;
        total++;
        sum += v;
        count++;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      add(times, values, nextT, count, sum, min, max, counter);
      times.get(4).add(nextT);
      values.get(4).add(bv.get(bv.size() - 1));
      List<long[]> ct = new ArrayList<>();
      List<double[]> cv = new ArrayList<>();
      for (int k = 0; k < 5; k++) {
        ct.add(times.get(k).stream().mapToLong(Long::longValue).toArray());
        cv.add(values.get(k).stream().mapToDouble(Double::doubleValue).toArray());
      }
      out.add(new Chunk(ct, cv));
    }
    return out;
  }

  private static void add(List<List<Long>> times, List<List<Double>> values, long t, double count, double sum,
      double min, double max, double counter) {
    double[] v = {count, sum, min, max, counter};
    for (int k = 0; k < 5; k++) {
      times.get(k).add(t);
      values.get(k).add(v[k]);
    }
  }

  private static long window(long t) {
    return t - t % RES + RES - 1;
  }
}
