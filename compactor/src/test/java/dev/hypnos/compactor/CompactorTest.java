package dev.hypnos.compactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BlockUploader;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.FilesystemBucket;
import dev.hypnos.core.util.IoUtil;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.Promtool;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compactor iterations over a filesystem bucket holding real promtool blocks (16h of data: nine 2h
 * blocks from 22:00 to 16:00, so that [00:00, 08:00) is one full 8h range).
 */
class CompactorTest {
  static final long H = 3_600_000L;
  @TempDir static Path tmp;
  static List<Path> blocks;
  static long dataStart;

  /** A clock the test moves. */
  static final class TestClock implements InstantSource {
    final AtomicReference<Instant> now;

    TestClock(Instant start) {
      now = new AtomicReference<>(start);
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    void advance(Duration d) {
      now.set(now.get().plus(d));
    }
  }

  @BeforeAll
  static void makeBlocks() throws IOException {
    Promtool promtool = Promtool.require();
    OpenMetricsGenerator.Config cfg = new OpenMetricsGenerator.Config(3, 1_700_000_123_000L, 16 * H, 60_000, 4, 3, 1);
    OpenMetricsGenerator.Result gen = new OpenMetricsGenerator(cfg).write(tmp.resolve("data.om"));
    dataStart = gen.minTime();
    blocks = new ArrayList<>(promtool.createBlocksFromOpenMetrics(gen.file(), tmp.resolve("db")));
    blocks.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
  }

  static final AtomicInteger SEQ = new AtomicInteger();

  /** Uploads a promtool block with a Thanos section (and optionally a new ULID); returns its meta. */
  static BlockMeta upload(Bucket bucket, Path block, Map<String, String> labels, boolean newId) throws IOException {
    BlockMeta m = BlockMetaJson.read(block);
    BlockId id = newId ? BlockId.of(m.ulid().timestamp(), new SplittableRandom(SEQ.incrementAndGet())) : m.ulid();
    Path copy = tmp.resolve("staging-" + SEQ.incrementAndGet()).resolve(id.toString());
    Promtool.copyTree(block, copy);
    BlockMeta.Compaction comp = newId
        ? new BlockMeta.Compaction(1, List.of(id), false, List.of(), false, List.of())
        : m.compaction();
    BlockMeta t = new BlockMeta(id, m.minTime(), m.maxTime(), m.stats(), comp, 1,
        BlockMeta.Thanos.of(labels, 0, "sidecar"));
    BlockMetaJson.write(copy, t);
    return BlockUploader.upload(bucket, copy);
  }

  static List<BlockMeta> uploadAll(Bucket bucket, Map<String, String> labels) throws IOException {
    List<BlockMeta> out = new ArrayList<>();
    for (Path b : blocks) {
      out.add(upload(bucket, b, labels, false));
    }
    out.sort((a, b) -> Long.compare(a.minTime(), b.minTime()));
    return out;
  }

  static Compactor.Options options(Path work, Retention retention) {
    Compactor.Options d = Compactor.Options.defaults(work);
    return new Compactor.Options(work, d.ranges(), List.of(), d.dedup(), Duration.ZERO, retention, d.cleaner(), true);
  }

  static List<String> keys(Bucket bucket, String prefix) throws IOException {
    List<String> out = new ArrayList<>();
    bucket.iterRecursive(prefix, out::add);
    return out;
  }

