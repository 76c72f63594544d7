package dev.hypnos.compactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BlockUploader;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.dedup.DedupSeriesSet;
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
    return upload(bucket, block, labels, newId, 0);
  }

  /** Like {@link #upload(Bucket, Path, Map, boolean)}, claiming a resolution in the Thanos section. */
  static BlockMeta upload(Bucket bucket, Path block, Map<String, String> labels, boolean newId, long resolution)
      throws IOException {
    BlockMeta m = BlockMetaJson.read(block);
    BlockId id = newId ? BlockId.of(m.ulid().timestamp(), new SplittableRandom(SEQ.incrementAndGet())) : m.ulid();
    Path copy = tmp.resolve("staging-" + SEQ.incrementAndGet()).resolve(id.toString());
    Promtool.copyTree(block, copy);
    BlockMeta.Compaction comp = newId
        ? new BlockMeta.Compaction(1, List.of(id), false, List.of(), false, List.of())
        : m.compaction();
    BlockMeta t = new BlockMeta(id, m.minTime(), m.maxTime(), m.stats(), comp, 1,
        BlockMeta.Thanos.of(labels, resolution, "sidecar"));
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
    // Two replicas of the same 2h block: with the replica label they share a group and their
    // overlap is merged vertically, by the penalty algorithm or by chain (Thanos's one-to-one
    // deduplication of identical samples); either way every sample is kept exactly once.
    Path sourceDb = Files.createDirectories(tmp.resolve("replica-source-db"));
    Promtool.copyTree(blocks.get(1), sourceDb.resolve(blocks.get(1).getFileName().toString()));
    List<String> sourceDump = Promtool.require().dump(sourceDb);
    for (DedupSeriesSet.Algorithm algo : DedupSeriesSet.Algorithm.values()) {
      Bucket bucket = new FilesystemBucket(Files.createDirectories(tmp.resolve("bucket3-" + algo)));
      BlockMeta r1 = upload(bucket, blocks.get(1), Map.of("cluster", "a", "replica", "1"), true);
      BlockMeta r2 = upload(bucket, blocks.get(1), Map.of("cluster", "a", "replica", "2"), true);
      TestClock clock = new TestClock(Instant.ofEpochMilli(dataStart + 26 * H));
      Compactor.Options d = options(tmp.resolve("work3-" + algo), Retention.FOREVER);
      Compactor.Options o = new Compactor.Options(d.workDir(), d.ranges(), List.of("replica"), algo,
          d.consistencyDelay(), d.retention(), d.cleaner(), true);
      Compactor.Result r = new Compactor(bucket, clock, new SplittableRandom(11), o, new CompactorMetrics()).runOnce();
      assertThat(r.haltedGroups()).as(algo.name()).isEmpty();
      assertThat(r.failures()).as(algo.name()).isEmpty();
      assertThat(r.compacted()).as(algo.name()).hasSize(1);
      BlockMeta made = r.compacted().get(0);
      assertThat(made.thanos().labels()).isEqualTo(Map.of("cluster", "a"));
      assertThat(made.compaction().sources()).containsExactlyInAnyOrder(r1.ulid(), r2.ulid());
      assertThat(made.stats().numSamples()).isEqualTo(r1.stats().numSamples());
      assertThat(r.markedForDeletion()).containsExactlyInAnyOrder(r1.ulid(), r2.ulid());
      Path madeDb = Files.createDirectories(tmp.resolve("replica-made-" + algo));
      BucketBlocks.download(bucket, made.ulid(), madeDb);
      assertThat(Promtool.require().dump(madeDb)).as(algo.name()).containsExactlyElementsOf(sourceDump);
    }
  }

  /** Captures the compactor's log lines while {@code body} runs. */
  static List<String> logsOf(IoRunnable body) throws IOException {
    List<String> logs = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Handler h = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord r) {
        logs.add(r.getLevel() + " " + r.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(Compactor.class.getName());
    logger.addHandler(h);
    try {
      body.run();
    } finally {
      logger.removeHandler(h);
    }
    return logs;
  }

  interface IoRunnable {
    void run() throws IOException;
  }

  @Test
  void retentionPerResolutionDeletesWhileAnotherGroupIsHalted() throws IOException {
    Bucket bucket = new FilesystemBucket(Files.createDirectories(tmp.resolve("bucket-halt")));
    // Group a: the last 2h block twice under two ids: overlapping, halted, and not expired.
    BlockMeta a1 = upload(bucket, blocks.get(8), Map.of("cluster", "a"), true);
    BlockMeta a2 = upload(bucket, blocks.get(8), Map.of("cluster", "a"), true);
    // Group b: all blocks, raw; group c: the first block as 5m data; group d: the first block as 1h data.
    List<BlockMeta> b = uploadAll(bucket, Map.of("cluster", "b"));
    BlockMeta c = upload(bucket, blocks.get(0), Map.of("cluster", "c"), true, Downsampler.RES_5M);
    BlockMeta d = upload(bucket, blocks.get(0), Map.of("cluster", "d"), true, Downsampler.RES_1H);
    // Raw 20h, 5m 30h, 1h 10h at data start + 26h: raw and 1h data ending before start + 6h and
    // + 16h expire, 5m data does not (it would have to end before start - 4h).
    TestClock clock = new TestClock(Instant.ofEpochMilli(dataStart + 26 * H));
    Compactor.Options o = options(tmp.resolve("work-halt"),
        new Retention(Duration.ofHours(20), Duration.ofHours(30), Duration.ofHours(10)));
    o = new Compactor.Options(o.workDir(), o.ranges(), o.replicaLabels(), o.dedup(), o.consistencyDelay(), o.retention(),
        new Cleaner(Duration.ofHours(1), Cleaner.PARTIAL_UPLOAD_AGE), o.downsampling());
    CompactorMetrics metrics = new CompactorMetrics();
    Compactor compactor = new Compactor(bucket, clock, new SplittableRandom(21), o, metrics);
    Compactor.Result[] r = new Compactor.Result[1];
    List<String> logs = logsOf(() -> r[0] = compactor.runOnce());

    String keyA = Grouper.groupKey(0, Map.of("cluster", "a"));
    assertThat(r[0].haltedGroups()).containsExactly(keyA);
    assertThat(logs).anyMatch(l -> l.startsWith("SEVERE compaction group " + keyA) && l.contains("halted")
        && l.contains(a1.ulid().toString()) && l.contains(a2.ulid().toString()));
    assertThat(metrics.render()).contains("hypnos_compact_halted 1\n",
        "hypnos_compact_group_halted{group=\"" + keyA + "\"} 1\n",
        "hypnos_compact_halted_block{group=\"" + keyA + "\",block=\"" + a1.ulid() + "\"} 1\n",
        "hypnos_compact_halted_block{group=\"" + keyA + "\",block=\"" + a2.ulid() + "\"} 1\n");
    assertThat(r[0].markedForDeletion()).contains(b.get(0).ulid(), d.ulid())
        .doesNotContain(a1.ulid(), a2.ulid(), c.ulid());
    assertThat(logs).anyMatch(l -> l.startsWith("INFO block " + d.ulid()) && l.contains("exceeds its retention of PT10H"));
    assertThat(r[0].compacted()).hasSize(1);

    // Two hours later (past the 1h delete delay), still halted: the expired blocks are deleted.
    clock.advance(Duration.ofHours(2));
    List<String> logs2 = logsOf(() -> r[0] = compactor.runOnce());
    assertThat(r[0].haltedGroups()).containsExactly(keyA);
    assertThat(metrics.halted()).isEqualTo(1);
    assertThat(r[0].deleted()).contains(b.get(0).ulid(), d.ulid()).doesNotContain(a1.ulid(), a2.ulid(), c.ulid());
    assertThat(logs2).anyMatch(l -> l.startsWith("INFO deleted block " + d.ulid()));
    for (BlockMeta gone : List.of(b.get(0), d)) {
      assertThat(keys(bucket, gone.ulid() + "/")).isEmpty();
    }
    for (BlockMeta kept : List.of(a1, a2, c)) {
      assertThat(bucket.exists(kept.ulid() + "/meta.json")).isTrue();
      assertThat(BucketBlocks.isMarkedForDeletion(bucket, kept.ulid())).isFalse();
    }
  }

  @Test
  void plannedWorkIsInTheMetricsBeforeAndAfterAnIteration() throws IOException {
    Bucket bucket = new FilesystemBucket(Files.createDirectories(tmp.resolve("bucket-todo")));
    List<BlockMeta> a = uploadAll(bucket, Map.of("cluster", "a"));
    BlockMeta lng = BlockUploader.upload(bucket, NoDownsampleMarkTest.rawBlock(tmp.resolve("todo-raw"), "long", 7, 42));
    TestClock clock = new TestClock(Instant.ofEpochMilli(dataStart + 20 * H));
    BlockId partial = BlockId.of(clock.millis() - 49 * H, new SplittableRandom(77));
    byte[] data = {1};
    bucket.upload(partial + "/index", new ByteArrayInputStream(data), 1);
    CompactorMetrics metrics = new CompactorMetrics();
    AtomicReference<CompactorMetrics.Todo> atStart = new AtomicReference<>();
    Compactor c = new Compactor(bucket, clock, new SplittableRandom(22), options(tmp.resolve("work-todo"), Retention.FOREVER),
        metrics, () -> {
          atStart.compareAndSet(null, metrics.todo());
          return false;
        });
    Compactor.Result[] r = new Compactor.Result[1];
    List<String> logs = logsOf(() -> r[0] = c.runOnce());

    String keyA = Grouper.groupKey(0, Map.of("cluster", "a"));
    String keyLong = Grouper.groupKey(0, Map.of("cluster", "long"));
    CompactorMetrics.Todo start = atStart.get();
    assertThat(start.compactions()).isEqualTo(Map.of(keyA, 1));
    assertThat(start.compactionBlocks()).isEqualTo(Map.of(keyA, 4));
    assertThat(start.downsampleBlocks()).isEqualTo(Map.of(keyLong, 1));
    assertThat(start.deletionBlocks()).isEqualTo(1);
    assertThat(logs).anyMatch(l -> l.startsWith("INFO compactor iteration: ")
        && l.contains("planned: 1 compactions, 1 downsamplings, 1 deletions"));
    // What it did, step by step.
    assertThat(r[0].compacted()).hasSize(1);
    assertThat(r[0].downsampled()).hasSize(1);
    assertThat(r[0].deleted()).containsExactly(partial);
    assertThat(logs).anyMatch(l -> l.startsWith("INFO compacting 4 blocks ") && l.contains(keyA));
    assertThat(logs).anyMatch(l -> l.startsWith("INFO compacted ") && l.contains(r[0].compacted().get(0).ulid().toString()));
    assertThat(logs).anyMatch(l -> l.startsWith("INFO downsampling block " + lng.ulid()));
    assertThat(logs).anyMatch(l -> l.startsWith("INFO downsampled block " + lng.ulid()));
    assertThat(logs).anyMatch(l -> l.startsWith("INFO deleted partial upload " + partial));
    // Left: the four marked sources wait for the delete delay; nothing else.
    CompactorMetrics.Todo end = metrics.todo();
    assertThat(end.compactions()).isEmpty();
    assertThat(end.downsampleBlocks()).isEmpty();
    assertThat(end.deletionBlocks()).isEqualTo(4);
    assertThat(metrics.render()).contains("hypnos_compact_todo_deletion_blocks 4\n",
        "hypnos_compact_blocks_compacted_total 1\n", "hypnos_compact_blocks_downsampled_total 1\n",
        "hypnos_compact_blocks_deleted_total 1\n").doesNotContain("hypnos_compact_todo_compactions{");
    assertThat(logs).anyMatch(l -> l.startsWith("INFO compactor iteration done: ")
        && l.contains("left: 0 compactions, 0 downsamplings, 4 deletions"));
    assertThat(a).hasSize(9);
  }

  @Test
  void tenDaysOfRawDataBecomeFiveMinuteAndOneHourBlocksAndShortBlocksStayRaw() throws IOException {
    Bucket bucket = new FilesystemBucket(Files.createDirectories(tmp.resolve("bucket-levels-ds")));
    BlockMeta tenDays = BlockUploader.upload(bucket, NoDownsampleMarkTest.rawBlock(tmp.resolve("ds-10d"), "ten", 31, 240));
    BlockMeta short39 = BlockUploader.upload(bucket, NoDownsampleMarkTest.rawBlock(tmp.resolve("ds-39h"), "short", 32, 39));
    BlockMeta just40 = BlockUploader.upload(bucket, NoDownsampleMarkTest.rawBlock(tmp.resolve("ds-40h"), "forty", 33, 40));
    TestClock clock = new TestClock(Instant.ofEpochMilli(NoDownsampleMarkTest.START + 300 * H));
    Compactor c = new Compactor(bucket, clock, new SplittableRandom(30), options(tmp.resolve("work-ds"), Retention.FOREVER),
        new CompactorMetrics());
    Compactor.Result r = c.runOnce();
    assertThat(r.failures()).isEmpty();
    assertThat(r.compacted()).isEmpty();
    // The 10-day raw block goes to 5m, and that 5m block (10 days) on to 1h, in the same
    // iteration; the 40h block to 5m only; the 39h block stays raw.
    Map<String, List<Long>> made = new java.util.TreeMap<>();
    for (BlockMeta m : r.downsampled()) {
      made.computeIfAbsent(m.thanos().labels().get("cluster"), k -> new ArrayList<>()).add(m.resolution());
      BlockMeta stored = BucketBlocks.readMeta(bucket, m.ulid());
      assertThat(stored.resolution()).isEqualTo(m.resolution());
      assertThat(stored.thanos().source()).isEqualTo("compactor");
    }
    assertThat(made).isEqualTo(Map.of("ten", List.of(Downsampler.RES_5M, Downsampler.RES_1H),
        "forty", List.of(Downsampler.RES_5M)));
    for (BlockMeta m : r.downsampled()) {
      BlockId src = m.thanos().labels().get("cluster").equals("ten") ? tenDays.ulid() : just40.ulid();
      assertThat(m.compaction().sources()).containsExactly(src);
    }
    assertThat(short39.maxTime() - short39.minTime()).isLessThan(Downsampler.RANGE_FOR_5M);
    // The next iteration finds nothing more to downsample.
    assertThat(c.runOnce().downsampled()).isEmpty();
  }

  @Test
  void plannedCompactionsWalkUpTheLevels() throws IOException {
    // Only meta.json of 14 days of 2h blocks and one newer block; the iteration is stopped at once,
    // so the metrics show the plan: 42 compactions to 8h, 7 to 2d, 1 to 14d.
    Bucket bucket = new FilesystemBucket(Files.createDirectories(tmp.resolve("bucket-levels")));
    long t0 = (1_700_000_000_000L / (14 * 24 * H) + 1) * 14 * 24 * H;
    SplittableRandom rnd = new SplittableRandom(23);
    for (int i = 0; i <= 14 * 12; i++) {
      BlockId id = BlockId.of(t0 + (i + 1) * 2 * H, rnd);
      BlockMeta m = new BlockMeta(id, t0 + i * 2 * H, t0 + (i + 1) * 2 * H, null,
          new BlockMeta.Compaction(1, List.of(id), false, List.of(), false, List.of()), 1,
          BlockMeta.Thanos.of(Map.of("cluster", "levels"), 0, "sidecar"));
      byte[] json = BlockMetaJson.toBytes(m);
      bucket.upload(id + "/meta.json", new ByteArrayInputStream(json), json.length);
    }
    CompactorMetrics metrics = new CompactorMetrics();
    Compactor c = new Compactor(bucket, new TestClock(Instant.ofEpochMilli(t0 + 30L * 24 * H)), new SplittableRandom(24),
        options(tmp.resolve("work-levels"), Retention.FOREVER), metrics, () -> true);
    Compactor.Result r = c.runOnce();
    assertThat(r.stopped()).isTrue();
    assertThat(r.compacted()).isEmpty();
    String key = Grouper.groupKey(0, Map.of("cluster", "levels"));
    assertThat(metrics.todo().compactions()).isEqualTo(Map.of(key, 50));
    assertThat(metrics.todo().compactionBlocks()).isEqualTo(Map.of(key, 168 + 42 + 7));
    assertThat(metrics.render()).contains("hypnos_compact_todo_compactions{group=\"" + key + "\"} 50\n");
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
