package dev.hypnos.compactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockQuerier;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BlockWriter;
import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.dedup.DedupSeriesSet;
import dev.hypnos.core.dedup.PenaltyDedupIterator;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.storage.Series;
import dev.hypnos.core.storage.SeriesSet;
import dev.hypnos.core.util.IoUtil;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.Promtool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merges blocks that the real promtool made and checks the result with promtool: its dump equals
 * the dump of the sources and {@code tsdb analyze --extended} reads it. Also vertical merges of
 * overlapping blocks, with and without replica deduplication.
 */
class BlockMergerTest {
  @TempDir static Path tmp;
  static Promtool promtool;
  static List<Path> blocks;
  static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-01-02T03:04:05Z"));

  @BeforeAll
  static void makeBlocks() throws IOException {
    promtool = Promtool.require();
    OpenMetricsGenerator.Result gen =
        new OpenMetricsGenerator(OpenMetricsGenerator.Config.defaults().withSeed(11)).write(tmp.resolve("data.om"));
    blocks = promtool.createBlocksFromOpenMetrics(gen.file(), tmp.resolve("db"));
  }

  private static BlockMerger merger(BlockMerger.Options options) {
    return new BlockMerger(CLOCK, new SplittableRandom(1), options);
  }

  @Test
  void mergingConsecutivePromtoolBlocksKeepsEverySample() throws IOException {
    assertThat(blocks).hasSizeGreaterThanOrEqualTo(4);
    List<Path> chosen = blocks.subList(0, 4);
    Path srcDb = Files.createDirectories(tmp.resolve("src4"));
    for (Path p : chosen) {
      Promtool.copyTree(p, srcDb.resolve(p.getFileName().toString()));
    }
    Path out = Files.createDirectories(tmp.resolve("merged4"));
    List<BlockReader> readers = new ArrayList<>();
    BlockMerger.Result result;
    try {
      // Given out of order: the merger sorts by time.
      for (int i = chosen.size() - 1; i >= 0; i--) {
        readers.add(BlockReader.open(chosen.get(i)));
      }
      result = merger(BlockMerger.Options.DEFAULT).merge(readers, out);
    } finally {
      IoUtil.closeAll(readers);
    }
    assertThat(Files.list(out).map(p -> p.getFileName().toString()).toList())
        .containsExactly(result.meta().ulid().toString());
    assertThat(result.meta().ulid().timestamp()).isEqualTo(CLOCK.millis());

    // Meta: level 2, sources and parents in time order, range covering all.
    List<BlockMeta> metas = new ArrayList<>();
    for (Path p : chosen) {
      try (BlockReader b = BlockReader.open(p)) {
        metas.add(b.meta());
      }
    }
    BlockMeta m = result.meta();
    assertThat(m.compaction().level()).isEqualTo(2);
    assertThat(m.compaction().sources()).containsExactlyElementsOf(metas.stream().map(BlockMeta::ulid).sorted().toList());
    assertThat(m.compaction().parents()).containsExactlyElementsOf(
        metas.stream().map(x -> new BlockMeta.BlockDesc(x.ulid(), x.minTime(), x.maxTime())).toList());
    assertThat(m.minTime()).isEqualTo(metas.get(0).minTime());
    assertThat(m.maxTime()).isEqualTo(metas.get(3).maxTime());
    assertThat(m.stats().numSamples()).isEqualTo(metas.stream().mapToLong(x -> x.stats().numSamples()).sum());
    // Consecutive blocks do not overlap: their chunks are copied byte for byte, not re-encoded.
    assertThat(m.stats().numChunks()).isEqualTo(metas.stream().mapToLong(x -> x.stats().numChunks()).sum());
    List<String> sourceChunks = new ArrayList<>();
    for (Path p : chosen) {
      sourceChunks.addAll(chunkBytes(p));
    }
    assertThat(chunkBytes(result.dir())).containsExactlyInAnyOrderElementsOf(sourceChunks);
    // Plain Prometheus sources count as blocks without external labels; the result gets a section.
    assertThat(m.thanos()).isNotNull();
    assertThat(m.thanos().labels()).isEmpty();
    assertThat(m.thanos().source()).isEqualTo(BlockMerger.SOURCE);
    try (BlockReader b = BlockReader.open(result.dir())) {
      assertThat(b.meta()).isEqualTo(m);
    }

    List<String> sourcesDump = promtool.dump(srcDb);
    assertThat(sourcesDump).hasSizeGreaterThan(50_000);
    assertThat(promtool.dump(out)).containsExactlyElementsOf(sourcesDump);
    List<String> report = promtool.analyze(out, m.ulid().toString());
    assertThat(report).contains("Block ID: " + m.ulid(), "Series: " + m.stats().numSeries());
  }

