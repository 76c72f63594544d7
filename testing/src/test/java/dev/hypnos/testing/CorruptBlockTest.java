package dev.hypnos.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.index.CorruptBlockException;
import dev.hypnos.core.index.IndexReader;
import dev.hypnos.core.index.Postings;
import dev.hypnos.core.index.SeriesBuilder;
import dev.hypnos.core.io.FileInput;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damages copies of a promtool-made block one byte or one cut at a time and checks that reading
 * fails with {@link CorruptBlockException} naming the block, the file and the offset.
 */
class CorruptBlockTest {
  @TempDir static Path shared;
  static Path pristine;
  static String id;
  static IndexReader.Toc toc;
  static long firstSeriesRef;
  static long firstChunkRef;
  static long lastChunkRef;

  @TempDir Path work;
  Path block;

  @BeforeAll
  static void makeBlock() throws IOException {
    OpenMetricsGenerator.Config small = new OpenMetricsGenerator.Config(9, 1_700_000_000_000L, 3_600_000L, 15_000, 10, 10, 1);
    OpenMetricsGenerator.Result r = new OpenMetricsGenerator(small).write(shared.resolve("small.om"));
    List<Path> blocks = Promtool.require().createBlocksFromOpenMetrics(r.file(), shared.resolve("db"));
    pristine = blocks.get(0);
    id = pristine.getFileName().toString();
    try (BlockReader b = BlockReader.open(pristine)) {
      toc = b.index().toc();
      Postings all = b.index().allPostings();
      assertThat(all.next()).isTrue();
      firstSeriesRef = all.at();
      SeriesBuilder sb = new SeriesBuilder();
      b.index().series(firstSeriesRef, sb);
      firstChunkRef = sb.chunkRef(0);
      long[] max = {0};
      b.forEachSeries((ref, s) -> {
        max[0] = Math.max(max[0], s.chunkRef(s.chunkCount() - 1));
        return true;
      });
      lastChunkRef = max[0];
    }
  }

  @BeforeEach
  void copyBlock() throws IOException {
    block = work.resolve(id);
    Promtool.copyTree(pristine, block);
  }

