package dev.hypnos.compactor;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BlockWriter;
import dev.hypnos.core.block.RawChunk;
import dev.hypnos.core.chunk.AggrChunk;
import dev.hypnos.core.chunk.AggrType;
import dev.hypnos.core.chunk.CounterResetsIterator;
import dev.hypnos.core.chunk.Values;
import dev.hypnos.core.chunk.XorChunk;
import dev.hypnos.core.chunk.XorEncoder;
import dev.hypnos.core.chunk.XorIterator;
import dev.hypnos.core.index.CorruptBlockException;
import dev.hypnos.core.index.SeriesBuilder;
import dev.hypnos.core.labels.Labels;
import java.io.IOException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;

/**
 * Downsamples a block as the Thanos compactor does: raw (resolution 0) to 5m, and 5m to 1h.
 *
 * <p>Every output chunk is an aggregate chunk (encoding byte 0xFF) holding XOR chunks for count,
 * sum, min, max and counter. One aggregate sample is written per window {@code [t - t%r, t - t%r +
 * r - 1]}, stamped with the window end, or with the last input sample of the batch when that comes
 * earlier. Raw samples are cut into batches targeting at most 140 output samples per chunk,
 * extended to the end of the window of their last sample. NaN samples are dropped as Thanos (since
 * v0.33, thanos-io/thanos #6598) drops them: stale markers (NaN with bit pattern {@code
 * 0x7ff0000000000002}) before the samples are counted and cut into batches, every other NaN from
 * each batch once it is cut; a batch of NaN only yields no chunk. So no NaN reaches count, sum, min,
 * max or counter (count counts the non-NaN samples), and a window holding only NaN has no output
 * sample. (Raw {@code count_over_time} and {@code sum_over_time} over NaN samples therefore differ
 * from the downsampled answers, as in Thanos.) The counter
 * aggregate holds the counter total since the start of its chunk, resets applied, plus the chunk's
 * first raw sample before and its last raw value (duplicate timestamp) after, so that {@link
 * CounterResetsIterator} can join chunks across resets.
 *
 * <p>5m to 1h re-aggregates along the input chunk boundaries: count and sum are summed, min and max
 * kept, and counters read through {@link CounterResetsIterator} and aggregated again.
 *
 * <p>The new block gets a new ULID, the source's time range and compaction section, its external
 * labels, the target resolution and source {@code "compactor"}. Float series only: native
 * histogram chunks are rejected, and so are series with overlapping chunks (as Thanos does). As in
 * Thanos, tombstones and samples outside the block range are not filtered.
 *
 * <p>Concurrency: an instance holds no state between calls; safe to share if the random source is.
 */
public final class Downsampler {
  /** Raw resolution. */
  public static final long RES_RAW = 0;
  /** 5 minutes in ms. */
  public static final long RES_5M = 300_000;
  /** 1 hour in ms. */
  public static final long RES_1H = 3_600_000;
  /** Minimum range of a raw block to be downsampled to 5m: 40h. */
  public static final long RANGE_FOR_5M = 40 * 3_600_000L;
  /** Minimum range of a 5m block to be downsampled to 1h: 10 days. */
  public static final long RANGE_FOR_1H = 10 * 24 * 3_600_000L;
  /** Output samples per aggregate chunk aimed at. */
  static final int TARGET_SAMPLES = 140;
  /** Assumed raw scrape interval for chunk sizing. */
  static final long ASSUMED_RAW_STEP = 60_000;
  static final byte ENC_AGGR = (byte) 0xFF;

  private final InstantSource clock;
  private final RandomGenerator random;
  private final BlockWriter.Options writerOptions;

