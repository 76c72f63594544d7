package dev.hypnos.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockQuerier;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BlockWriter;
import dev.hypnos.core.index.IndexReader;
import dev.hypnos.core.index.Postings;
import dev.hypnos.core.index.SeriesBuilder;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.storage.SeriesSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Re-writes every block that the real promtool made with our {@link BlockWriter} and checks that
 * promtool reads ours exactly as it reads its own ({@code tsdb dump}), that {@code tsdb analyze
 * --extended} accepts ours, and that our index reader sees the same labels and postings in both.
 */
class BlockRewriteTest {
  @TempDir static Path tmp;
  static Promtool promtool;
  static List<Path> originals;
  static Path ourDb;
  /** The same blocks written with 16 KiB chunk segments, so that each has several. */
  static Path smallSegmentsDb;

  @BeforeAll
  static void rewrite() throws IOException {
    promtool = Promtool.require();
    OpenMetricsGenerator.Result gen =
        new OpenMetricsGenerator(OpenMetricsGenerator.Config.defaults().withSeed(7)).write(tmp.resolve("data.om"));
    originals = promtool.createBlocksFromOpenMetrics(gen.file(), tmp.resolve("db"));
    ourDb = Files.createDirectories(tmp.resolve("ours"));
    smallSegmentsDb = Files.createDirectories(tmp.resolve("ours-small-segments"));
    for (Path dir : originals) {
      rewrite(dir, ourDb, BlockWriter.Options.DEFAULT);
      rewrite(dir, smallSegmentsDb, new BlockWriter.Options(16 * 1024, 120));
    }
  }

  private static void rewrite(Path dir, Path db, BlockWriter.Options options) throws IOException {
    try (BlockReader src = BlockReader.open(dir)) {
      BlockMeta m = src.meta();
      // Same id in another folder, so both dumps and analyses name the same blocks.
      try (BlockWriter w = BlockWriter.create(db, m.ulid(), options);
          SeriesSet set = BlockQuerier.select(src, List.of(), m.minTime(), m.maxTime() - 1)) {
        w.addAll(set);
        w.commit(m.minTime(), m.maxTime(), m.compaction(), m.thanos());
      }
    }
  }

  @Test
  void promtoolDumpOfOurBlocksEqualsDumpOfItsOwn() throws IOException {
    assertThat(originals).hasSizeGreaterThanOrEqualTo(4);
    List<String> theirs = promtool.dump(tmp.resolve("db"));
    List<String> ours = promtool.dump(ourDb);
    assertThat(theirs).hasSizeGreaterThan(100_000);
    assertThat(ours).containsExactlyElementsOf(theirs);
  }

  @Test
  void promtoolReadsBlocksWithManyChunkSegments() throws IOException {
    for (Path dir : originals) {
      try (var s = Files.list(smallSegmentsDb.resolve(dir.getFileName().toString()).resolve("chunks"))) {
        assertThat(s.count()).isGreaterThan(2);
      }
    }
    assertThat(promtool.dump(smallSegmentsDb)).containsExactlyElementsOf(promtool.dump(tmp.resolve("db")));
  }

  @Test
  void promtoolAnalyzesEveryBlockWeWrote() throws IOException {
    for (Path dir : originals) {
      String id = dir.getFileName().toString();
      List<String> report = promtool.analyze(ourDb, id);
      assertThat(report).as("analyze report of %s", id).contains("Block ID: " + id);
      try (BlockReader b = BlockReader.open(ourDb.resolve(id))) {
        assertThat(report).contains("Series: " + b.meta().stats().numSeries());
      }
    }
  }

  @Test
  void ourIndexReaderSeesTheSameLabelsAndPostingsInBoth() throws IOException {
    for (Path dir : originals) {
      try (BlockReader theirs = BlockReader.open(dir);
          BlockReader ours = BlockReader.open(ourDb.resolve(dir.getFileName().toString()))) {
        IndexReader a = theirs.index();
        IndexReader b = ours.index();
        assertThat(b.labelNames()).containsExactlyElementsOf(a.labelNames());
        for (String name : a.labelNames()) {
          assertThat(b.labelValues(name)).as("values of %s", name).containsExactlyElementsOf(a.labelValues(name));
          for (String value : a.labelValues(name)) {
            assertThat(labelsOf(b, b.postings(name, value))).as("postings of %s=%s", name, value)
                .containsExactlyElementsOf(labelsOf(a, a.postings(name, value)));
          }
        }
        List<Labels> all = labelsOf(a, a.allPostings());
        assertThat(labelsOf(b, b.allPostings())).containsExactlyElementsOf(all);

        // Our symbols are exactly the label strings of the series, sorted and unique; promtool's
        // table (taken from the whole head) holds at least those.
        TreeSet<String> strings = new TreeSet<>(Labels::compareStrings);
        for (Labels l : all) {
          l.forEach((n, v) -> {
            strings.add(n);
            strings.add(v);
          });
        }
        strings.add(""); // as in Prometheus, for the all-postings key
        List<String> ourSymbols = symbols(b);
        assertThat(ourSymbols).containsExactlyElementsOf(strings);
        assertThat(symbols(a)).containsAll(ourSymbols);

        BlockMeta ma = theirs.meta();
        BlockMeta mb = ours.meta();
        assertThat(mb.stats().numSeries()).isEqualTo(ma.stats().numSeries());
        assertThat(mb.stats().numSamples()).isEqualTo(ma.stats().numSamples());
        assertThat(mb.minTime()).isEqualTo(ma.minTime());
        assertThat(mb.maxTime()).isEqualTo(ma.maxTime());
        assertThat(mb.compaction()).isEqualTo(ma.compaction());
      }
    }
  }