  /** Every chunk of a block as "labels encoding hex-data". */
  static List<String> chunkBytes(Path dir) throws IOException {
    List<String> out = new ArrayList<>();
    try (BlockReader b = BlockReader.open(dir)) {
      b.forEachSeries((ref, s) -> {
        for (int i = 0; i < s.chunkCount(); i++) {
          var c = b.chunk(s.chunkRef(i));
          out.add(s.labels() + " " + c.encoding() + " " + java.util.HexFormat.of().formatHex(c.data()));
        }
        return true;
      });
    }
    return out;
  }

  // ---- vertical merges on our own blocks ----

  /** Samples of one series: timestamps and values. */
  record Samples(long[] t, double[] v) {}

  private static BlockMeta writeBlock(Path dir, long seed, Map<Labels, Samples> series, long minTime, long maxTime,
      Map<String, String> external) throws IOException {
    BlockId id = BlockId.of(CLOCK.millis() - 1000, new SplittableRandom(seed));
    try (BlockWriter w = BlockWriter.create(dir, id, BlockWriter.Options.DEFAULT)) {
      for (var e : series.entrySet()) {
        Samples s = e.getValue();
        w.addSeries(e.getKey(), iter(s.t, s.v));
      }
      return w.commit(minTime, maxTime, new BlockMeta.Compaction(1, List.of(id), false, List.of(), false, List.of()),
          BlockMeta.Thanos.of(external, 0, "sidecar"));
    }
  }

  static ChunkIterator iter(long[] t, double[] v) {
    return new ChunkIterator() {
      int i = -1;

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
    };
  }