  @Test
  void compactsAFullRangeMarksSourcesAndSurvivesACrashedRerun() throws IOException {
    assertThat(blocks).hasSize(9);
    Bucket bucket = new FilesystemBucket(Files.createDirectories(tmp.resolve("bucket1")));
    List<BlockMeta> up = uploadAll(bucket, Map.of("cluster", "a"));
    TestClock clock = new TestClock(Instant.ofEpochMilli(dataStart + 20 * H));
    CompactorMetrics metrics = new CompactorMetrics();
    Compactor c = new Compactor(bucket, clock, new SplittableRandom(9), options(tmp.resolve("work1"), Retention.FOREVER),
        metrics);

    Compactor.Result r = c.runOnce();
    assertThat(r.haltedGroups()).isEmpty();
    assertThat(r.compacted()).hasSize(1);
    BlockMeta made = r.compacted().get(0);
    List<BlockMeta> sources = up.subList(1, 5); // [00:00, 08:00)
    assertThat(made.compaction().level()).isEqualTo(2);
    assertThat(made.compaction().sources()).containsExactlyInAnyOrderElementsOf(sources.stream().map(BlockMeta::ulid).toList());
    assertThat(made.minTime()).isEqualTo(sources.get(0).minTime());
    assertThat(made.maxTime()).isEqualTo(sources.get(3).maxTime());
    assertThat(sources.get(0).minTime()).isGreaterThanOrEqualTo((dataStart / (8 * H) + 1) * 8 * H);
    assertThat(sources.get(3).maxTime()).isLessThanOrEqualTo((dataStart / (8 * H) + 2) * 8 * H);
    assertThat(made.stats().numSamples()).isEqualTo(sources.stream().mapToLong(m -> m.stats().numSamples()).sum());
    assertThat(made.thanos().labels()).isEqualTo(Map.of("cluster", "a"));
    assertThat(made.thanos().source()).isEqualTo("compactor");
    assertThat(BucketBlocks.readMeta(bucket, made.ulid()).ulid()).isEqualTo(made.ulid());
    assertThat(r.markedForDeletion()).containsExactlyInAnyOrderElementsOf(sources.stream().map(BlockMeta::ulid).toList());
    for (BlockMeta s : sources) {
      assertThat(BucketBlocks.isMarkedForDeletion(bucket, s.ulid())).isTrue();
      assertThat(Marks.deletionTime(bucket, s.ulid())).isEqualTo(Instant.ofEpochSecond(clock.instant().getEpochSecond()));
    }
    // The downsampled block is readable and its samples sum up: download it and open it.
    try (BlockReader b = BlockReader.open(BucketBlocks.download(bucket, made.ulid(), Files.createDirectories(tmp.resolve("dl1"))))) {
      assertThat(b.meta().stats().numSeries()).isEqualTo(sources.get(0).stats().numSeries());
    }

    // Nothing more to do.
    Compactor.Result again = c.runOnce();
    assertThat(again.compacted()).isEmpty();
    assertThat(again.markedForDeletion()).isEmpty();

    // Crash after the upload, before the marks: the rerun must not compact again but mark the
    // covered sources.
    for (BlockMeta s : sources) {
      bucket.delete(s.ulid() + "/" + BucketBlocks.DELETION_MARK);
    }
    Compactor.Result rerun = c.runOnce();
    assertThat(rerun.compacted()).isEmpty();
    assertThat(rerun.markedForDeletion()).containsExactlyInAnyOrderElementsOf(sources.stream().map(BlockMeta::ulid).toList());
    assertThat(BucketBlocks.list(bucket)).hasSize(10);

    // Past the delete delay the sources go, meta.json first; the rest stays.
    clock.advance(Duration.ofHours(47));
    assertThat(c.runOnce().deleted()).isEmpty();
    clock.advance(Duration.ofHours(2));
    Compactor.Result clean = c.runOnce();
    assertThat(clean.deleted()).containsExactlyInAnyOrderElementsOf(sources.stream().map(BlockMeta::ulid).toList());
    for (BlockMeta s : sources) {
      assertThat(keys(bucket, s.ulid() + "/")).isEmpty();
    }
    assertThat(BucketBlocks.list(bucket)).hasSize(6).contains(made.ulid());
    assertThat(metrics.halted()).isZero();
    assertThat(metrics.render()).contains("hypnos_compact_halted 0\n", "hypnos_compact_blocks_deleted_total 4\n");
  }