  /**
   * With promtool's own chunks copied in the same order, and the same symbols, our index and chunk
   * segment are byte for byte those of Prometheus 2.42.
   */
  @Test
  void copyingPromtoolsChunksGivesByteIdenticalFiles() throws IOException {
    Path db = Files.createDirectories(tmp.resolve("copied"));
    int identical = 0;
    for (Path dir : originals) {
      List<String> theirSymbols;
      List<String> ourSymbols;
      try (BlockReader src = BlockReader.open(dir)) {
        BlockMeta m = src.meta();
        theirSymbols = symbols(src.index());
        try (BlockWriter w = BlockWriter.create(db, m.ulid(), BlockWriter.Options.DEFAULT)) {
          src.forEachSeries((ref, s) -> {
            List<BlockWriter.Chunk> chunks = new ArrayList<>();
            for (int i = 0; i < s.chunkCount(); i++) {
              chunks.add(new BlockWriter.Chunk(s.chunkMinTime(i), s.chunkMaxTime(i), src.chunk(s.chunkRef(i))));
            }
            w.addSeriesChunks(s.labels(), chunks);
            return true;
          });
          w.commit(m.minTime(), m.maxTime(), m.compaction(), m.thanos());
        }
      }
      Path ours = db.resolve(dir.getFileName().toString());
      try (BlockReader b = BlockReader.open(ours)) {
        ourSymbols = symbols(b.index());
      }
      assertThat(Files.readAllBytes(ours.resolve("chunks/000001")))
          .as("chunk segment of %s", dir).isEqualTo(Files.readAllBytes(dir.resolve("chunks/000001")));
      if (ourSymbols.equals(theirSymbols)) {
        // Prometheus 2.42 still writes the deprecated label indices after the series; everything
        // before them (header, symbols, series) and the postings lists must be the same bytes.
        byte[] theirIndex = Files.readAllBytes(dir.resolve("index"));
        byte[] ourIndex = Files.readAllBytes(ours.resolve("index"));
        IndexReader.Toc t;
        IndexReader.Toc o;
        try (IndexReader a = IndexReader.open(dir.resolve("index"), "theirs");
            IndexReader b = IndexReader.open(ours.resolve("index"), "ours")) {
          t = a.toc();
          o = b.toc();
        }
        assertThat(o.labelIndices()).isEqualTo(t.labelIndices());
        assertThat(java.util.Arrays.copyOf(ourIndex, (int) o.labelIndices()))
            .as("header, symbols and series of %s", dir)
            .isEqualTo(java.util.Arrays.copyOf(theirIndex, (int) t.labelIndices()));
        int ourPostingsLen = (int) (o.postingsTable() - o.postings());
        assertThat(java.util.Arrays.copyOfRange(ourIndex, (int) o.postings(), (int) o.postingsTable()))
            .as("postings lists of %s", dir)
            .isEqualTo(java.util.Arrays.copyOfRange(theirIndex, (int) t.postings(), (int) t.postings() + ourPostingsLen));
        identical++;
      }
    }
    assertThat(identical).as("blocks whose symbol tables match promtool's").isEqualTo(originals.size());
  }

  private static List<String> symbols(IndexReader r) throws IOException {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < r.symbols().size(); i++) {
      out.add(r.symbol(i));
    }
    return out;
  }

  private static List<Labels> labelsOf(IndexReader r, Postings p) throws IOException {
    List<Labels> out = new ArrayList<>();
    SeriesBuilder sb = new SeriesBuilder();
    while (p.next()) {
      r.series(p.at(), sb);
      out.add(sb.labels());
    }
    return out;
  }
}