  public Downsampler(InstantSource clock, RandomGenerator random, BlockWriter.Options writerOptions) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
    this.writerOptions = Objects.requireNonNull(writerOptions, "writerOptions");
  }

  /** The resolution a block of {@code resolution} is downsampled to, or -1 for none. */
  public static long nextResolution(long resolution) {
    if (resolution == RES_RAW) {
      return RES_5M;
    }
    if (resolution == RES_5M) {
      return RES_1H;
    }
    return -1;
  }

  /** True when a block's range is long enough to be downsampled to the next resolution. */
  public static boolean longEnough(BlockMeta meta) {
    long range = meta.maxTime() - meta.minTime();
    long res = meta.resolution();
    return res == RES_RAW ? range >= RANGE_FOR_5M : res == RES_5M && range >= RANGE_FOR_1H;
  }

  /**
   * Writes the downsampled copy of {@code source} at {@code resolution} (5m for a raw block, 1h
   * for a 5m block) as a new block under {@code outDir}.
   */
  public BlockMerger.Result downsample(BlockReader source, long resolution, Path outDir) throws IOException {
    return downsample(source, resolution, outDir, () -> false);
  }

  /**
   * Like {@link #downsample(BlockReader, long, Path)}, polling {@code cancelled} between series:
   * once it answers true the unfinished block is removed and {@link CancellationException} thrown.
   */
  public BlockMerger.Result downsample(BlockReader source, long resolution, Path outDir, BooleanSupplier cancelled)
      throws IOException {
    long from = source.meta().resolution();
    if (nextResolution(from) != resolution) {
      throw new IllegalArgumentException("downsample block " + source.id() + " of resolution " + from
          + " ms to " + resolution + " ms: only 0 -> 300000 and 300000 -> 3600000 are supported");
    }
    BlockMeta src = source.meta();
    BlockId id = BlockId.generate(clock, random);
    BlockMeta.Thanos st = src.thanos();
    Map<String, String> ext = st == null ? Map.of() : st.labels();
    BlockMeta.Thanos thanos = BlockMeta.Thanos.of(ext, resolution, BlockMerger.SOURCE);
    SeriesWork work = new SeriesWork(resolution);
    try (BlockWriter w = BlockWriter.create(outDir, id, writerOptions)) {
      List<BlockWriter.Chunk> out = new ArrayList<>();
      source.forEachSeries((ref, series) -> {
        if (cancelled.getAsBoolean()) {
          throw new CancellationException("downsample block " + source.id() + ": stop requested");
        }
        out.clear();
        try {
          for (int i = 1; i < series.chunkCount(); i++) {
            if (series.chunkMinTime(i) <= series.chunkMaxTime(i - 1)) {
              throw new OverlappingChunksException("chunk " + i + " [" + series.chunkMinTime(i) + ", " + series.chunkMaxTime(i)
                  + "] overlaps the previous one ending at " + series.chunkMaxTime(i - 1)
                  + "; compact the block (vertical compaction) before downsampling it");
            }
          }
          if (from == RES_RAW) {
            work.raw(source, series, out);
          } else {
            work.aggregated(source, series, from, out);
          }
        } catch (IOException | RuntimeException e) {
          throw new IOException("downsample series " + series.labels() + " of block " + source.id() + " to "
              + resolution + " ms: " + e.getMessage(), e);
        }
        if (!out.isEmpty()) {
          w.addSeriesChunks(series.labels(), out);
        }
        return true;
      });
      BlockMeta meta = w.commit(src.minTime(), src.maxTime(), src.compaction(), thanos);
      // The writer counts samples of XOR chunks only; an aggregate chunk counts its count samples.
      BlockMeta.Stats s = meta.stats();
      BlockMeta fixed = new BlockMeta(meta.ulid(), meta.minTime(), meta.maxTime(),
          new BlockMeta.Stats(work.outSamples, work.outSamples, 0, s.numSeries(), s.numChunks(), 0),
          meta.compaction(), meta.version(), meta.thanos());
      BlockMetaJson.write(w.finalDir(), fixed);
      return new BlockMerger.Result(w.finalDir(), fixed);
    }
  }

  /**
   * A series of the source block has chunks whose time ranges overlap (or repeat): such a block
   * cannot be downsampled until a vertical compaction has merged them, as in Thanos.
   */
  public static final class OverlappingChunksException extends IOException {
    private static final long serialVersionUID = 1L;

    OverlappingChunksException(String message) {
      super(message);
    }
  }

  /** Output window end for {@code t} at resolution {@code r}. */
  static long windowEnd(long t, long r) {
    return t - t % r + r - 1;
  }

  /** Number of output chunks for a series (Thanos's targetChunkCount). */
  static int targetChunkCount(long mint, long maxt, long inRes, long outRes, long count) {
    double maxSamples = (double) ((maxt - mint) / outRes);
    double fullness = Math.min(1.0, count / ((double) (maxt - mint) / inRes));
    if (maxt == mint) {
      fullness = 1.0; // Go yields +Inf here, capped to 1
    }
    long exp = (long) (maxSamples * fullness) + 1;
    int x = 1;
    while (exp / x > TARGET_SAMPLES) {
      x++;
    }
    return x;
  }

  /** The aggregates of the window being emitted, and the batch's running counter. */
  private static final class Aggregator {
    double count;
    double sum;
    double min;
    double max;
    double counter;
  }

  /** What a window yields: 0 count, 1 sum, 2 min, 3 max, 4 counter. */
  private static double pick(Aggregator a, int what) {
    return switch (what) {
      case 0 -> a.count;
      case 1 -> a.sum;
      case 2 -> a.min;
      case 3 -> a.max;
      default -> a.counter;
    };
  }

  /** Reusable buffers for one series at a time. */
  private static final class SeriesWork {
    final long resolution;
    final XorIterator xor = new XorIterator();
    final Aggregator aggr = new Aggregator();
    final XorEncoder[] enc = new XorEncoder[5];
    long[] ts = new long[1024];
    double[] vs = new double[1024];
    int n;
    long[] bts = new long[1024];
    double[] bvs = new double[1024];
    long outSamples;
    long chunkMin;
    long chunkMax;

    SeriesWork(long resolution) {
      this.resolution = resolution;
      for (int i = 0; i < 5; i++) {
        enc[i] = new XorEncoder(256);
      }
    }

    void append(long t, double v) {
      if (n == ts.length) {
        ts = Arrays.copyOf(ts, n * 2);
        vs = Arrays.copyOf(vs, n * 2);
      }
      ts[n] = t;
      vs[n] = v;
      n++;
    }

    void expand(RawChunk raw, String what) throws IOException {
      int from = n;
      xor.reset(raw.data(), 0, raw.data().length);
      // Bulk decoding: the decoder state stays in registers for the whole chunk.
      int want = xor.numSamples();
      if (ts.length - n < want) {
        int cap = Math.max(ts.length * 2, n + want);
        ts = Arrays.copyOf(ts, cap);
        vs = Arrays.copyOf(vs, cap);
      }
      while (true) {
        int got = xor.next(ts, vs, n, ts.length - n);
        n += got;
        if (got == 0 || n < ts.length) {
          break;
        }
        ts = Arrays.copyOf(ts, n * 2);
        vs = Arrays.copyOf(vs, n * 2);
      }
      String err = xor.error();
      if (err != null) {
        throw new IOException("decode " + what + ": " + err);
      }
      // Stale markers go here, before the chunk count and the batches are worked out; other NaN
      // stay until a batch is cut (see downsampleRaw), as in Thanos.
      int w = from;
      for (int i = from; i < n; i++) {
        if (Double.doubleToRawLongBits(vs[i]) != Values.STALE_NAN_BITS) {
          ts[w] = ts[i];
          vs[w] = vs[i];
          w++;
        }
      }
      n = w;
    }

    /** Raw series: all samples of the series, then batched into aggregate chunks. */
    void raw(BlockReader block, SeriesBuilder series, List<BlockWriter.Chunk> out) throws IOException {
      n = 0;
      for (int i = 0; i < series.chunkCount(); i++) {
        RawChunk raw = block.chunk(series.chunkRef(i));
        if (raw.encoding() != RawChunk.ENC_XOR) {
          throw new UnsupportedOperationException("chunk " + series.chunkRef(i) + " has encoding "
              + (raw.encoding() & 0xFF) + "; only float (XOR) series can be downsampled so far");
        }
        try {
          expand(raw, "chunk " + series.chunkRef(i));
        } catch (IOException e) {
          long ref = series.chunkRef(i);
          throw new CorruptBlockException(block.id().toString(), String.format("chunks/%06d", (ref >>> 32) + 1),
              ref & 0xFFFFFFFFL, "undecodable XOR chunk", "series " + series.labels() + ": " + e.getMessage(), e);
        }
      }
      downsampleRaw(out);
    }

    void downsampleRaw(List<BlockWriter.Chunk> out) {
      if (n == 0) {
        return;
      }
      int numChunks = targetChunkCount(ts[0], ts[n - 1], ASSUMED_RAW_STEP, resolution, n);
      int batchSize = n / numChunks + 1;
      int start = 0;
      while (start < n) {
        int j = Math.min(start + batchSize, n);
        long curW = windowEnd(ts[j - 1], resolution);
        while (j < n && ts[j] <= curW) {
          j++;
        }
        int m = 0;
        if (bts.length < j - start) {
          bts = new long[j - start];
          bvs = new double[j - start];
        }
        for (int i = start; i < j; i++) {
          if (!Double.isNaN(vs[i])) {
            bts[m] = ts[i];
            bvs[m] = vs[i];
            m++;
          }
        }
        start = j;
        if (m == 0) {
          continue;
        }
        for (XorEncoder e : enc) {
          e.reset();
        }
        chunkMin = Long.MAX_VALUE;
        chunkMax = Long.MIN_VALUE;
        enc[4].append(bts[0], bvs[0]);
        long lastT = batch(bts, bvs, m, -1);
        enc[4].append(lastT, bvs[m - 1]);
        out.add(encode(true));
      }
    }

    /**
     * Aggregates samples per window into the encoders: all five aggregates when {@code only} is
     * -1, else only aggregate {@code only} (0 count, 1 sum, 2 min, 3 max, 4 counter), taking the
     * window value from {@code from}. Returns the timestamp of the last window.
     */
    long batch(long[] t, double[] v, int m, int only) {
      return batch(t, v, m, only, only);
    }

    long batch(long[] t, double[] v, int m, int only, int from) {
      // One window at a time with the sums in locals (registers); the aggregator is filled only
      // when a window is emitted. The counter runs over the whole batch, resets applied.
      long lastT = t[m - 1];
      long res = resolution;
      double counter = 0;
      double last = 0;
      long nextT = -1;
      int i = 0;
      while (i < m) {
        long end = Math.min(windowEnd(t[i], res), lastT);
        double count = 0;
        double sum = 0;
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        if (i == 0) {
          counter = v[0];
          last = v[0];
          sum = v[0];
          count = 1;
          min = v[0] < min ? v[0] : min;
          max = v[0] > max ? v[0] : max;
          i = 1;
        }
        for (; i < m && t[i] <= end; i++) {
          double x = v[i];
          counter += x < last ? x : x - last;
          last = x;
          sum += x;
          count++;
          if (x < min) {
            min = x;
          }
          if (x > max) {
            max = x;
          }
        }
        Aggregator a = aggr;
        a.count = count;
        a.sum = sum;
        a.min = min;
        a.max = max;
        a.counter = counter;
        emit(end, only, from);
        nextT = end;
      }
      return nextT;
    }

    private void emit(long t, int only, int from) {
      chunkMin = Math.min(chunkMin, t);
      chunkMax = Math.max(chunkMax, t);
      if (only < 0) {
        for (int k = 0; k < 5; k++) {
          enc[k].append(t, pick(aggr, k));
        }
      } else {
        enc[only].append(t, pick(aggr, from));
      }
    }

    private BlockWriter.Chunk encode(boolean all) {
      XorChunk[] parts = new XorChunk[5];
      for (int k = 0; k < 5; k++) {
        parts[k] = enc[k].numSamples() == 0 ? null : enc[k].toChunk();
      }
      XorChunk count = parts[0];
      outSamples += count == null ? 0 : count.numSamples();
      byte[] data = AggrChunk.encodeXor(parts[0], parts[1], parts[2], parts[3], parts[4]);
      return new BlockWriter.Chunk(chunkMin, chunkMax, new RawChunk(ENC_AGGR, data));
    }

    /** Downsampled series: re-aggregated along the input chunk boundaries. */
    void aggregated(BlockReader block, SeriesBuilder series, long inRes, List<BlockWriter.Chunk> out)
        throws IOException {
      int c = series.chunkCount();
      if (c == 0) {
        return;
      }
      List<AggrChunk> chunks = new ArrayList<>(c);
      long numSamples = 0;
      for (int i = 0; i < c; i++) {
        RawChunk raw = block.chunk(series.chunkRef(i));
        if (raw.encoding() != ENC_AGGR) {
          throw new UnsupportedOperationException("chunk " + series.chunkRef(i) + " has encoding "
              + (raw.encoding() & 0xFF) + ", expected an aggregate chunk (255) in a downsampled block");
        }
        AggrChunk a = AggrChunk.parse(raw.data());
        XorChunk cnt = a.xor(AggrType.COUNT);
        numSamples += cnt == null ? 0 : cnt.numSamples();
        chunks.add(a);
      }
      int numChunks = targetChunkCount(series.chunkMinTime(0), series.chunkMaxTime(c - 1), inRes, resolution, numSamples);
      int batchSize = Math.max(1, chunks.size() / numChunks);
      for (int s = 0; s < chunks.size(); s += batchSize) {
        out.add(aggregateBatch(chunks.subList(s, Math.min(s + batchSize, chunks.size()))));
      }
    }

    private BlockWriter.Chunk aggregateBatch(List<AggrChunk> part) throws IOException {
      for (XorEncoder e : enc) {
        e.reset();
      }
      chunkMin = Long.MAX_VALUE;
      chunkMax = Long.MIN_VALUE;
      // count: sum of counts; sum: sum of sums; min of mins; max of maxes.
      AggrType[] types = {AggrType.COUNT, AggrType.SUM, AggrType.MIN, AggrType.MAX};
      int[] from = {1, 1, 2, 3};
      for (int k = 0; k < 4; k++) {
        n = 0;
        for (AggrChunk a : part) {
          XorChunk x = a.xor(types[k]);
          if (x != null) {
            xor.reset(x);
            while (xor.next()) {
              if (!Values.isStaleNaN(xor.value())) {
                append(xor.timestamp(), xor.value());
              }
            }
            if (xor.error() != null) {
              throw new IOException("decode " + types[k] + " aggregate: " + xor.error());
            }
          }
        }
        if (n > 0) {
          batch(ts, vs, n, k, from[k]);
        }
      }
      List<XorIterator> counters = new ArrayList<>(part.size());
      for (AggrChunk a : part) {
        XorChunk x = a.xor(AggrType.COUNTER);
        if (x != null) {
          counters.add(x.iterator(null));
        }
      }
      CounterResetsIterator it = new CounterResetsIterator(counters);
      n = 0;
      while (it.next()) {
        append(it.timestamp(), it.value());
      }
      if (it.error() != null) {
        throw new IOException("decode counter aggregate: " + it.error());
      }
      if (n > 0) {
        enc[4].append(ts[0], vs[0]);
        long lastT = batch(ts, vs, n, 4, 4);
        enc[4].append(lastT, it.lastRawValue());
      }
      if (chunkMin == Long.MAX_VALUE) {
        throw new IOException("aggregate chunks " + part.size() + " hold no samples");
      }
      return encode(false);
    }
  }

  @Override
  public String toString() {
    return "Downsampler";
  }
}