  /** Samples every 15 s from {@code start}, {@code n} of them, skipping those in [gapFrom, gapTo). */
  static Samples scrape(long start, int n, long gapFrom, long gapTo, double base) {
    List<Long> ts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long t = start + i * 15_000L;
      if (t < gapFrom || t >= gapTo) {
        ts.add(t);
      }
    }
    long[] t = ts.stream().mapToLong(Long::longValue).toArray();
    double[] v = new double[t.length];
    for (int i = 0; i < t.length; i++) {
      v[i] = base + t[i] / 1000.0;
    }
    return new Samples(t, v);
  }

  static Map<Labels, Samples> readAll(Path dir) throws IOException {
    Map<Labels, Samples> out = new LinkedHashMap<>();
    try (BlockReader b = BlockReader.open(dir);
        SeriesSet set = BlockQuerier.select(b, List.of(), Long.MIN_VALUE, Long.MAX_VALUE)) {
      while (set.next()) {
        Series s = set.at();
        out.put(s.labels(), drain(s.iterator()));
      }
    }
    return out;
  }

  static Samples drain(ChunkIterator it) {
    List<Long> ts = new ArrayList<>();
    List<Double> vs = new ArrayList<>();
    while (it.next()) {
      ts.add(it.timestamp());
      vs.add(it.value());
    }
    return new Samples(ts.stream().mapToLong(Long::longValue).toArray(), vs.stream().mapToDouble(Double::doubleValue).toArray());
  }

  @Test
  void overlappingBlocksAreMergedVerticallyByTimestamp() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("vertical"));
    Labels a = Labels.of("__name__", "up", "job", "a");
    Labels b = Labels.of("__name__", "up", "job", "b");
    Samples full = scrape(0, 400, 0, 0, 0);
    // Even samples in one block, odd ones in the other; series b only in the second.
    int n = full.t.length;
    long[] et = new long[(n + 1) / 2];
    double[] ev = new double[et.length];
    long[] ot = new long[n / 2];
    double[] ov = new double[ot.length];
    for (int i = 0; i < n; i++) {
      if (i % 2 == 0) {
        et[i / 2] = full.t[i];
        ev[i / 2] = full.v[i];
      } else {
        ot[i / 2] = full.t[i];
        ov[i / 2] = full.v[i];
      }
    }
    Map<String, String> ext = Map.of("cluster", "eu");
    Path in = Files.createDirectories(dir.resolve("in"));
    BlockMeta m1 = writeBlock(in, 1, Map.of(a, new Samples(et, ev)), 0, 7_200_000, ext);
    Map<Labels, Samples> second = new LinkedHashMap<>();
    second.put(a, new Samples(ot, ov));
    second.put(b, scrape(1000, 10, 0, 0, 5));
    BlockMeta m2 = writeBlock(in, 2, second, 0, 7_200_000, ext);
    Path out = Files.createDirectories(dir.resolve("out"));
    BlockMerger.Result r;
    try (BlockReader r1 = BlockReader.open(in.resolve(m1.ulid().toString()));
        BlockReader r2 = BlockReader.open(in.resolve(m2.ulid().toString()))) {
      r = merger(BlockMerger.Options.DEFAULT).merge(List.of(r1, r2), out);
    }
    Map<Labels, Samples> got = readAll(r.dir());
    assertThat(got.keySet()).containsExactly(a, b);
    assertThat(got.get(a).t).isEqualTo(full.t);
    assertThat(got.get(a).v).isEqualTo(full.v);
    assertThat(got.get(b).t).isEqualTo(second.get(b).t);
    assertThat(r.meta().thanos().labels()).isEqualTo(ext);
    assertThat(r.meta().thanos().source()).isEqualTo(BlockMerger.SOURCE);
    assertThat(r.meta().compaction().sources()).containsExactlyInAnyOrder(m1.ulid(), m2.ulid());
    // promtool reads the vertically merged block too.
    assertThat(promtool.dump(out)).hasSize(n + 10);
  }

  @Test
  void replicasAreDeduplicatedWithThePenaltyAlgorithm() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("dedup"));
    Path in = Files.createDirectories(dir.resolve("in"));
    Labels s = Labels.of("__name__", "http_requests_total", "job", "api");
    // Replica a misses ten minutes; replica b scrapes 4 s later and is complete.
    Samples ra = scrape(0, 480, 1_800_000, 2_400_000, 0);
    Samples rb = scrape(4_000, 480, 0, 0, 0.5);
    BlockMeta ma = writeBlock(in, 3, Map.of(s, ra), 0, 7_200_000, Map.of("cluster", "eu", "replica", "a"));
    BlockMeta mb = writeBlock(in, 4, Map.of(s, rb), 0, 7_200_000, Map.of("cluster", "eu", "replica", "b"));

    // Without the replica label the external labels differ: refused, naming both blocks.
    try (BlockReader a = BlockReader.open(in.resolve(ma.ulid().toString()));
        BlockReader b = BlockReader.open(in.resolve(mb.ulid().toString()))) {
      Path refused = Files.createDirectories(dir.resolve("refused"));
      assertThatThrownBy(() -> merger(BlockMerger.Options.DEFAULT).merge(List.of(a, b), refused))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("external labels differ").hasMessageContaining(ma.ulid().toString());
      assertThat(Files.list(refused).count()).isZero();

      Path out = Files.createDirectories(dir.resolve("out"));
      BlockMerger.Options opts = new BlockMerger.Options(List.of("replica"), DedupSeriesSet.Algorithm.PENALTY,
          BlockWriter.Options.DEFAULT);
      BlockMerger.Result r = merger(opts).merge(List.of(a, b), out);
      assertThat(r.meta().thanos().labels()).isEqualTo(Map.of("cluster", "eu"));
      Samples got = readAll(r.dir()).get(s);

      // What the penalty algorithm gives on the two replicas, and its expected shape: replica a
      // up to the gap, b across it, never both phases interleaved.
      Samples want = drain(PenaltyDedupIterator.of(List.of(iter(ra.t, ra.v), iter(rb.t, rb.v)), false));
      assertThat(got.t).isEqualTo(want.t);
      assertThat(got.v).isEqualTo(want.v);
      for (int i = 1; i < got.t.length; i++) {
        assertThat(got.t[i] - got.t[i - 1]).isGreaterThanOrEqualTo(11_000);
      }
      assertThat(got.t[0]).isEqualTo(0);
      // From b inside a's gap: a's last sample before it is at 1 785 000, and b is looked at from
      // twice the scrape interval later on.
      assertThat(got.t).contains(1_819_000L, 2_104_000L).doesNotContain(1_804_000L, 1_800_000L);
      assertThat(got.t.length).isBetween(ra.t.length, rb.t.length);

      // Chain keeps every sample of both replicas.
      Path out2 = Files.createDirectories(dir.resolve("out-chain"));
      BlockMerger.Options chain = new BlockMerger.Options(List.of("replica"), DedupSeriesSet.Algorithm.CHAIN,
          BlockWriter.Options.DEFAULT);
      Samples chained = readAll(merger(chain).merge(List.of(a, b), out2).dir()).get(s);
      assertThat(chained.t).hasSize(ra.t.length + rb.t.length);
    }
  }

  @Test
  void tombstonedSamplesAreDroppedAndOtherSeriesCopied() throws IOException {
    Path in = Files.createDirectories(tmp.resolve("tomb-in"));
    Labels a = Labels.of("__name__", "x", "job", "a");
    Labels b = Labels.of("__name__", "x", "job", "b");
    Map<Labels, Samples> series = new LinkedHashMap<>();
    series.put(a, scrape(0, 300, 0, 0, 0));
    series.put(b, scrape(0, 300, 0, 0, 1));
    BlockMeta m = writeBlock(in, 21, series, 0, 7_200_000, Map.of("cluster", "eu"));
    Path blockDir = in.resolve(m.ulid().toString());
    long[] refA = {-1};
    try (BlockReader r = BlockReader.open(blockDir)) {
      r.forEachSeries((ref, s) -> {
        if (s.labels().equals(a)) {
          refA[0] = ref;
        }
        return true;
      });
    }
    // Delete a's samples in [600000, 1200000] (tombstones format: magic, version, entries, CRC32C).
    java.io.ByteArrayOutputStream entries = new java.io.ByteArrayOutputStream();
    putUvarint(entries, refA[0]);
    putUvarint(entries, 600_000L << 1);
    putUvarint(entries, 1_200_000L << 1);
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(entries.toByteArray());
    java.nio.ByteBuffer file = java.nio.ByteBuffer.allocate(5 + entries.size() + 4);
    file.putInt(0x0130BA30).put((byte) 1).put(entries.toByteArray()).putInt((int) crc.getValue());
    Files.write(blockDir.resolve("tombstones"), file.array());

    Path out = Files.createDirectories(tmp.resolve("tomb-out"));
    BlockMerger.Result r;
    try (BlockReader src = BlockReader.open(blockDir)) {
      assertThat(src.tombstones().isDeleted(refA[0], 900_000)).isTrue();
      r = merger(BlockMerger.Options.DEFAULT).merge(List.of(src), out);
    }
    Map<Labels, Samples> got = readAll(r.dir());
    long[] wantA = java.util.Arrays.stream(series.get(a).t).filter(t -> t < 600_000 || t > 1_200_000).toArray();
    assertThat(got.get(a).t).isEqualTo(wantA);
    assertThat(got.get(b).t).isEqualTo(series.get(b).t);
    assertThat(r.meta().compaction().level()).isEqualTo(2);
    assertThat(r.meta().compaction().sources()).containsExactly(m.ulid());
    // b had no tombstone: its chunks are the source's, byte for byte.
    List<String> bChunks = chunkBytes(blockDir).stream().filter(x -> x.startsWith(b.toString())).toList();
    assertThat(chunkBytes(r.dir()).stream().filter(x -> x.startsWith(b.toString())).toList())
        .containsExactlyElementsOf(bChunks);
  }

  private static void putUvarint(java.io.ByteArrayOutputStream o, long v) {
    while ((v & ~0x7FL) != 0) {
      o.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    o.write((int) v);
  }

  @Test
  void downsampledSourcesAreRefused() throws IOException {
    Path in = Files.createDirectories(tmp.resolve("res-in"));
    BlockId id = BlockId.of(CLOCK.millis(), new SplittableRandom(9));
    try (BlockWriter w = BlockWriter.create(in, id, BlockWriter.Options.DEFAULT)) {
      Samples x = scrape(0, 10, 0, 0, 0);
      w.addSeries(Labels.of("a", "b"), iter(x.t, x.v));
      w.commit(0, 7_200_000, new BlockMeta.Compaction(1, List.of(id), false, List.of(), false, List.of()),
          BlockMeta.Thanos.of(Map.of("c", "d"), 300_000, "compactor"));
    }
    try (BlockReader b = BlockReader.open(in.resolve(id.toString()))) {
      Path out = Files.createDirectories(tmp.resolve("res-out"));
      assertThatThrownBy(() -> merger(BlockMerger.Options.DEFAULT).merge(List.of(b), out))
          .hasMessageContaining("resolution 300000");
      assertThat(Files.list(out).count()).isZero();
    }
  }
}
