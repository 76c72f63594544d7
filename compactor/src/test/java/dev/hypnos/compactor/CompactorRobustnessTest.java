package dev.hypnos.compactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BlockUploader;
import dev.hypnos.core.block.BlockWriter;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.index.Postings;
import dev.hypnos.core.index.SeriesBuilder;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.FilesystemBucket;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.Promtool;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the compactor does with bad or unusual input: blocks with out-of-order chunks or corrupt
 * indexes, plain Prometheus blocks without a Thanos section, recently marked blocks, and a group
 * that fails while others are fine. Real promtool blocks (nine 2h blocks, 16h of data) in a
 * filesystem bucket.
 */
class CompactorRobustnessTest {
  static final long H = 3_600_000L;
  @TempDir static Path tmp;
  static List<Path> blocks;
  static long dataStart;
  static final AtomicInteger SEQ = new AtomicInteger(100);

  /** Log lines of the compactor, captured through java.util.logging. */
  final List<String> logs = new CopyOnWriteArrayList<>();
  final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord r) {
      logs.add(r.getLevel() + " " + r.getMessage());
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };

  @BeforeAll
  static void makeBlocks() throws IOException {
    OpenMetricsGenerator.Config cfg = new OpenMetricsGenerator.Config(5, 1_700_000_123_000L, 16 * H, 15_000, 4, 3, 1);
    OpenMetricsGenerator.Result gen = new OpenMetricsGenerator(cfg).write(tmp.resolve("data.om"));
    dataStart = gen.minTime();
    blocks = new ArrayList<>(Promtool.require().createBlocksFromOpenMetrics(gen.file(), tmp.resolve("db")));
    blocks.sort((a, b) -> Long.compare(minTime(a), minTime(b)));
    assertThat(blocks).hasSize(9);
  }

  @BeforeEach
  void captureLogs() {
    Logger.getLogger(Compactor.class.getName()).addHandler(handler);
  }

  @AfterEach
  void releaseLogs() {
    Logger.getLogger(Compactor.class.getName()).removeHandler(handler);
  }

  static long minTime(Path block) {
    try {
      return BlockMetaJson.read(block).minTime();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A copy of a block under a new ULID, ready to change before upload. */
  static Path copyWithNewId(Path block) throws IOException {
    BlockMeta m = BlockMetaJson.read(block);
    BlockId id = BlockId.of(m.ulid().timestamp(), new SplittableRandom(SEQ.incrementAndGet()));
    Path copy = tmp.resolve("staging-" + SEQ.incrementAndGet()).resolve(id.toString());
    Promtool.copyTree(block, copy);
    BlockMetaJson.write(copy, new BlockMeta(id, m.minTime(), m.maxTime(), m.stats(),
        new BlockMeta.Compaction(1, List.of(id), false, List.of(), false, List.of()), 1, null));
    return copy;
  }

  /** Uploads a local block with a Thanos section of the given labels. */
  static BlockMeta upload(Bucket bucket, Path dir, Map<String, String> labels) throws IOException {
    BlockMeta m = BlockMetaJson.read(dir);
    BlockMetaJson.write(dir, m.withThanos(BlockMeta.Thanos.of(labels, 0, "sidecar")));
    return BlockUploader.upload(bucket, dir);
  }

  static List<BlockMeta> uploadAll(Bucket bucket, Map<String, String> labels) throws IOException {
    List<BlockMeta> out = new ArrayList<>();
    for (Path b : blocks) {
      out.add(upload(bucket, copyWithNewId(b), labels));
    }
    return out;
  }

  static Compactor compactor(Bucket bucket, InstantSource clock, String work, Duration deleteDelay) {
    Compactor.Options d = Compactor.Options.defaults(tmp.resolve(work));
    return new Compactor(bucket, clock, new SplittableRandom(SEQ.incrementAndGet()),
        new Compactor.Options(d.workDir(), d.ranges(), List.of(), d.dedup(), Duration.ZERO, Retention.FOREVER,
            new Cleaner(deleteDelay, Cleaner.PARTIAL_UPLOAD_AGE), false),
        new CompactorMetrics());
  }

  /**
   * Rewrites a block so that one series has two chunks whose times overlap (the second starts at
   * the first one's end), as Thanos's "out-of-order chunks". Our writers refuse such metas, so the
   * series entry's chunk-time delta is patched in the index afterwards and its CRC recomputed.
   */
  static Path withOutOfOrderChunks(Path block) throws IOException {
    Path src = copyWithNewId(block);
    BlockMeta m = BlockMetaJson.read(src);
    Path outParent = Files.createDirectories(tmp.resolve("ooo-" + SEQ.incrementAndGet()));
    Labels[] target = {null};
    Path dir;
    try (BlockReader r = BlockReader.open(src); BlockWriter w = BlockWriter.create(outParent, m.ulid(), BlockWriter.Options.DEFAULT)) {
      r.forEachSeries((ref, s) -> {
        List<BlockWriter.Chunk> chunks = new ArrayList<>();
        for (int i = 0; i < s.chunkCount(); i++) {
          long min = s.chunkMinTime(i);
          if (i == 1 && target[0] == null) {
            min = s.chunkMaxTime(0) + 1; // delta 1: one byte in the index, patched to 0 below
            target[0] = s.labels();
          }
          chunks.add(new BlockWriter.Chunk(min, s.chunkMaxTime(i), r.chunk(s.chunkRef(i))));
        }
        w.addSeriesChunks(s.labels(), chunks);
        return true;
      });
      w.commit(m.minTime(), m.maxTime(), m.compaction(), null);
      dir = w.finalDir();
    }
    assertThat((Object) target[0]).as("a series with two chunks").isNotNull();
    long seriesRef = -1;
    try (BlockReader r = BlockReader.open(dir)) {
      Postings p = r.index().allPostings();
      SeriesBuilder sb = new SeriesBuilder();
      while (p.next()) {
        r.index().series(p.at(), sb);
        if (sb.labels().equals(target[0])) {
          seriesRef = p.at();
        }
      }
    }
    byte[] index = Files.readAllBytes(dir.resolve("index"));
    int[] pos = {(int) (seriesRef * 16)};
    long len = uvarint(index, pos);
    int body = pos[0];
    long labels = uvarint(index, pos);
    for (long i = 0; i < 2 * labels; i++) {
      uvarint(index, pos);
    }
    assertThat(uvarint(index, pos)).isGreaterThanOrEqualTo(2); // chunk count
    uvarint(index, pos); // mint 0 (zigzag varint, skipped as bytes)
    uvarint(index, pos); // maxt 0 - mint 0
    uvarint(index, pos); // ref 0
    assertThat(index[pos[0]]).isEqualTo((byte) 1);
    index[pos[0]] = 0;
    CRC32C crc = new CRC32C();
    crc.update(index, body, (int) len);
    ByteBuffer.wrap(index).putInt(body + (int) len, (int) crc.getValue());
    Files.write(dir.resolve("index"), index);
    try (BlockReader r = BlockReader.open(dir)) {
      assertThat(BlockVerifier.check(r)).isNotNull().extracting(BlockVerifier.Problem::reason)
          .isEqualTo(Marks.REASON_OUT_OF_ORDER_CHUNKS);
    }
    return dir;
  }

  private static long uvarint(byte[] b, int[] pos) {
    long v = 0;
    int shift = 0;
    while (true) {
      int x = b[pos[0]++] & 0xFF;
      v |= (long) (x & 0x7F) << shift;
      if (x < 0x80) {
        return v;
      }
      shift += 7;
    }
  }

  /** Flips a byte inside the first series entry of the index: its CRC no longer matches. */
  static Path withBadSeriesCrc(Path block) throws IOException {
    Path dir = copyWithNewId(block);
    long ref;
    try (BlockReader r = BlockReader.open(dir)) {
      Postings p = r.index().allPostings();
      assertThat(p.next()).isTrue();
      ref = p.at();
    }
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve("index").toFile(), "rw")) {
      f.seek(ref * 16 + 3);
      int b = f.read();
      f.seek(ref * 16 + 3);
      f.write(b ^ 0x5A);
    }
    return dir;
  }

  /** Cuts the index in half. */
  static Path withTruncatedIndex(Path block) throws IOException {
    Path dir = copyWithNewId(block);
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve("index").toFile(), "rw")) {
      f.setLength(f.length() / 2);
    }
    return dir;
  }

  @Test
  void badBlocksAreMarkedNoCompactAndTheRestOfTheBucketIsCompactedInTheSameIteration() throws IOException {
    Bucket bucket = new FilesystemBucket(Files.createDirectories(tmp.resolve("bad")));
    // Four groups over the same data; in each of the first three, one source of the full 8h range
    // [00:00, 08:00) (blocks 1-4) is damaged.
    Map<String, Path> bad = Map.of(
        "ooo", withOutOfOrderChunks(blocks.get(2)),
        "crc", withBadSeriesCrc(blocks.get(2)),
        "trunc", withTruncatedIndex(blocks.get(2)));
    Map<String, BlockId> badIds = new java.util.HashMap<>();
    for (String cluster : List.of("ooo", "crc", "trunc", "fine")) {
      for (int i = 0; i < blocks.size(); i++) {
        Path dir = i == 2 && bad.containsKey(cluster) ? bad.get(cluster) : copyWithNewId(blocks.get(i));
        BlockMeta up = upload(bucket, dir, Map.of("cluster", cluster));
        if (i == 2 && bad.containsKey(cluster)) {
          badIds.put(cluster, up.ulid());
        }
      }
    }
    Instant now = Instant.ofEpochMilli(dataStart + 20 * H);
    Compactor.Result r = compactor(bucket, InstantSource.fixed(now), "work-bad", Duration.ofHours(48)).runOnce();

    assertThat(r.failures()).isEmpty();
    assertThat(r.markedNoCompact()).containsExactlyInAnyOrderElementsOf(badIds.values());
    assertThat(Marks.noCompactReason(bucket, badIds.get("ooo"))).isEqualTo("block-index-out-of-order-chunk");
    assertThat(Marks.noCompactReason(bucket, badIds.get("crc"))).isEqualTo("block-corrupted");
    assertThat(Marks.noCompactReason(bucket, badIds.get("trunc"))).isEqualTo("block-corrupted");
    // The mark is the file Thanos writes.
    try (var in = bucket.get(badIds.get("crc") + "/no-compact-mark.json")) {
      var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(in);
      assertThat(json.path("id").asText()).isEqualTo(badIds.get("crc").toString());
      assertThat(json.path("version").asInt()).isEqualTo(1);
      assertThat(json.path("no_compact_time").asLong()).isEqualTo(now.getEpochSecond());
      assertThat(json.path("details").asText()).contains("CRC mismatch", badIds.get("crc").toString());
    }
    for (BlockId id : badIds.values()) {
      assertThat(logs).anyMatch(l -> l.startsWith("WARNING block " + id + " of compaction group ")
          && l.contains("marked no-compact"));
      assertThat(BucketBlocks.isMarkedForDeletion(bucket, id)).isFalse();
    }
    // Every group compacted something in this iteration; no new block holds a bad source.
    for (String cluster : List.of("ooo", "crc", "trunc", "fine")) {
      assertThat(r.compacted()).as(cluster).anyMatch(m -> m.thanos().labels().equals(Map.of("cluster", cluster)));
    }
    for (BlockMeta made : r.compacted()) {
      assertThat(made.compaction().sources()).doesNotContainAnyElementsOf(badIds.values());
    }
    // The healthy group made its full 8h block of four sources.
    assertThat(r.compacted()).anyMatch(m -> m.thanos().labels().equals(Map.of("cluster", "fine"))
        && m.compaction().sources().size() == 4);
    // A second iteration leaves the marked blocks alone and does not mark them again.
    Compactor.Result again = compactor(bucket, InstantSource.fixed(now.plusSeconds(60)), "work-bad", Duration.ofHours(48))
        .runOnce();
    assertThat(again.markedNoCompact()).isEmpty();
    assertThat(again.failures()).isEmpty();
  }

  @Test
  void plainPrometheusBlocksWithoutThanosSectionAreCompacted() throws IOException {
    Path root = Files.createDirectories(tmp.resolve("plain"));
    Bucket bucket = new FilesystemBucket(root);
    List<BlockId> ids = new ArrayList<>();
    for (Path b : blocks) {
      Path copy = copyWithNewId(b); // meta.json without a Thanos section
      assertThat(Files.readString(copy.resolve("meta.json"))).doesNotContain("thanos");
      Promtool.copyTree(copy, root.resolve(copy.getFileName().toString()));
      Files.deleteIfExists(root.resolve(copy.getFileName().toString()).resolve("tombstones"));
      ids.add(BlockId.parse(copy.getFileName().toString()));
    }
    Compactor.Result r = compactor(bucket, InstantSource.fixed(Instant.ofEpochMilli(dataStart + 20 * H)), "work-plain",
        Duration.ofHours(48)).runOnce();
    assertThat(r.failures()).isEmpty();
    assertThat(r.compacted()).isNotEmpty();
    BlockMeta made = BucketBlocks.readMeta(bucket, r.compacted().get(0).ulid());
    assertThat(made.thanos()).isNotNull();
    assertThat(made.thanos().labels()).isEmpty();
    assertThat(made.thanos().source()).isEqualTo("compactor");
    assertThat(made.resolution()).isZero();
    assertThat(ids).containsAll(made.compaction().sources());
    for (BlockId src : made.compaction().sources()) {
      assertThat(BucketBlocks.isMarkedForDeletion(bucket, src)).isTrue();
    }
  }

  @Test
  void aRecentlyMarkedBlockStaysInViewUntilHalfTheDeleteDelayHasPassed() throws IOException {
    Instant now = Instant.ofEpochMilli(dataStart + 20 * H);
    // Young mark (1h old, delete delay 48h): the block is still compacted with the others, and its
    // mark keeps its original time.
    Bucket young = new FilesystemBucket(Files.createDirectories(tmp.resolve("young")));
    List<BlockMeta> up = uploadAll(young, Map.of("cluster", "a"));
    up.sort((a, b) -> Long.compare(a.minTime(), b.minTime()));
    BlockId marked = up.get(2).ulid();
    Instant markTime = Instant.ofEpochSecond(now.minus(Duration.ofHours(1)).getEpochSecond());
    Marks.markForDeletion(young, marked, markTime, "test");
    Compactor.Result r = compactor(young, InstantSource.fixed(now), "work-young", Duration.ofHours(48)).runOnce();
    assertThat(r.compacted()).hasSize(1);
    assertThat(r.compacted().get(0).compaction().sources()).hasSize(4).contains(marked);
    assertThat(r.markedForDeletion()).hasSize(3).doesNotContain(marked);
    assertThat(Marks.deletionTime(young, marked)).isEqualTo(markTime);

    // Old mark (25h, past 48h / 2): the block is out of view; the other three of its range are
    // compacted without it.
    Bucket old = new FilesystemBucket(Files.createDirectories(tmp.resolve("old")));
    List<BlockMeta> up2 = uploadAll(old, Map.of("cluster", "a"));
    up2.sort((a, b) -> Long.compare(a.minTime(), b.minTime()));
    BlockId gone = up2.get(2).ulid();
    Marks.markForDeletion(old, gone, now.minus(Duration.ofHours(25)), "test");
    Compactor.Result r2 = compactor(old, InstantSource.fixed(now), "work-old", Duration.ofHours(48)).runOnce();
    assertThat(r2.compacted()).isNotEmpty();
    for (BlockMeta m : r2.compacted()) {
      assertThat(m.compaction().sources()).doesNotContain(gone);
    }
    assertThat(r2.markedForDeletion()).doesNotContain(gone);
  }

  @Test
  void aFailingGroupDoesNotStopTheOthers() throws IOException {
    Bucket bucket = new FilesystemBucket(Files.createDirectories(tmp.resolve("failing")));
    List<BlockMeta> a = uploadAll(bucket, Map.of("cluster", "a"));
    uploadAll(bucket, Map.of("cluster", "b"));
    // Group a: one source of its 8h range lost its index object (not corruption: a read failure).
    a.sort((x, y) -> Long.compare(x.minTime(), y.minTime()));
    bucket.delete(a.get(2).ulid() + "/index");
    Compactor.Result r = compactor(bucket, InstantSource.fixed(Instant.ofEpochMilli(dataStart + 20 * H)), "work-fail",
        Duration.ofHours(48)).runOnce();
    String keyA = Grouper.groupKey(0, Map.of("cluster", "a"));
    assertThat(r.failures()).hasSize(1).first().asString().startsWith("compact group " + keyA);
    assertThat(logs).anyMatch(l -> l.startsWith("SEVERE compact group " + keyA) && l.contains("the other groups go on"));
    assertThat(r.compacted()).hasSize(1);
    assertThat(r.compacted().get(0).thanos().labels()).isEqualTo(Map.of("cluster", "b"));
    // Nothing of group a was marked.
    for (BlockMeta m : a) {
      assertThat(BucketBlocks.isMarkedForDeletion(bucket, m.ulid())).isFalse();
    }
  }

  @Test
  void aStopRequestEndsTheIterationBeforeAnUploadAndLeavesNoTrace() throws IOException {
    Bucket bucket = new FilesystemBucket(Files.createDirectories(tmp.resolve("stop")));
    uploadAll(bucket, Map.of("cluster", "a"));
    List<String> before = new ArrayList<>();
    bucket.iterRecursive("", before::add);
    // Stop requested while the merge runs (the supplier answers true from its 5th call on).
    AtomicInteger polls = new AtomicInteger();
    Compactor.Options d = Compactor.Options.defaults(tmp.resolve("work-stop"));
    Compactor c = new Compactor(bucket, InstantSource.fixed(Instant.ofEpochMilli(dataStart + 20 * H)),
        new SplittableRandom(3), new Compactor.Options(d.workDir(), d.ranges(), List.of(), d.dedup(), Duration.ZERO,
            Retention.FOREVER, d.cleaner(), true), new CompactorMetrics(), () -> polls.incrementAndGet() >= 5);
    Compactor.Result r = c.runOnce();
    assertThat(r.stopped()).isTrue();
    assertThat(r.compacted()).isEmpty();
    assertThat(r.failures()).isEmpty();
    List<String> after = new ArrayList<>();
    bucket.iterRecursive("", after::add);
    assertThat(after).containsExactlyInAnyOrderElementsOf(before);
    try (var s = Files.list(tmp.resolve("work-stop"))) {
      assertThat(s.toList()).isEmpty();
    }
  }
}