  @Test
  void overlapHaltsItsGroupOnlyAndRetentionStillRuns() throws IOException {
    Bucket bucket = new FilesystemBucket(Files.createDirectories(tmp.resolve("bucket2")));
    // Group a: the first block twice under two ids (overlapping), group b: all blocks.
    BlockMeta a1 = upload(bucket, blocks.get(0), Map.of("cluster", "a"), true);
    BlockMeta a2 = upload(bucket, blocks.get(0), Map.of("cluster", "a"), true);
    List<BlockMeta> b = uploadAll(bucket, Map.of("cluster", "b"));
    // Retention 20h of raw at data start + 26h: blocks ending before start + 6h are expired.
    TestClock clock = new TestClock(Instant.ofEpochMilli(dataStart + 26 * H));
    CompactorMetrics metrics = new CompactorMetrics();
    Compactor c = new Compactor(bucket, clock, new SplittableRandom(10),
        options(tmp.resolve("work2"), new Retention(Duration.ofHours(20), Duration.ZERO, Duration.ZERO)), metrics);
    Compactor.Result r = c.runOnce();

    String keyA = Grouper.groupKey(0, Map.of("cluster", "a"));
    assertThat(r.haltedGroups()).containsExactly(keyA);
    assertThat(metrics.halted()).isEqualTo(1);
    assertThat(metrics.render()).contains("hypnos_compact_halted 1\n", "group=\"" + keyA + "\"");
    assertThat(r.compacted()).hasSize(1);
    assertThat(r.compacted().get(0).thanos().labels()).isEqualTo(Map.of("cluster", "b"));
    // Retention: group a's blocks (halted) and b's first block ([22:00, 00:00)); b's [00:00, 08:00)
    // sources were marked by the compaction; the new 8h block ends at 08:00 and stays.
    assertThat(r.markedForDeletion()).contains(a1.ulid(), a2.ulid(), b.get(0).ulid());
    assertThat(r.markedForDeletion()).doesNotContain(r.compacted().get(0).ulid(), b.get(5).ulid());
    for (BlockMeta m : List.of(a1, a2, b.get(0))) {
      assertThat(BucketBlocks.isMarkedForDeletion(bucket, m.ulid())).isTrue();
    }
  }

  @Test
  void replicaLabelMakesOverlapsAVerticalCompaction() throws IOException {
    Bucket bucket = new FilesystemBucket(Files.createDirectories(tmp.resolve("bucket3")));
    BlockMeta r1 = upload(bucket, blocks.get(1), Map.of("cluster", "a", "replica", "1"), true);
    BlockMeta r2 = upload(bucket, blocks.get(1), Map.of("cluster", "a", "replica", "2"), true);
    TestClock clock = new TestClock(Instant.ofEpochMilli(dataStart + 26 * H));
    Compactor.Options d = options(tmp.resolve("work3"), Retention.FOREVER);
    Compactor.Options o = new Compactor.Options(d.workDir(), d.ranges(), List.of("replica"), d.dedup(),
        d.consistencyDelay(), d.retention(), d.cleaner(), true);
    Compactor.Result r = new Compactor(bucket, clock, new SplittableRandom(11), o, new CompactorMetrics()).runOnce();
    assertThat(r.haltedGroups()).isEmpty();
    assertThat(r.compacted()).hasSize(1);
    BlockMeta made = r.compacted().get(0);
    assertThat(made.thanos().labels()).isEqualTo(Map.of("cluster", "a"));
    assertThat(made.stats().numSamples()).isEqualTo(r1.stats().numSamples());
    assertThat(r.markedForDeletion()).containsExactlyInAnyOrder(r1.ulid(), r2.ulid());
  }

  @Test
  void partialUploadsOlderThanTwoDaysAreDeleted() throws IOException {
    Bucket bucket = new FilesystemBucket(Files.createDirectories(tmp.resolve("bucket4")));
    TestClock clock = new TestClock(Instant.parse("2026-03-01T00:00:00Z"));
    BlockId old = BlockId.of(clock.millis() - 49 * H, new SplittableRandom(1));
    BlockId young = BlockId.of(clock.millis() - 47 * H, new SplittableRandom(2));
    for (BlockId id : List.of(old, young)) {
      byte[] data = {1, 2, 3};
      bucket.upload(id + "/index", new ByteArrayInputStream(data), data.length);
      bucket.upload(id + "/chunks/000001", new ByteArrayInputStream(data), data.length);
    }
    Compactor c = new Compactor(bucket, clock, new SplittableRandom(12), options(tmp.resolve("work4"), Retention.FOREVER),
        new CompactorMetrics());
    assertThat(c.runOnce().deleted()).containsExactly(old);
    assertThat(keys(bucket, old + "/")).isEmpty();
    assertThat(keys(bucket, young + "/")).isNotEmpty();
  }

