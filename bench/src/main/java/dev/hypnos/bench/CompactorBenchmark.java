package dev.hypnos.bench;

import dev.hypnos.compactor.BlockMerger;
import dev.hypnos.compactor.Downsampler;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BlockWriter;
import dev.hypnos.core.util.IoUtil;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.Promtool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The compactor's two heavy steps on one thread, over promtool-made blocks: {@code merge}
 * compacts twelve 2h blocks into one 24h block ({@link BlockMerger}, chunks copied as Prometheus
 * does), {@code downsample} turns that raw 24h block into a 5m block ({@link Downsampler}, every
 * sample decoded and aggregated). One operation is the whole step, local disk to local disk; divide
 * {@link #SAMPLES} by the time for input samples per second.
 *
 * <p>Data: 200 counters (with resets) + 200 gauges + 10 classic histograms (90 series) at a 15 s
 * step with jitter, 24 h: 490 series, 120-sample chunks. Made once and kept in {@code
 * $TMPDIR/hypnos-bench-compactor-<config>} (delete it to rebuild).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CompactorBenchmark {
  static final OpenMetricsGenerator.Config CONFIG =
      new OpenMetricsGenerator.Config(11, 1_700_006_400_000L + 5_000, 24 * 3_600_000L - 60_000, 15_000, 200, 200, 10);
  /** Samples in the data (set at setup; printed once). */
  static long SAMPLES;

  List<BlockReader> sources;
  BlockReader merged;
  Path out;
  BlockMerger merger;
  Downsampler downsampler;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    Path root = Path.of(System.getProperty("java.io.tmpdir"), "hypnos-bench-compactor-" + Integer.toHexString(CONFIG.hashCode()));
    Path done = root.resolve("done");
    InstantSource clock = InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z"));
    if (!Files.exists(done)) {
      if (Files.exists(root)) {
        Promtool.deleteTree(root);
      }
      Files.createDirectories(root);
      OpenMetricsGenerator.Result gen = new OpenMetricsGenerator(CONFIG).write(root.resolve("data.om"));
      Promtool.require().createBlocksFromOpenMetrics(gen.file(), root.resolve("db"));
      Files.delete(gen.file());
      List<BlockReader> rs = open(root.resolve("db"));
      try {
        new BlockMerger(clock, new SplittableRandom(1), BlockMerger.Options.DEFAULT)
            .merge(rs, Files.createDirectories(root.resolve("merged")));
      } finally {
        IoUtil.closeAll(rs);
      }
      Files.createFile(done);
    }
    sources = open(root.resolve("db"));
    List<BlockReader> m = open(root.resolve("merged"));
    merged = m.get(0);
    SAMPLES = merged.meta().stats().numSamples();
    System.out.println("compactor benchmark data: " + sources.size() + " source blocks, " + merged.meta().stats().numSeries()
        + " series, " + SAMPLES + " samples, " + merged.meta().stats().numChunks() + " chunks");
    out = Files.createTempDirectory("hypnos-bench-compactor-out");
    merger = new BlockMerger(clock, new SplittableRandom(2), BlockMerger.Options.DEFAULT);
    downsampler = new Downsampler(clock, new SplittableRandom(3), BlockWriter.Options.DEFAULT);
  }

  private static List<BlockReader> open(Path db) throws IOException {
    List<BlockReader> rs = new ArrayList<>();
    try (Stream<Path> s = Files.list(db)) {
      for (Path p : s.filter(p -> Files.exists(p.resolve("meta.json"))).sorted().toList()) {
        rs.add(BlockReader.open(p));
      }
    }
    return rs;
  }

  @TearDown(Level.Invocation)
  public void clean() throws IOException {
    IoUtil.deleteTree(out);
    Files.createDirectories(out);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    IoUtil.closeAll(sources);
    merged.close();
    IoUtil.deleteTree(out);
  }

  @Benchmark
  public BlockMeta merge() throws IOException {
    return merger.merge(sources, out).meta();
  }

  @Benchmark
  public BlockMeta downsample() throws IOException {
    return downsampler.downsample(merged, Downsampler.RES_5M, out).meta();
  }

}
