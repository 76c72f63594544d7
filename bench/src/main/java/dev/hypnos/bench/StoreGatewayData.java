package dev.hypnos.bench;

import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.storeapi.ChunkData;
import dev.hypnos.storeapi.SeriesResponse;
import dev.hypnos.storeapi.SeriesSink;
import dev.hypnos.storeapi.StoreChunk;
import dev.hypnos.storeapi.StoreSeries;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.Promtool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Blocks for the store gateway benchmarks, made by the real promtool from {@link
 * OpenMetricsGenerator} data and laid out as a Thanos bucket. Made once and kept in
 * {@code $TMPDIR/hypnos-bench-blocks-<config>} (delete it to rebuild), so that forks and reruns
 * reuse them.
 */
final class StoreGatewayData {
  /** 500 counters + 500 gauges + 10 histograms (90 series) over 4 h at 15 s: 3 two-hour blocks. */
  static final OpenMetricsGenerator.Config CONFIG =
      new OpenMetricsGenerator.Config(7, 1_700_000_123_000L, 4 * 3_600_000L, 15_000, 500, 500, 10);

  final Path bucketDir;
  final List<BlockMeta> metas;
  final long minTime;
  final long maxTime;

  private StoreGatewayData(Path bucketDir, List<BlockMeta> metas) {
    this.bucketDir = bucketDir;
    this.metas = List.copyOf(metas);
    long lo = Long.MAX_VALUE;
    long hi = Long.MIN_VALUE;
    for (BlockMeta m : metas) {
      lo = Math.min(lo, m.minTime());
      hi = Math.max(hi, m.maxTime());
    }
    minTime = lo;
    maxTime = hi;
  }

  static StoreGatewayData get() throws IOException {
    return load("hypnos-bench-blocks-" + Integer.toHexString(CONFIG.hashCode()),
        file -> new OpenMetricsGenerator(CONFIG).write(file));
  }

  /** Series of {@link #manySeries}: Thanos's {@code BenchmarkSeries/NSeriesWith1Samples} shape, scaled down. */
  static final int MANY_SERIES = 200_000;
  /** Samples of {@link #manySamples}: Thanos's {@code 1SeriesWith10000000Samples} shape, scaled down. */
  static final int MANY_SAMPLES = 1_000_000;
  /** Start of both Thanos-shaped data sets, on a 2 h block boundary, so each fits in one block. */
  static final long SHAPE_START = 1_700_006_400_000L;

  /**
   * {@value #MANY_SERIES} gauges {@code hypnos_many{instance="host-NNNNNN",job="bench"}} with one
   * sample each, all at {@link #SHAPE_START}: one block, one one-sample chunk per series. For the
   * per-series cost of Series().
   */
  static StoreGatewayData manySeries() throws IOException {
    return load("hypnos-bench-blocks-manyseries-" + MANY_SERIES, file -> {
      try (var w = Files.newBufferedWriter(file)) {
        w.write("# TYPE hypnos_many gauge\n");
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
        String t = " " + OpenMetricsGenerator.formatTimestamp(SHAPE_START) + "\n";
        for (int i = 0; i < MANY_SERIES; i++) {
          w.write("hypnos_many{instance=\"host-" + String.format("%06d", i) + "\",job=\"bench\"} "
              + OpenMetricsGenerator.formatValue(rnd.nextInt(100_000) / 100.0) + t);
        }
        w.write("# EOF\n");
      }
    });
  }

  /**
   * One counter {@code hypnos_long_total{job="bench"}} with {@value #MANY_SAMPLES} samples 1 ms
   * apart (as Thanos's benchmark series) from {@link #SHAPE_START}, rising by 0-99 a sample: 1000 s,
   * so one block; promtool cuts it into chunks of 120 samples. For the per-sample cost of Series().
   */
  static StoreGatewayData manySamples() throws IOException {
    return load("hypnos-bench-blocks-manysamples-" + MANY_SAMPLES, file -> {
      try (var w = Files.newBufferedWriter(file)) {
        w.write("# TYPE hypnos_long counter\n");
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(13);
        long v = 0;
        for (int i = 0; i < MANY_SAMPLES; i++) {
          v += rnd.nextInt(100);
          w.write("hypnos_long_total{job=\"bench\"} " + v + " "
              + OpenMetricsGenerator.formatTimestamp(SHAPE_START + i) + "\n");
        }
        w.write("# EOF\n");
      }
    });
  }

  @FunctionalInterface
  private interface Generator {
    void write(Path file) throws IOException;
  }

  /**
   * The blocks in {@code $TMPDIR/<name>/bucket}, made first (OpenMetrics text by {@code gen}, blocks
   * by promtool, a Thanos section added to each meta.json) when {@code <name>/done} is missing.
   */
  private static synchronized StoreGatewayData load(String name, Generator gen) throws IOException {
    Path root = Path.of(System.getProperty("java.io.tmpdir"), name);
    Path bucket = root.resolve("bucket");
    Path done = root.resolve("done");
    if (!Files.exists(done)) {
      if (Files.exists(root)) {
        Promtool.deleteTree(root);
      }
      Files.createDirectories(bucket);
      Path om = root.resolve("data.om");
      gen.write(om);
      List<Path> made = Promtool.require().createBlocksFromOpenMetrics(om, root.resolve("db"));
      for (Path b : made) {
        Path target = bucket.resolve(b.getFileName().toString());
        Promtool.copyTree(b, target);
        Files.deleteIfExists(target.resolve("tombstones"));
        BlockMeta m = BlockMetaJson.read(target);
        BlockMetaJson.write(target, m.withThanos(BlockMeta.Thanos.of(Map.of("cluster", "bench"), 0, "bench")));
      }
      Files.delete(om);
      Promtool.deleteTree(root.resolve("db"));
      Files.createFile(done);
    }
    List<BlockMeta> metas = new ArrayList<>();
    try (Stream<Path> s = Files.list(bucket)) {
      for (Path p : s.sorted().toList()) {
        metas.add(BlockMetaJson.read(p));
      }
    }
    return new StoreGatewayData(bucket, metas);
  }

  /**
   * Counts series, chunks, samples (from each XOR chunk's header) and chunk bytes it is sent, and
   * label bytes when {@link #countLabelBytes} is set ({@code main} only: measuring each label's
   * UTF-8 length costs as much as a tenth of a one-sample series' time, which is the sink's cost,
   * not Series()').
   */
  static final class CountingSink implements SeriesSink {
    boolean countLabelBytes;
    long series;
    long chunks;
    long samples;
    long chunkBytes;
    long labelBytes;

    void reset() {
      series = 0;
      chunks = 0;
      samples = 0;
      chunkBytes = 0;
      labelBytes = 0;
    }

    @Override
    public void send(SeriesResponse response) {
      if (response instanceof SeriesResponse.SeriesItem item) {
        StoreSeries s = item.series();
        series++;
        if (countLabelBytes) {
          labelBytes += s.labels().utf8Size();
        }
        List<StoreChunk> cs = s.chunks();
        for (int i = 0, n = cs.size(); i < n; i++) {
          ChunkData raw = cs.get(i).raw();
          if (raw != null) {
            chunks++;
            chunkBytes += raw.length();
            byte[] a = raw.array();
            samples += ((a[raw.offset()] & 0xff) << 8) | (a[raw.offset() + 1] & 0xff);
          }
        }
      }
    }
  }
}
