package dev.hypnos.core.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.chunk.XorChunk;
import dev.hypnos.core.chunk.XorEncoder;
import dev.hypnos.core.chunk.XorIterator;
import dev.hypnos.core.index.IndexReader;
import dev.hypnos.core.index.IndexWriter;
import dev.hypnos.core.index.Postings;
import dev.hypnos.core.index.SeriesBuilder;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.InMemoryBucket;
import dev.hypnos.core.objstore.ObjectAttributes;
import dev.hypnos.core.storage.Series;
import dev.hypnos.core.storage.SeriesSet;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockWriterTest {
  @TempDir Path tmp;

  /** A series in memory: labels and samples. */
  record Data(Labels labels, long[] t, double[] v) {}

  /** Series with shared and unique label values, including non-ASCII ones whose Go order differs from Java's. */
  static List<Data> data(int series, int samples, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    TreeMap<Labels, Data> out = new TreeMap<>();
    String[] odd = {"\uFFFD", "\uD83D\uDE00", "é", "z", "Z", "a b"};
    for (int i = 0; i < series; i++) {
      Labels l = Labels.of("__name__", "metric_" + (i % 7), "instance", "host-" + (i % 13),
          "job", i % 3 == 0 ? "api" : "db", "odd", odd[i % odd.length] + (i / 100), "id", Integer.toString(i));
      int n = 1 + r.nextInt(samples);
      long[] t = new long[n];
      double[] v = new double[n];
      long ts = 1_000_000 + r.nextInt(1000);
      for (int k = 0; k < n; k++) {
        t[k] = ts;
        v[k] = r.nextInt(4) == 0 ? r.nextDouble() : k;
        ts += 15_000 + r.nextInt(-500, 500);
      }
      out.put(l, new Data(l, t, v));
    }
    return List.copyOf(out.values());
  }

  static ChunkIterator iter(Data d) {
    return new ChunkIterator() {
      int i = -1;

      @Override
      public boolean next() {
        return ++i < d.t.length;
      }

      @Override
      public boolean hasCurrent() {
        return i >= 0 && i < d.t.length;
      }

      @Override
      public long timestamp() {
        return d.t[i];
      }

      @Override
      public double value() {
        return d.v[i];
      }
    };
  }

  static BlockMeta.Compaction level1(BlockId id) {
    return new BlockMeta.Compaction(1, List.of(id), false, List.of(), false, List.of());
  }

  private BlockMeta write(List<Data> data, BlockId id, BlockWriter.Options opts) throws IOException {
    try (BlockWriter w = BlockWriter.create(tmp, id, opts)) {
      for (Data d : data) {
        w.addSeries(d.labels, iter(d));
      }
      return w.commit(level1(id), BlockMeta.Thanos.of(Map.of("cluster", "eu"), 0, "test"));
    }
  }

  @Test
  void writtenBlockReadsBackIdenticallyThroughOurReaders() throws IOException {
    List<Data> data = data(600, 400, 1);
    BlockId id = BlockId.of(1_700_000_000_000L, new SplittableRandom(2));
    // Small segments so that several are cut.
    BlockMeta meta = write(data, id, new BlockWriter.Options(64 * 1024, 120));
    Path dir = tmp.resolve(id.toString());
    assertThat(Files.list(tmp).map(p -> p.getFileName().toString()).toList()).containsExactly(id.toString());
    assertThat(Files.list(dir.resolve("chunks")).count()).isGreaterThan(3);
    assertThat(dir.resolve("series.spool")).doesNotExist();

    long samples = data.stream().mapToLong(d -> d.t.length).sum();
    assertThat(meta.stats().numSeries()).isEqualTo(data.size());
    assertThat(meta.stats().numSamples()).isEqualTo(samples);
    assertThat(meta.stats().numFloatSamples()).isEqualTo(samples);
    assertThat(meta.thanos().indexStats().seriesMaxSize()).isPositive();
    assertThat(meta.thanos().indexStats().chunkMaxSize()).isPositive();

    try (BlockReader block = BlockReader.open(dir)) {
      assertThat(block.meta()).isEqualTo(meta);
      IndexReader index = block.index();

      // Symbols: exactly the label strings and "" (as Prometheus), sorted in Go byte order, unique.
      TreeSet<String> want = new TreeSet<>(Labels::compareStrings);
      want.add("");
      for (Data d : data) {
        d.labels.forEach((n, v) -> {
          want.add(n);
          want.add(v);
        });
      }
      List<String> syms = new ArrayList<>();
      for (int i = 0; i < index.symbols().size(); i++) {
        syms.add(index.symbol(i));
      }
      assertThat(syms).containsExactlyElementsOf(want);

      // Label names and values.
      TreeMap<String, TreeMap<String, List<Labels>>> byLabel = new TreeMap<>(Labels::compareStrings);
      for (Data d : data) {
        d.labels.forEach((n, v) -> byLabel.computeIfAbsent(n, k -> new TreeMap<>(Labels::compareStrings))
            .computeIfAbsent(v, k -> new ArrayList<>()).add(d.labels));
      }
      assertThat(index.labelNames()).containsExactlyElementsOf(byLabel.keySet());
      for (var e : byLabel.entrySet()) {
        assertThat(index.labelValues(e.getKey())).containsExactlyElementsOf(e.getValue().keySet());
        for (var v : e.getValue().entrySet()) {
          List<Labels> got = new ArrayList<>();
          Postings p = index.postings(e.getKey(), v.getKey());
          SeriesBuilder sb = new SeriesBuilder();
          long prev = -1;
          while (p.next()) {
            assertThat(p.at()).isGreaterThan(prev);
            prev = p.at();
            index.series(p.at(), sb);
            got.add(sb.labels());
          }
          assertThat(got).as("postings of %s=%s", e.getKey(), v.getKey()).containsExactlyElementsOf(v.getValue());
        }
      }

      // Series in order, chunks of at most 120 samples, samples equal.
      List<Data> read = new ArrayList<>();
      XorIterator it = new XorIterator();
      block.forEachSeries((ref, s) -> {
        List<Long> ts = new ArrayList<>();
        List<Double> vs = new ArrayList<>();
        for (int i = 0; i < s.chunkCount(); i++) {
          RawChunk c = block.chunk(s.chunkRef(i));
          assertThat(c.encoding()).isEqualTo(RawChunk.ENC_XOR);
          assertThat(c.headerSampleCount()).isBetween(1, 120);
          if (i < s.chunkCount() - 1) {
            assertThat(c.headerSampleCount()).isEqualTo(120);
          }
          XorChunk.wrap(c.data()).iterator(it);
          boolean first = true;
          while (it.next()) {
            if (first) {
              assertThat(it.timestamp()).isEqualTo(s.chunkMinTime(i));
              first = false;
            }
            ts.add(it.timestamp());
            vs.add(it.value());
          }
          assertThat(ts.get(ts.size() - 1)).isEqualTo(s.chunkMaxTime(i));
        }
        read.add(new Data(s.labels(), ts.stream().mapToLong(Long::longValue).toArray(),
            vs.stream().mapToDouble(Double::doubleValue).toArray()));
        return true;
      });
      assertThat(read).hasSize(data.size());
      for (int i = 0; i < data.size(); i++) {
        assertThat((Object) read.get(i).labels).isEqualTo(data.get(i).labels);
        assertThat(read.get(i).t).isEqualTo(data.get(i).t);
        assertThat(read.get(i).v).isEqualTo(data.get(i).v);
      }
      assertThat(meta.minTime()).isEqualTo(data.stream().mapToLong(d -> d.t[0]).min().orElseThrow());
      assertThat(meta.maxTime()).isEqualTo(data.stream().mapToLong(d -> d.t[d.t.length - 1]).max().orElseThrow() + 1);
    }
  }

  @Test
  void readyChunksAreWrittenAsGiven() throws IOException {
    BlockId id = BlockId.of(1_700_000_000_000L, new SplittableRandom(3));
    XorEncoder enc = new XorEncoder();
    enc.append(1000, 1);
    enc.append(2000, 2);
    byte[] c1 = enc.bytes();
    enc.reset();
    enc.append(3000, 3);
    byte[] c2 = enc.bytes();
    try (BlockWriter w = BlockWriter.create(tmp, id, BlockWriter.Options.DEFAULT)) {
      w.addSeriesChunks(Labels.of("a", "1"), List.of(new BlockWriter.Chunk(1000, 2000, new RawChunk((byte) 1, c1)),
          new BlockWriter.Chunk(3000, 3000, new RawChunk((byte) 1, c2))));
      assertThatThrownBy(() -> w.addSeriesChunks(Labels.of("a", "0"), List.of()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of order");
      BlockMeta m = w.commit(0, 7_200_000, level1(id), null);
      assertThat(m.stats().numSamples()).isEqualTo(3);
      assertThat(m.stats().numChunks()).isEqualTo(2);
      assertThat(m.thanos()).isNull();
    }
    try (BlockReader b = BlockReader.open(tmp.resolve(id.toString()))) {
      b.forEachSeries((ref, s) -> {
        assertThat(s.chunks()).hasSize(2);
        assertThat(b.chunk(s.chunkRef(0)).data()).isEqualTo(c1);
        assertThat(b.chunk(s.chunkRef(1)).data()).isEqualTo(c2);
        assertThat(s.chunkRef(0)).isEqualTo(8); // right after the segment header
        return true;
      });
    }
  }

  @Test
  void failureInTheMiddleLeavesNoBlockUnderTheFinalName() throws IOException {
    List<Data> data = data(200, 300, 4);
    BlockId id = BlockId.of(1_700_000_000_000L, new SplittableRandom(5));
    Path finalDir = tmp.resolve(id.toString());
    BlockWriter w = BlockWriter.create(tmp, id, new BlockWriter.Options(16 * 1024, 120));
    try {
      for (int i = 0; i < 100; i++) {
        w.addSeries(data.get(i).labels, iter(data.get(i)));
      }
      // Half written: chunks exist in the temporary directory, nothing under the final name.
      assertThat(Files.list(w.tmpDir().resolve("chunks")).count()).isPositive();
      assertThat(finalDir).doesNotExist();
      int bi = 100;
      while (data.get(bi).t.length < 60) {
        bi++;
      }
      Data broken = data.get(bi);
      ChunkIterator failing = new ChunkIterator() {
        final ChunkIterator in = iter(broken);
        int n;

        @Override
        public boolean next() {
          if (++n == 50) {
            throw new IllegalStateException("disk on fire");
          }
          return in.next();
        }

        @Override
        public boolean hasCurrent() {
          return in.hasCurrent();
        }

        @Override
        public long timestamp() {
          return in.timestamp();
        }

        @Override
        public double value() {
          return in.value();
        }
      };
      assertThatThrownBy(() -> w.addSeries(broken.labels, failing)).hasMessageContaining("disk on fire");
      assertThat(finalDir).doesNotExist();
    } finally {
      w.close();
    }
    assertThat(finalDir).doesNotExist();
    assertThat(Files.list(tmp).count()).isZero();

    // A commit that fails (samples outside the block range) leaves nothing either.
    try (BlockWriter w2 = BlockWriter.create(tmp, id, BlockWriter.Options.DEFAULT)) {
      w2.addSeries(data.get(0).labels, iter(data.get(0)));
      assertThatThrownBy(() -> w2.commit(0, data.get(0).t[0], level1(id), null))
          .hasMessageContaining("outside the block range");
    }
    assertThat(Files.list(tmp).count()).isZero();

    // A stale temporary directory from a crashed run is replaced.
    Files.createDirectories(tmp.resolve(id + BlockWriter.TMP_SUFFIX).resolve("chunks"));
    Files.writeString(tmp.resolve(id + BlockWriter.TMP_SUFFIX).resolve("chunks/000009"), "junk");
    write(data.subList(0, 10), id, BlockWriter.Options.DEFAULT);
    assertThat(Files.list(tmp).map(p -> p.getFileName().toString()).toList()).containsExactly(id.toString());
    try (BlockReader b = BlockReader.open(finalDir)) {
      assertThat(b.meta().stats().numSeries()).isEqualTo(10);
    }
  }

  @Test
  void indexWriterRejectsMisuse() throws IOException {
    Path f = tmp.resolve("index");
    try (IndexWriter w = IndexWriter.create(f, List.of("b", "a", "1", "a"))) {
      assertThat(w.symbolCount()).isEqualTo(3);
      w.addSeries(Labels.of("a", "1"), new long[] {0, 10}, new long[] {5, 20}, new long[] {8, 30}, 2);
      assertThatThrownBy(() -> w.addSeries(Labels.of("a", "1"), List.of()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of order");
      assertThatThrownBy(() -> w.addSeries(Labels.of("c", "1"), List.of()))
          .hasMessageContaining("\"c\" is not in the symbol table");
      assertThatThrownBy(() -> w.addSeries(Labels.of("b", "1"), new long[] {0, 5}, new long[] {5, 9}, new long[] {40, 50}, 2))
          .hasMessageContaining("not after the previous chunk's end");
      assertThatThrownBy(() -> w.addSeries(Labels.of("b", "1"), new long[] {0}, new long[] {5}, new long[] {10}, 1))
          .hasMessageContaining("below the previous one");
      w.addSeries(Labels.of("b", "1"), List.of());
      w.finish();
    }
    try (IndexReader r = IndexReader.open(f, "test")) {
      assertThat(r.labelNames()).containsExactly("a", "b");
      Postings p = r.allPostings();
      int n = 0;
      while (p.next()) {
        n++;
      }
      assertThat(n).isEqualTo(2);
      assertThat(r.toc().labelIndices()).isGreaterThan(r.toc().series());
      assertThat(r.toc().labelIndicesTable()).isEqualTo(r.toc().postingsTable());
    }
  }

  /** A bucket that records the order of uploads, over a real in-memory bucket. */
  static final class RecordingBucket implements Bucket {
    final InMemoryBucket in = new InMemoryBucket();
    final List<String> uploads = new ArrayList<>();

    @Override
    public String name() {
      return "recording";
    }

    @Override
    public InputStream get(String key) throws IOException {
      return in.get(key);
    }

    @Override
    public InputStream getRange(String key, long offset, long length) throws IOException {
      return in.getRange(key, offset, length);
    }

    @Override
    public void iter(String dir, Consumer<String> consumer) throws IOException {
      in.iter(dir, consumer);
    }

    @Override
    public void iterRecursive(String dir, Consumer<String> consumer) throws IOException {
      in.iterRecursive(dir, consumer);
    }

    @Override
    public boolean exists(String key) throws IOException {
      return in.exists(key);
    }

    @Override
    public ObjectAttributes attributes(String key) throws IOException {
      return in.attributes(key);
    }

    @Override
    public void upload(String key, InputStream data, long length) throws IOException {
      uploads.add(key);
      in.upload(key, data, length);
    }

    @Override
    public void delete(String key) throws IOException {
      in.delete(key);
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  @Test
  void uploaderSendsChunksThenIndexThenMetaWithFileSizes() throws IOException {
    BlockId id = BlockId.of(1_700_000_000_000L, new SplittableRandom(6));
    write(data(300, 300, 7), id, new BlockWriter.Options(32 * 1024, 120));
    Path dir = tmp.resolve(id.toString());
    try (RecordingBucket bucket = new RecordingBucket()) {
      BlockMeta up = BlockUploader.upload(bucket, dir);
      List<String> segs;
      try (Stream<Path> s = Files.list(dir.resolve("chunks"))) {
        segs = s.map(p -> id + "/chunks/" + p.getFileName()).sorted().toList();
      }
      assertThat(segs).hasSizeGreaterThan(1);
      List<String> expected = new ArrayList<>(segs);
      expected.add(id + "/index");
      expected.add(id + "/meta.json");
      assertThat(bucket.uploads).containsExactlyElementsOf(expected);

      BlockMeta remote;
      try (InputStream is = bucket.get(id + "/meta.json")) {
        remote = BlockMetaJson.parse(is.readAllBytes(), "bucket");
      }
      assertThat(remote).isEqualTo(up);
      Set<String> paths = new HashSet<>();
      for (BlockMeta.File f : remote.thanos().files()) {
        paths.add(f.relPath());
        if (!f.relPath().equals("meta.json")) {
          assertThat(f.sizeBytes()).isEqualTo(Files.size(dir.resolve(f.relPath())));
          assertThat(bucket.attributes(id + "/" + f.relPath()).size()).isEqualTo(f.sizeBytes());
        }
      }
      assertThat(paths).contains("index", "meta.json", "chunks/000001");
      assertThat(remote.thanos().files().stream().map(BlockMeta.File::relPath).toList()).isSorted();
      // The local meta.json is untouched.
      assertThat(BlockMetaJson.read(dir).thanos().files()).isEmpty();
    }
  }

  @Test
  void addAllTakesASeriesSet() throws IOException {
    List<Data> data = data(50, 50, 8);
    BlockId id = BlockId.of(1_700_000_000_000L, new SplittableRandom(9));
    List<Series> series = new ArrayList<>();
    for (Data d : data) {
      series.add(new Series() {
        @Override
        public Labels labels() {
          return d.labels;
        }

        @Override
        public ChunkIterator iterator() {
          return iter(d);
        }
      });
    }
    try (BlockWriter w = BlockWriter.create(tmp, id, BlockWriter.Options.DEFAULT);
        SeriesSet set = new dev.hypnos.core.storage.MemoryStorage.ListSeriesSet(series)) {
      w.addAll(set);
      assertThat(w.numSeries()).isEqualTo(50);
      w.commit(level1(id), null);
    }
    try (BlockReader b = BlockReader.open(tmp.resolve(id.toString()))) {
      assertThat(b.meta().stats().numSeries()).isEqualTo(50);
    }
  }
}
