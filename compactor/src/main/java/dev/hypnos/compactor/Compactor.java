package dev.hypnos.compactor;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BlockUploader;
import dev.hypnos.core.block.BlockWriter;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.dedup.DedupSeriesSet;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.ObjectNotFoundException;
import dev.hypnos.core.util.IoUtil;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * One compactor over a bucket; {@link #runOnce()} is one iteration, as Thanos's compactor:
 *
 * <ol>
 *   <li>Sync: read every block's meta.json; blocks without one are partial uploads; blocks with a
 *       deletion mark are left out, and so are blocks younger (by ULID time) than the consistency
 *       delay unless the compactor made them. A block whose sources are all covered by another
 *       block of the same resolution (the leftover of a crash between upload and marking, or a
 *       second upload) is left out and marked for deletion.
 *   <li>Compact: per group ({@link Grouper}) plan ({@link Planner}), download the sources, merge
 *       ({@link BlockMerger}), upload the new block, then mark the sources for deletion (upload
 *       first: a crash in between leaves a duplicate that the next sync removes); repeat until
 *       the planner finds nothing. A group with overlapping blocks and no replica labels halts:
 *       it is logged, counted in {@code hypnos_compact_halted}, and skipped; other groups go on.
 *   <li>Downsample: raw blocks of at least 40h whose sources no 5m block covers yet become 5m
 *       blocks; 5m blocks of at least 10 days likewise become 1h blocks (no-downsample-marked and
 *       halted-group blocks skipped).
 *   <li>Retention marks expired blocks; the cleaner deletes marked blocks past the delete delay
 *       and old partial uploads. This step runs even when a group halted.
 * </ol>
 *
 * <p>Concurrency: one iteration at a time per instance.
 */
public final class Compactor {
  private static final System.Logger LOG = System.getLogger(Compactor.class.getName());

  /**
   * @param workDir local scratch directory for downloads and new blocks
   * @param ranges compaction ranges
   * @param replicaLabels external labels telling replicas apart (vertical compaction with
   *     deduplication); empty: overlapping blocks halt their group
   * @param dedup replica merge algorithm
   * @param consistencyDelay blocks younger than this (ULID time) are not touched yet
   * @param retention per-resolution retention
   * @param cleaner deletion delays
   * @param downsampling whether to downsample
   */
  public record Options(
      Path workDir,
      List<Long> ranges,
      List<String> replicaLabels,
      DedupSeriesSet.Algorithm dedup,
      Duration consistencyDelay,
      Retention retention,
      Cleaner cleaner,
      boolean downsampling) {
    public Options {
      Objects.requireNonNull(workDir, "workDir");
      ranges = List.copyOf(ranges);
      replicaLabels = List.copyOf(replicaLabels);
      Objects.requireNonNull(dedup, "dedup");
      Objects.requireNonNull(consistencyDelay, "consistencyDelay");
      Objects.requireNonNull(retention, "retention");
      Objects.requireNonNull(cleaner, "cleaner");
    }

    public static Options defaults(Path workDir) {
      return new Options(workDir, Planner.DEFAULT_RANGES, List.of(), DedupSeriesSet.Algorithm.PENALTY,
          Duration.ofMinutes(30), Retention.FOREVER,
          new Cleaner(Cleaner.DEFAULT_DELETE_DELAY, Cleaner.PARTIAL_UPLOAD_AGE), true);
    }
  }

  /**
   * What one iteration did.
   *
   * @param compacted new blocks made by compaction
   * @param downsampled new blocks made by downsampling
   * @param markedForDeletion blocks given a deletion mark (sources, duplicates, expired)
   * @param deleted blocks deleted
   * @param haltedGroups keys of the groups that halted
   */
  public record Result(List<BlockMeta> compacted, List<BlockMeta> downsampled, List<BlockId> markedForDeletion,
      List<BlockId> deleted, List<String> haltedGroups) {
    public Result {
      compacted = List.copyOf(compacted);
      downsampled = List.copyOf(downsampled);
      markedForDeletion = List.copyOf(markedForDeletion);
      deleted = List.copyOf(deleted);
      haltedGroups = List.copyOf(haltedGroups);
    }
  }

  private final Bucket bucket;
  private final InstantSource clock;
  private final Options options;
  private final Grouper grouper;
  private final Planner planner;
  private final BlockMerger merger;
  private final Downsampler downsampler;
  private final CompactorMetrics metrics;

  public Compactor(Bucket bucket, InstantSource clock, RandomGenerator random, Options options, CompactorMetrics metrics) {
    this.bucket = Objects.requireNonNull(bucket, "bucket");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.options = Objects.requireNonNull(options, "options");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.grouper = new Grouper(options.replicaLabels());
    this.planner = new Planner(options.ranges());
    this.merger = new BlockMerger(clock, random,
        new BlockMerger.Options(options.replicaLabels(), options.dedup(), BlockWriter.Options.DEFAULT));
    this.downsampler = new Downsampler(clock, random, BlockWriter.Options.DEFAULT);
  }

  /** Blocks as synced from the bucket. */
  private static final class State {
    final Map<BlockId, BlockMeta> all = new TreeMap<>();
    final Set<BlockId> marked = new HashSet<>();
    final Set<BlockId> noCompact = new HashSet<>();
    final Set<BlockId> noDownsample = new HashSet<>();
    final List<BlockId> partial = new ArrayList<>();
    /** Blocks open to compaction and downsampling. */
    final Map<BlockId, BlockMeta> active = new LinkedHashMap<>();
  }

  private State sync(Instant now, List<BlockId> markedNow) throws IOException {
    State s = new State();
    for (BlockId id : BucketBlocks.list(bucket)) {
      BlockMeta m;
      try {
        m = BucketBlocks.readMeta(bucket, id);
      } catch (ObjectNotFoundException e) {
        s.partial.add(id);
        continue;
      }
      s.all.put(id, m);
      if (BucketBlocks.isMarkedForDeletion(bucket, id)) {
        s.marked.add(id);
        continue;
      }
      if (Marks.hasNoCompactMark(bucket, id)) {
        s.noCompact.add(id);
      }
      if (Marks.hasNoDownsampleMark(bucket, id)) {
        s.noDownsample.add(id);
      }
      BlockMeta.Thanos t = m.thanos();
      boolean ours = t != null && BlockMerger.SOURCE.equals(t.source());
      if (!ours && !options.consistencyDelay().isZero()
          && now.toEpochMilli() - id.timestamp() < options.consistencyDelay().toMillis()) {
        continue;
      }
      s.active.put(id, m);
    }
    // Duplicates: blocks whose sources another block of the same group covers.
    Map<String, List<BlockMeta>> byKey = new TreeMap<>();
    Map<BlockId, Set<BlockId>> srcs = new HashMap<>();
    for (BlockMeta m : s.active.values()) {
      byKey.computeIfAbsent(grouper.keyOf(m), k -> new ArrayList<>()).add(m);
      srcs.put(m.ulid(), sources(m));
    }
    for (List<BlockMeta> group : byKey.values()) {
      for (BlockMeta m : group) {
        Set<BlockId> mine = srcs.get(m.ulid());
        for (BlockMeta o : group) {
          if (o == m || !s.active.containsKey(o.ulid())) {
            continue;
          }
          Set<BlockId> theirs = srcs.get(o.ulid());
          boolean covered = theirs.size() >= mine.size() && theirs.containsAll(mine)
              && (theirs.size() > mine.size() || o.ulid().compareTo(m.ulid()) < 0);
          if (covered) {
            LOG.log(Level.INFO, "block " + m.ulid() + " is covered by block " + o.ulid() + "; marking it for deletion");
            Marks.markForDeletion(bucket, m.ulid(), now, "sources covered by block " + o.ulid());
            s.active.remove(m.ulid());
            s.marked.add(m.ulid());
            markedNow.add(m.ulid());
            break;
          }
        }
      }
    }
    return s;
  }

  private static Set<BlockId> sources(BlockMeta m) {
    return m.compaction().sources().isEmpty() ? Set.of(m.ulid()) : new HashSet<>(m.compaction().sources());
  }

  /** Runs one iteration. */
  public Result runOnce() throws IOException {
    Instant now = clock.instant();
    List<BlockMeta> compacted = new ArrayList<>();
    List<BlockMeta> downsampled = new ArrayList<>();
    List<BlockId> marked = new ArrayList<>();
    List<String> halted = new ArrayList<>();
    State s = sync(now, marked);
    Files.createDirectories(options.workDir());
    Set<String> haltedKeys = new TreeSet<>();
    IOException failure = null;
    try {
      for (BlockGroup g : grouper.group(s.active.values())) {
        if (options.replicaLabels().isEmpty() && g.hasOverlaps()) {
          List<BlockMeta> ov = Planner.overlapping(g.metas());
          LOG.log(Level.ERROR, "compaction group " + g.key() + " " + g.labels() + " halted: overlapping blocks "
              + ov.stream().map(m -> m.ulid() + " [" + m.minTime() + ", " + m.maxTime() + ")").toList()
              + " and no replica label to deduplicate them; fix the bucket (or give --deduplication.replica-label)");
          haltedKeys.add(g.key());
          continue;
        }
        compactGroup(g, s, now, compacted, marked);
      }
      if (options.downsampling()) {
        downsample(s, haltedKeys, downsampled);
      }
    } catch (IOException | RuntimeException e) {
      failure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
    }
    halted.addAll(haltedKeys);
    metrics.setHalted(haltedKeys);
    // Retention and cleanup run whatever happened above.
    List<BlockId> deleted = new ArrayList<>();
    try {
      List<BlockMeta> live = new ArrayList<>();
      for (BlockMeta m : s.all.values()) {
        if (!s.marked.contains(m.ulid())) {
          live.add(m);
        }
      }
      List<BlockId> expired = options.retention().apply(bucket, live, s.marked, now);
      marked.addAll(expired);
      s.marked.addAll(expired);
      deleted.addAll(options.cleaner().deleteMarked(bucket, List.copyOf(new TreeSet<>(s.marked)), now));
      deleted.addAll(options.cleaner().deletePartial(bucket, s.partial, now));
    } catch (IOException e) {
      if (failure != null) {
        failure.addSuppressed(e);
      } else {
        failure = e;
      }
    }
    metrics.recordIteration(compacted.size(), downsampled.size(), deleted.size(), failure != null);
    if (failure != null) {
      throw new IOException("compactor iteration over " + bucket.name() + ": " + failure.getMessage(), failure);
    }
    return new Result(compacted, downsampled, marked, deleted, halted);
  }

  private void compactGroup(BlockGroup group, State s, Instant now, List<BlockMeta> compacted, List<BlockId> marked)
      throws IOException {
    List<BlockMeta> metas = new ArrayList<>(group.metas());
    while (true) {
      List<BlockMeta> plan = planner.plan(metas, s.noCompact);
      if (plan.isEmpty()) {
        return;
      }
      BlockMeta made = compact(group, plan);
      BlockUploader.upload(bucket, dirOf(made));
      // Uploaded first: a crash before the marks leaves a covered duplicate, removed by the next sync.
      for (BlockMeta src : plan) {
        Marks.markForDeletion(bucket, src.ulid(), now, "source of compacted block " + made.ulid());
        marked.add(src.ulid());
        s.marked.add(src.ulid());
        s.active.remove(src.ulid());
      }
      IoUtil.deleteTree(options.workDir().resolve(group.key().replace('@', '-')));
      s.active.put(made.ulid(), made);
      s.all.put(made.ulid(), made);
      compacted.add(made);
      metas.removeAll(plan);
      metas.add(made);
      metas.sort(java.util.Comparator.comparingLong(BlockMeta::minTime).thenComparing(BlockMeta::ulid));
      LOG.log(Level.INFO, "compacted " + plan.stream().map(BlockMeta::ulid).toList() + " of group " + group.key()
          + " into " + made.ulid());
    }
  }

  private final Map<BlockId, Path> made = new LinkedHashMap<>();

  private Path dirOf(BlockMeta m) {
    return Objects.requireNonNull(made.remove(m.ulid()), "no local directory for block " + m.ulid());
  }

  private BlockMeta compact(BlockGroup group, List<BlockMeta> plan) throws IOException {
    Path dir = options.workDir().resolve(group.key().replace('@', '-'));
    IoUtil.deleteTree(dir);
    Path src = Files.createDirectories(dir.resolve("sources"));
    Path out = Files.createDirectories(dir.resolve("out"));
    List<BlockReader> readers = new ArrayList<>();
    try {
      for (BlockMeta m : plan) {
        readers.add(BlockReader.open(BucketBlocks.download(bucket, m.ulid(), src)));
      }
      BlockMerger.Result r = merger.merge(readers, out);
      made.put(r.meta().ulid(), r.dir());
      return r.meta();
    } finally {
      IoUtil.closeAll(readers);
    }
  }

  private void downsample(State s, Set<String> haltedKeys, List<BlockMeta> downsampled) throws IOException {
    for (long from : new long[] {Downsampler.RES_RAW, Downsampler.RES_5M}) {
      long to = Downsampler.nextResolution(from);
      // Sources already covered at the target resolution.
      Set<BlockId> covered = new HashSet<>();
      for (BlockMeta m : s.all.values()) {
        if (m.resolution() == to && !s.marked.contains(m.ulid())) {
          covered.addAll(sources(m));
        }
      }
      for (BlockMeta m : List.copyOf(s.active.values())) {
        if (m.resolution() != from || s.noDownsample.contains(m.ulid()) || haltedKeys.contains(grouper.keyOf(m))
            || !Downsampler.longEnough(m) || covered.containsAll(sources(m))) {
          continue;
        }
        Path dir = options.workDir().resolve("downsample-" + m.ulid());
        IoUtil.deleteTree(dir);
        Path src = Files.createDirectories(dir.resolve("source"));
        Path out = Files.createDirectories(dir.resolve("out"));
        BlockMerger.Result r;
        try (BlockReader b = BlockReader.open(BucketBlocks.download(bucket, m.ulid(), src))) {
          r = downsampler.downsample(b, to, out);
        }
        BlockUploader.upload(bucket, r.dir());
        IoUtil.deleteTree(dir);
        covered.addAll(sources(r.meta()));
        s.all.put(r.meta().ulid(), r.meta());
        s.active.put(r.meta().ulid(), r.meta());
        downsampled.add(r.meta());
        LOG.log(Level.INFO, "downsampled block " + m.ulid() + " to " + to + " ms as " + r.meta().ulid());
      }
    }
  }
}