  private void flip(String file, long offset) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(block.resolve(file).toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0x5A);
    }
  }

  private void put(String file, long offset, int value) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(block.resolve(file).toFile(), "rw")) {
      f.seek(offset);
      f.write(value);
    }
  }

  private void truncate(String file, long length) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(block.resolve(file).toFile(), "rw")) {
      f.setLength(length);
    }
  }

  private String where(String file, long offset) {
    return "in block " + id + "/" + file + " at offset " + offset;
  }

  @Test
  void flippedByteInSeriesEntry() throws IOException {
    long offset = firstSeriesRef * 16;
    flip("index", offset + 3);
    try (BlockReader b = BlockReader.open(block)) {
      assertThatThrownBy(() -> b.forEachSeries((ref, s) -> true))
          .isInstanceOf(CorruptBlockException.class)
          .hasMessageStartingWith("CRC mismatch " + where("index", offset))
          .hasMessageContaining("series entry " + firstSeriesRef)
          .hasMessageMatching(".*expected crc32c 0x[0-9a-f]{8}, got 0x[0-9a-f]{8}");
    }
  }

  @Test
  void flippedByteInSymbolTable() throws IOException {
    flip("index", toc.symbols() + 10);
    assertThatThrownBy(() -> BlockReader.open(block))
        .isInstanceOf(CorruptBlockException.class)
        .hasMessageStartingWith("CRC mismatch " + where("index", toc.symbols()))
        .hasMessageContaining("symbol table");
  }

  @Test
  void flippedByteInPostingsOffsetTable() throws IOException {
    flip("index", toc.postingsTable() + 12);
    assertThatThrownBy(() -> BlockReader.open(block))
        .isInstanceOf(CorruptBlockException.class)
        .hasMessageStartingWith("CRC mismatch " + where("index", toc.postingsTable()))
        .hasMessageContaining("postings offset table");
  }

  @Test
  void flippedByteInPostingsList() throws IOException {
    // The first postings list is the all-postings list; byte 9 is inside its first reference.
    flip("index", toc.postings() + 9);
    try (BlockReader b = BlockReader.open(block)) {
      assertThatThrownBy(() -> b.index().allPostings())
          .isInstanceOf(CorruptBlockException.class)
          .hasMessageStartingWith("CRC mismatch " + where("index", toc.postings()));
    }
  }

  @Test
  void flippedByteInTableOfContents() throws IOException {
    long tocAt = Files.size(block.resolve("index")) - 52;
    flip("index", tocAt + 5);
    assertThatThrownBy(() -> BlockReader.open(block))
        .isInstanceOf(CorruptBlockException.class)
        .hasMessageStartingWith("CRC mismatch " + where("index", tocAt));
  }

  @Test
  void flippedByteInChunk() throws IOException {
    long offset = firstChunkRef & 0xFFFF_FFFFL;
    assertThat(firstChunkRef >>> 32).isZero();
    flip("chunks/000001", offset + 4);
    try (BlockReader b = BlockReader.open(block)) {
      assertThatThrownBy(() -> b.chunk(firstChunkRef))
          .isInstanceOf(CorruptBlockException.class)
          .hasMessageStartingWith("CRC mismatch " + where("chunks/000001", offset))
          .hasMessageContaining("expected crc32c");
    }
  }

  @Test
  void truncatedIndex() throws IOException {
    long size = Files.size(block.resolve("index"));
    truncate("index", size / 2);
    assertThatThrownBy(() -> BlockReader.open(block))
        .isInstanceOf(CorruptBlockException.class)
        .hasMessageContaining("in block " + id + "/index at offset ");
    truncate("index", 20);
    assertThatThrownBy(() -> BlockReader.open(block))
        .isInstanceOf(CorruptBlockException.class)
        .hasMessageStartingWith("truncated index " + where("index", 0));
  }

  @Test
  void indexCutBeforeItsTocStillReportsTheBlock() throws IOException {
    // Keep the TOC but drop the bytes before it: sections now point beyond the body.
    byte[] all = Files.readAllBytes(block.resolve("index"));
    byte[] cut = new byte[5 + 52];
    System.arraycopy(all, 0, cut, 0, 5);
    System.arraycopy(all, all.length - 52, cut, 5, 52);
    Files.write(block.resolve("index"), cut);
    assertThatThrownBy(() -> IndexReader.open(FileInput.open(block.resolve("index")), id))
        .isInstanceOf(CorruptBlockException.class)
        .hasMessageContaining("in block " + id + "/index at offset ")
        .hasMessageContaining("table of contents");
  }

  @Test
  void truncatedChunkFile() throws IOException {
    long offset = lastChunkRef & 0xFFFF_FFFFL;
    truncate("chunks/000001", offset + 3);
    try (BlockReader b = BlockReader.open(block)) {
      assertThatThrownBy(() -> b.chunk(lastChunkRef))
          .isInstanceOf(CorruptBlockException.class)
          .hasMessageStartingWith("truncated chunk " + lastChunkRef + " " + where("chunks/000001", offset));
      assertThat(b.chunk(firstChunkRef).data()).isNotEmpty();
    }
    truncate("chunks/000001", 5);
    assertThatThrownBy(() -> BlockReader.open(block))
        .isInstanceOf(CorruptBlockException.class)
        .hasMessageStartingWith("truncated chunk segment " + where("chunks/000001", 0));
  }

  @Test
  void unknownIndexVersions() throws IOException {
    put("index", 4, 3);
    assertThatThrownBy(() -> BlockReader.open(block))
        .isInstanceOf(CorruptBlockException.class)
        .hasMessage("unsupported index version " + where("index", 4)
            + ": version byte is 3, only index format version 2 is supported");
    put("index", 4, 1);
    assertThatThrownBy(() -> BlockReader.open(block)).hasMessageContaining("version byte is 1");
  }

  @Test
  void badMagicAndChunkSegmentVersion() throws IOException {
    flip("index", 1);
    assertThatThrownBy(() -> BlockReader.open(block))
        .isInstanceOf(CorruptBlockException.class)
        .hasMessageStartingWith("bad magic " + where("index", 0))
        .hasMessageContaining("expected 0xbaaad700");
    flip("index", 1);
    put("chunks/000001", 4, 2);
    assertThatThrownBy(() -> BlockReader.open(block))
        .isInstanceOf(CorruptBlockException.class)
        .hasMessageStartingWith("unsupported chunk segment version " + where("chunks/000001", 4));
  }

  @Test
  void missingMetaJson() throws IOException {
    Files.delete(block.resolve("meta.json"));
    assertThatThrownBy(() -> BlockReader.open(block))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(block.toString())
        .hasMessageContaining("has no meta.json");
  }

  @Test
  void brokenMetaJsonNamesTheFile() throws IOException {
    Files.writeString(block.resolve("meta.json"), "{\"ulid\": \"" + id + "\", \"version\": 1, ");
    assertThatThrownBy(() -> BlockReader.open(block))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(block.resolve("meta.json").toString());
  }

  @Test
  void missingChunkSegmentIsReported() throws IOException {
    Files.move(block.resolve("chunks/000001"), block.resolve("chunks/000002"));
    assertThatThrownBy(() -> BlockReader.open(block))
        .isInstanceOf(CorruptBlockException.class)
        .hasMessageStartingWith("missing chunk segment in block " + id + "/chunks/000001");
  }

  /**
   * Random single-byte damage and random cuts anywhere in the index and the chunk segment: reading
   * everything either succeeds (the byte was padding or an unused section) or fails with a
   * CorruptBlockException naming the block; never another exception.
   */
  @Test
  void randomDamageIsReportedAsCorruptionOnly() throws IOException {
    byte[] index = Files.readAllBytes(pristine.resolve("index"));
    byte[] chunks = Files.readAllBytes(pristine.resolve("chunks/000001"));
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
    int detected = 0;
    for (int i = 0; i < 400; i++) {
      byte[] ix = index.clone();
      byte[] ch = chunks.clone();
      byte[] target = rnd.nextBoolean() ? ix : ch;
      if (rnd.nextInt(4) == 0) {
        int cut = rnd.nextInt(target.length);
        if (target == ix) {
          ix = java.util.Arrays.copyOf(ix, cut);
        } else {
          ch = java.util.Arrays.copyOf(ch, cut);
        }
      } else {
        target[rnd.nextInt(target.length)] ^= (byte) (1 + rnd.nextInt(255));
      }
      try {
        readEverything(ix, ch);
      } catch (CorruptBlockException e) {
        assertThat(e.getMessage()).contains("in block " + id + "/");
        assertThat(e.block()).isEqualTo(id);
        detected++;
      }
    }
    assertThat(detected).isGreaterThan(200);
  }

  private static void readEverything(byte[] index, byte[] chunks) throws IOException {
    try (IndexReader ir = IndexReader.open(new dev.hypnos.core.io.ByteArrayInput("index", index), id);
        dev.hypnos.core.block.ChunkSegmentReader cr = dev.hypnos.core.block.ChunkSegmentReader.open(
            List.of(new dev.hypnos.core.io.ByteArrayInput("c", chunks)), List.of("chunks/000001"), id)) {
      for (String name : ir.labelNames()) {
        for (String value : ir.labelValues(name)) {
          Postings.count(ir.postings(name, value));
        }
      }
      Postings all = ir.allPostings();
      SeriesBuilder sb = new SeriesBuilder();
      while (all.next()) {
        ir.series(all.at(), sb);
        for (int i = 0; i < sb.chunkCount(); i++) {
          cr.chunk(sb.chunkRef(i));
        }
      }
    }
  }

  @Test
  void pristineCopyReadsCleanly() throws IOException {
    try (BlockReader b = BlockReader.open(block)) {
      long n = b.forEachSeries((ref, s) -> {
        for (int i = 0; i < s.chunkCount(); i++) {
          b.chunk(s.chunkRef(i));
        }
        return true;
      });
      assertThat(n).isEqualTo(b.meta().stats().numSeries());
    }
  }
}
