package dev.hypnos.storegateway.indexheader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.index.CorruptBlockException;
import dev.hypnos.core.index.IndexReader;
import dev.hypnos.core.index.Postings;
import dev.hypnos.core.objstore.FilesystemBucket;
import dev.hypnos.core.objstore.InMemoryBucket;
import dev.hypnos.storegateway.block.BucketBlock;
import dev.hypnos.storegateway.block.IndexCache;
import dev.hypnos.storegateway.block.Partitioner;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.Promtool;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index-header of promtool-made blocks: its bytes follow Thanos's BinaryFormatV1 layout, and
 * every lookup agrees with {@link IndexReader} on the full index.
 */
class IndexHeaderTest {
  @TempDir static Path tmp;
  static FilesystemBucket bucket;
  static List<BlockId> blocks = new ArrayList<>();

  @BeforeAll
  static void makeBlocks() throws IOException {
    Promtool promtool = Promtool.require();
    OpenMetricsGenerator.Result gen = new OpenMetricsGenerator(
        OpenMetricsGenerator.Config.defaults().withSeed(7)).write(tmp.resolve("data.om"));
    Path bucketDir = tmp.resolve("bucket");
    for (Path b : promtool.createBlocksFromOpenMetrics(gen.file(), bucketDir)) {
      blocks.add(BlockId.parse(b.getFileName().toString()));
    }
    bucket = new FilesystemBucket(bucketDir);
  }

  @Test
  void bytesFollowThanosLayout() throws IOException {
    for (BlockId id : blocks) {
      Path out = tmp.resolve("h").resolve(id.toString()).resolve("index-header");
      IndexHeaderWriter.write(bucket, id, out);
      byte[] index = Files.readAllBytes(bucket.root().resolve(id + "/index"));
      byte[] header = Files.readAllBytes(out);
      ByteBuffer ib = ByteBuffer.wrap(index);
      long tocAt = index.length - 52;
      long symbols = ib.getLong((int) tocAt);
      long series = ib.getLong((int) tocAt + 8);
      long table = ib.getLong((int) tocAt + 40);
      ByteBuffer hb = ByteBuffer.wrap(header);
      assertThat(hb.getInt(0)).isEqualTo(0xBAAAD792);
      assertThat(header[4]).isEqualTo((byte) 1);
      assertThat(header[5]).isEqualTo((byte) 2);
      assertThat(hb.getLong(6)).isEqualTo(table);
      int symLen = (int) (series - symbols);
      int tableLen = (int) (index.length - table);
      assertThat(header).hasSize(14 + symLen + tableLen + 20);
      assertThat(Arrays.copyOfRange(header, 14, 14 + symLen))
          .isEqualTo(Arrays.copyOfRange(index, (int) symbols, (int) series));
      assertThat(Arrays.copyOfRange(header, 14 + symLen, 14 + symLen + tableLen))
          .isEqualTo(Arrays.copyOfRange(index, (int) table, index.length));
      int t = header.length - 20;
      assertThat(hb.getLong(t)).isEqualTo(14);
      assertThat(hb.getLong(t + 8)).isEqualTo(14 + symLen);
      CRC32C crc = new CRC32C();
      crc.update(header, t, 16);
      assertThat(hb.getInt(t + 16)).isEqualTo((int) crc.getValue());
    }
  }