  @Test
  void consistencyDelayHidesYoungBlocks() throws IOException {
    Bucket bucket = new FilesystemBucket(Files.createDirectories(tmp.resolve("bucket5")));
    List<BlockMeta> up = uploadAll(bucket, Map.of("cluster", "a"));
    long newest = up.stream().mapToLong(m -> m.ulid().timestamp()).max().orElseThrow();
    TestClock clock = new TestClock(Instant.ofEpochMilli(newest + 10 * 60_000));
    Compactor.Options d = Compactor.Options.defaults(tmp.resolve("work5"));
    Compactor c = new Compactor(bucket, clock, new SplittableRandom(13), d, new CompactorMetrics());
    assertThat(c.runOnce().compacted()).isEmpty();
    clock.advance(Duration.ofMinutes(30));
    assertThat(c.runOnce().compacted()).hasSize(1);
  }

  @Test
  void downsamplesALongRawBlockOnce() throws IOException {
    Promtool promtool = Promtool.require();
    OpenMetricsGenerator.Config cfg = new OpenMetricsGenerator.Config(4, 1_700_000_123_000L, 44 * H, 60_000, 2, 2, 0);
    OpenMetricsGenerator.Result gen = new OpenMetricsGenerator(cfg).write(tmp.resolve("long.om"));
    List<Path> parts = promtool.createBlocksFromOpenMetrics(gen.file(), tmp.resolve("longdb"));
    List<BlockReader> readers = new ArrayList<>();
    Path merged;
    try {
      for (Path p : parts) {
        readers.add(BlockReader.open(p));
      }
      merged = new BlockMerger(InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z")), new SplittableRandom(1),
          BlockMerger.Options.DEFAULT).merge(readers, Files.createDirectories(tmp.resolve("longmerged"))).dir();
    } finally {
      IoUtil.closeAll(readers);
    }
    Bucket bucket = new FilesystemBucket(Files.createDirectories(tmp.resolve("bucket6")));
    BlockMeta raw = upload(bucket, merged, Map.of("cluster", "d"), false);
    assertThat(raw.maxTime() - raw.minTime()).isGreaterThanOrEqualTo(Downsampler.RANGE_FOR_5M);
    TestClock clock = new TestClock(Instant.parse("2026-01-02T00:00:00Z"));
    Compactor c = new Compactor(bucket, clock, new SplittableRandom(14), options(tmp.resolve("work6"), Retention.FOREVER),
        new CompactorMetrics());
    Compactor.Result r = c.runOnce();
    assertThat(r.compacted()).isEmpty();
    assertThat(r.downsampled()).hasSize(1);
    BlockMeta ds = r.downsampled().get(0);
    assertThat(ds.resolution()).isEqualTo(Downsampler.RES_5M);
    assertThat(ds.compaction()).isEqualTo(raw.compaction());
    assertThat(ds.thanos().labels()).isEqualTo(Map.of("cluster", "d"));
    assertThat(BucketBlocks.readMeta(bucket, ds.ulid()).resolution()).isEqualTo(Downsampler.RES_5M);
    // Not marked: raw data stays (retention decides); and not downsampled a second time.
    assertThat(BucketBlocks.isMarkedForDeletion(bucket, raw.ulid())).isFalse();
    Compactor.Result again = c.runOnce();
    assertThat(again.downsampled()).isEmpty();
    assertThat(again.markedForDeletion()).isEmpty();
    // Too short for 1h (needs 10 days).
    assertThat(Downsampler.longEnough(ds)).isFalse();
  }
}