  @Test
  void lookupsEqualTheFullIndexReader() throws IOException {
    for (BlockId id : blocks) {
      Path out = tmp.resolve("l").resolve(id.toString()).resolve("index-header");
      IndexHeaderWriter.write(bucket, id, out);
      try (IndexHeaderReader h = IndexHeaderReader.open(out, id.toString());
          IndexReader full = IndexReader.open(bucket.root().resolve(id + "/index"), id.toString());
          BucketBlock block = new BucketBlock(bucket, dev.hypnos.core.block.BucketBlocks.readMeta(bucket, id), h,
              IndexCache.disabled(), new Partitioner(0))) {
        assertThat(h.symbolCount()).isEqualTo(full.symbols().size());
        for (int i = 0; i < h.symbolCount(); i++) {
          assertThat(h.symbol(i)).isEqualTo(full.symbol(i));
        }
        assertThat(h.labelNames()).isEqualTo(full.labelNames()).isNotEmpty();
        List<PostingsRange> ranges = new ArrayList<>();
        ranges.add(h.allPostingsRange());
        for (String name : h.labelNames()) {
          assertThat(h.labelValues(name)).as("values of %s", name).isEqualTo(full.labelValues(name));
          List<PostingsRange> each = new ArrayList<>();
          List<PostingsRange> odd = new ArrayList<>();
          for (String v : h.labelValues(name)) {
            PostingsRange r = h.postingsRange(name, v);
            assertThat(r).as("%s=%s", name, v).isNotNull();
            ranges.add(r);
            each.add(r);
            if (v.length() % 2 == 1) {
              odd.add(r);
            }
          }
          // One pass over the name's entries gives the same ranges as a lookup per value.
          assertThat(h.postingsRanges(name, v -> true)).as("ranges of %s", name).isEqualTo(each);
          assertThat(h.postingsRanges(name, v -> v.length() % 2 == 1)).isEqualTo(odd);
          assertThat(h.postingsRange(name, "\uffff-absent")).isNull();
          assertThat(h.postingsRange(name, "")).isNull();
        }
        assertThat(h.postingsRange("no_such_label", "x")).isNull();
        assertThat(h.labelValues("no_such_label")).isEmpty();
        // Each list ends where the next begins; the last one at the postings offset table.
        List<PostingsRange> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(PostingsRange::start));
        for (int i = 1; i < sorted.size(); i++) {
          assertThat(sorted.get(i - 1).end()).isEqualTo(sorted.get(i).start());
        }
        assertThat(sorted.get(sorted.size() - 1).end()).isEqualTo(full.toc().postingsTable());
        // The lists read through those ranges equal the full reader's.
        Postings[] lists = block.postings(ranges);
        for (int i = 0; i < ranges.size(); i++) {
          PostingsRange r = ranges.get(i);
          assertThat(Postings.toArray(lists[i])).as("postings of %s=%s", r.name(), r.value())
              .isEqualTo(Postings.toArray(full.postings(r.name(), r.value())));
        }
      }
    }
  }

  @Test
  void corruptHeaderIsRejectedAndRebuilt() throws IOException {
    BlockId id = blocks.get(0);
    Path out = tmp.resolve("c").resolve(id.toString()).resolve("index-header");
    IndexHeaderWriter.write(bucket, id, out);
    byte[] good = Files.readAllBytes(out);
    byte[] bad = good.clone();
    bad[20] ^= 0x40; // inside the symbol table
    Files.write(out, bad);
    assertThatThrownBy(() -> IndexHeaderReader.open(out, id.toString()))
        .isInstanceOf(CorruptBlockException.class)
        .hasMessageContaining("CRC mismatch in block " + id + "/index-header")
        .hasMessageContaining("symbol table");
    try (IndexHeaderReader r = LazyIndexHeader.openOrBuild(bucket, id, out)) {
      assertThat(r.labelNames()).isNotEmpty();
    }
    assertThat(Files.readAllBytes(out)).isEqualTo(good);
  }

  @Test
  void badIndexIsReportedWhileBuilding() throws IOException {
    InMemoryBucket mem = new InMemoryBucket();
    BlockId id = blocks.get(0);
    byte[] index = Files.readAllBytes(bucket.root().resolve(id + "/index"));
    byte[] bad = index.clone();
    bad[bad.length - 10] ^= 1; // in the TOC
    mem.upload(id + "/index", new java.io.ByteArrayInputStream(bad), bad.length);
    Path out = tmp.resolve("b").resolve("index-header");
    assertThatThrownBy(() -> IndexHeaderWriter.write(mem, id, out))
        .isInstanceOf(CorruptBlockException.class)
        .hasMessageContaining("CRC mismatch in block " + id + "/index")
        .hasMessageContaining("table of contents");
    byte[] truncated = Arrays.copyOf(index, 30);
    mem.upload(id + "/index", new java.io.ByteArrayInputStream(truncated), truncated.length);
    assertThatThrownBy(() -> IndexHeaderWriter.write(mem, id, out)).isInstanceOf(CorruptBlockException.class);
    assertThat(out).doesNotExist();
    assertThat(out.resolveSibling("index-header.tmp")).doesNotExist();
    // Index format v1 is not read: the error names the block and the format.
    byte[] v1 = index.clone();
    v1[4] = 1;
    mem.upload(id + "/index", new java.io.ByteArrayInputStream(v1), v1.length);
    assertThatThrownBy(() -> IndexHeaderWriter.write(mem, id, out))
        .isInstanceOf(CorruptBlockException.class)
        .hasMessageContaining(id.toString())
        .hasMessageContaining("index format v1");
    assertThat(out).doesNotExist();
  }

  /** A clock the test moves. */
  static final class ManualClock implements InstantSource {
    long millis;

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }

    @Override
    public long millis() {
      return millis;
    }
  }

  @Test
  void lazyHeaderLoadsOnUseAndUnloadsWhenIdle() throws IOException {
    ManualClock clock = new ManualClock();
    BlockId id = blocks.get(0);
    try (LazyIndexHeader lazy = LazyIndexHeader.forBlock(bucket, id, tmp.resolve("lazy"), clock,
        Duration.ofMinutes(5))) {
      assertThat(lazy.isLoaded()).isFalse();
      assertThat(tmp.resolve("lazy").resolve(id.toString())).doesNotExist();
      List<String> names = lazy.labelNames();
      assertThat(names).isNotEmpty();
      assertThat(lazy.isLoaded()).isTrue();
      clock.millis += Duration.ofMinutes(4).toMillis();
      assertThat(lazy.unloadIfIdle()).isFalse();
      lazy.labelValues(names.get(0));
      clock.millis += Duration.ofMinutes(4).toMillis();
      assertThat(lazy.unloadIfIdle()).as("used 4 minutes ago").isFalse();
      clock.millis += Duration.ofMinutes(1).toMillis();
      assertThat(lazy.unloadIfIdle()).isTrue();
      assertThat(lazy.isLoaded()).isFalse();
      assertThat(lazy.labelNames()).isEqualTo(names);
      assertThat(lazy.loadCount()).isEqualTo(2);
    }
  }
}
