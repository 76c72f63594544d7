package dev.hypnos.compactor;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BlockUploader;
import dev.hypnos.core.block.BlockWriter;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.dedup.DedupSeriesSet;
import dev.hypnos.core.index.CorruptBlockException;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.ObjectNotFoundException;
import dev.hypnos.core.util.IoUtil;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * One compactor over a bucket; {@link #runOnce()} is one iteration, as Thanos's compactor:
 *
 * <ol>
 *   <li>Sync: read every block's meta.json; blocks without one are partial uploads (an unreadable
 *       one is logged and skipped); blocks whose deletion mark is older than half the delete delay
 *       are left out (Thanos's {@code IgnoreDeletionMarkFilter} with {@code delete-delay/2}: a
 *       block marked more recently may still lack its replacement, so it stays in view to keep
 *       compactions from leaving a gap), and so are blocks younger (by ULID time) than the
 *       consistency delay unless the compactor made them. A block whose sources are all covered by
 *       another block of the same resolution (the leftover of a crash between upload and marking,
 *       a second upload, or a recently marked source) is left out and, unless marked already,
 *       marked for deletion. A block without a Thanos section (a plain Prometheus block) counts as
 *       one with empty external labels, resolution 0.
 *   <li>Compact: per group ({@link Grouper}) plan ({@link Planner}), download the sources, merge
 *       ({@link BlockMerger}), upload the new block, then mark the sources for deletion (upload
 *       first: a crash in between leaves a duplicate that the next sync removes); repeat until
 *       the planner finds nothing. A group with overlapping blocks and no replica labels halts:
 *       it is logged, counted in {@code hypnos_compact_halted}, and skipped; other groups go on.
 *       Each downloaded source is checked first ({@link BlockVerifier}); a block with
 *       out-of-order chunks or corrupt files gets a {@code no-compact-mark.json} (with the Thanos
 *       reason), is logged, and the group is planned again without it. Any other failure of a
 *       group is logged and recorded in {@link Result#failures()}; the other groups go on.
 *   <li>Downsample: raw blocks of at least 40h whose sources no 5m block covers yet become 5m
 *       blocks; 5m blocks of at least 10 days likewise become 1h blocks (no-downsample-marked and
 *       halted-group blocks skipped). Each downloaded candidate is checked first ({@link
 *       BlockVerifier}); one with corrupt files or overlapping chunks gets a {@code
 *       no-downsample-mark.json} and is logged, instead of failing again every iteration.
 *   <li>Retention marks expired blocks; the cleaner deletes marked blocks past the delete delay
 *       (also those whose deletion was interrupted, left without meta.json) and old partial
 *       uploads. This step runs even when a group halted or failed.
 * </ol>
 *
 * <p>Stopping: the {@code stopRequested} supplier is polled between steps and between series of a
 * merge or downsampling; once it answers true, the iteration ends at the next such point: a merge
 * in progress is dropped before anything is uploaded, an upload in progress is finished together
 * with its source marks, and nothing else starts (retention and deletion included).
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
   * @param markedNoCompact blocks given a no-compact mark (out-of-order chunks, corrupt files)
   * @param markedNoDownsample downsampling candidates given a no-downsample mark (overlapping
   *     chunks, corrupt files)
   * @param failures what failed (a group's compaction, a block's downsampling, retention or
   *     deletion), one message each; the rest of the iteration went on
   * @param stopped true when the iteration ended early on a stop request
   */
  public record Result(List<BlockMeta> compacted, List<BlockMeta> downsampled, List<BlockId> markedForDeletion,
      List<BlockId> deleted, List<String> haltedGroups, List<BlockId> markedNoCompact,
      List<BlockId> markedNoDownsample, List<String> failures, boolean stopped) {
    public Result {
      compacted = List.copyOf(compacted);
      downsampled = List.copyOf(downsampled);
      markedForDeletion = List.copyOf(markedForDeletion);
      deleted = List.copyOf(deleted);
      haltedGroups = List.copyOf(haltedGroups);
      markedNoCompact = List.copyOf(markedNoCompact);
      markedNoDownsample = List.copyOf(markedNoDownsample);
      failures = List.copyOf(failures);
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
  private final BooleanSupplier stopRequested;

  public Compactor(Bucket bucket, InstantSource clock, RandomGenerator random, Options options, CompactorMetrics metrics) {
    this(bucket, clock, random, options, metrics, () -> false);
  }

  /**
   * @param stopRequested polled between steps; true ends the iteration at the next safe point
   */
  public Compactor(Bucket bucket, InstantSource clock, RandomGenerator random, Options options, CompactorMetrics metrics,
      BooleanSupplier stopRequested) {
    this.stopRequested = Objects.requireNonNull(stopRequested, "stopRequested");
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
    /** Blocks without meta.json that carry a deletion mark: an interrupted deletion. */
    final List<BlockId> partialMarked = new ArrayList<>();
    /** Blocks open to compaction and downsampling. */
    final Map<BlockId, BlockMeta> active = new LinkedHashMap<>();
  }

  private State sync(Instant now, List<BlockId> markedNow) throws IOException {
    State s = new State();
    Duration ignoreMarkedAfter = options.cleaner().deleteDelay().dividedBy(2);
    for (BlockId id : BucketBlocks.list(bucket)) {
      String key = id + "/" + BucketBlocks.META;
      byte[] json;
      try (InputStream in = bucket.get(key)) {
        json = in.readAllBytes();
      } catch (ObjectNotFoundException e) {
        s.partial.add(id);
        if (BucketBlocks.isMarkedForDeletion(bucket, id)) {
          s.partialMarked.add(id);
        }
        continue;
      }
      BlockMeta m;
      try {
        m = BlockMetaJson.parse(json, bucket.name() + ":" + key);
        if (!m.ulid().equals(id)) {
          throw new IOException("it names another block, " + m.ulid());
        }
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.WARNING, "block " + id + " skipped: its meta.json is not valid: " + e.getMessage());
        continue;
      }
      s.all.put(id, m);
      Instant markedAt = deletionTime(id);
      if (markedAt != null) {
        s.marked.add(id);
        if (Duration.between(markedAt, now).compareTo(ignoreMarkedAfter) > 0) {
          continue;
        }
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
            s.active.remove(m.ulid());
            if (s.marked.add(m.ulid())) {
              LOG.log(Level.INFO, "block " + m.ulid() + " is covered by block " + o.ulid() + "; marking it for deletion");
              Marks.markForDeletion(bucket, m.ulid(), now, "sources covered by block " + o.ulid());
              markedNow.add(m.ulid());
            }
            break;
          }
        }
      }
    }
    return s;
  }

  /** The time of a block's deletion mark, null without one; an unreadable mark counts as made now. */
  private @Nullable Instant deletionTime(BlockId id) throws IOException {
    try {
      return Marks.deletionTime(bucket, id);
    } catch (ObjectNotFoundException e) {
      return null;
    } catch (IOException e) {
      if (!bucket.exists(id + "/" + BucketBlocks.DELETION_MARK)) {
        return null;
      }
      LOG.log(Level.WARNING, "block " + id + ": deletion mark unreadable, taken as made now: " + e.getMessage());
      return clock.instant();
    }
  }

  private static Set<BlockId> sources(BlockMeta m) {
    return m.compaction().sources().isEmpty() ? Set.of(m.ulid()) : new HashSet<>(m.compaction().sources());
  }

  /**
   * Runs one iteration.
   *
   * @throws IOException when the bucket cannot be listed or read at the sync; failures of single
   *     groups, blocks, retention or deletion are in {@link Result#failures()} instead
   */
  public Result runOnce() throws IOException {
    Instant now = clock.instant();
    Progress p = new Progress();
    State s = sync(now, p.marked);
    Files.createDirectories(options.workDir());
    List<BlockGroup> groups = grouper.group(s.active.values());
    Map<String, List<String>> halted = new TreeMap<>();
    for (BlockGroup g : groups) {
      if (options.replicaLabels().isEmpty() && g.hasOverlaps()) {
        List<BlockMeta> ov = overlappingBlocks(g.metas());
        LOG.log(Level.ERROR, "compaction group " + g.key() + " " + g.labels() + " halted: overlapping blocks "
            + ov.stream().map(m -> m.ulid() + " [" + m.minTime() + ", " + m.maxTime() + ")").toList()
            + " and no replica label to deduplicate them; fix the bucket (or give --deduplication.replica-label)");
        halted.put(g.key(), ov.stream().map(m -> m.ulid().toString()).toList());
      }
    }
    Set<String> haltedKeys = halted.keySet();
    metrics.setHalted(halted);
    CompactorMetrics.Todo planned = todo(s, haltedKeys, now);
    metrics.setTodo(planned);
    LOG.log(Level.INFO, "compactor iteration: " + s.all.size() + " blocks, " + s.active.size() + " in view, "
        + groups.size() + " groups (" + haltedKeys.size() + " halted); planned: " + planned.totalCompactions()
        + " compactions, " + planned.totalDownsamplings() + " downsamplings, " + planned.deletionBlocks()
        + " deletions");
    for (BlockGroup g : groups) {
      if (stopRequested.getAsBoolean()) {
        p.stopped = true;
        break;
      }
      if (haltedKeys.contains(g.key())) {
        continue;
      }
      try {
        compactGroup(g, s, now, p);
      } catch (CancellationException e) {
        p.stopped = true;
      } catch (IOException | RuntimeException e) {
        String msg = "compact group " + g.key() + " " + g.labels() + ": " + e.getMessage();
        LOG.log(Level.ERROR, msg + "; the other groups go on", e);
        p.failures.add(msg);
      } finally {
        deleteQuietly(options.workDir().resolve(g.key().replace('@', '-')));
      }
    }
    if (options.downsampling() && !p.stopped) {
      downsample(s, haltedKeys, p);
    }
    // Retention and cleanup run whatever happened above, unless a stop was requested.
    if (!p.stopped && !stopRequested.getAsBoolean()) {
      try {
        List<BlockMeta> live = new ArrayList<>();
        for (BlockMeta m : s.all.values()) {
          if (!s.marked.contains(m.ulid())) {
            live.add(m);
          }
        }
        List<BlockId> expired = options.retention().apply(bucket, live, s.marked, now);
        for (BlockId id : expired) {
          BlockMeta m = s.all.get(id);
          LOG.log(Level.INFO, "block " + id + " [" + m.minTime() + ", " + m.maxTime() + ") of resolution "
              + m.resolution() + " ms exceeds its retention of " + options.retention().of(m.resolution())
              + "; marked for deletion");
        }
        p.marked.addAll(expired);
        s.marked.addAll(expired);
        expired.forEach(s.active::remove);
      } catch (IOException | RuntimeException e) {
        p.failures.add("apply retention: " + e.getMessage());
        LOG.log(Level.ERROR, "apply retention: " + e.getMessage(), e);
      }
      try {
        TreeSet<BlockId> toDelete = new TreeSet<>(s.marked);
        toDelete.addAll(s.partialMarked);
        for (BlockId id : options.cleaner().deleteMarked(bucket, List.copyOf(toDelete), now)) {
          LOG.log(Level.INFO, "deleted block " + id + ": its deletion mark is older than the delete delay of "
              + options.cleaner().deleteDelay());
          p.deleted.add(id);
        }
        List<BlockId> unmarkedPartial = new ArrayList<>(s.partial);
        unmarkedPartial.removeAll(s.partialMarked);
        for (BlockId id : options.cleaner().deletePartial(bucket, unmarkedPartial, now)) {
          LOG.log(Level.INFO, "deleted partial upload " + id + ": no meta.json, and older than "
              + options.cleaner().partialAge());
          p.deleted.add(id);
        }
      } catch (IOException | RuntimeException e) {
        p.failures.add("delete blocks: " + e.getMessage());
        LOG.log(Level.ERROR, "delete blocks: " + e.getMessage(), e);
      } finally {
        for (BlockId id : p.deleted) {
          s.all.remove(id);
          s.active.remove(id);
          s.marked.remove(id);
          s.partial.remove(id);
          s.partialMarked.remove(id);
        }
      }
    } else {
      p.stopped = true;
    }
    CompactorMetrics.Todo left = todo(s, haltedKeys, now);
    metrics.setTodo(left);
    metrics.recordIteration(p.compacted.size(), p.downsampled.size(), p.deleted.size(), !p.failures.isEmpty());
    LOG.log(Level.INFO, "compactor iteration " + (p.stopped ? "stopped" : "done") + ": compacted "
        + p.compacted.size() + ", downsampled " + p.downsampled.size() + ", marked for deletion " + p.marked.size()
        + ", deleted " + p.deleted.size() + ", failures " + p.failures.size() + "; left: " + left.totalCompactions()
        + " compactions, " + left.totalDownsamplings() + " downsamplings, " + left.deletionBlocks() + " deletions");
    return new Result(p.compacted, p.downsampled, p.marked, p.deleted, List.copyOf(haltedKeys), p.noCompact,
        p.noDownsample, p.failures, p.stopped);
  }

  /** Every block of a group (sorted by minTime) whose time range overlaps another's. */
  static List<BlockMeta> overlappingBlocks(List<BlockMeta> metasByMinTime) {
    List<BlockMeta> out = new ArrayList<>();
    for (int i = 0; i < metasByMinTime.size(); i++) {
      BlockMeta a = metasByMinTime.get(i);
      for (int j = 0; j < metasByMinTime.size(); j++) {
        BlockMeta b = metasByMinTime.get(j);
        if (i != j && a.minTime() < b.maxTime() && b.minTime() < a.maxTime()) {
          out.add(a);
          break;
        }
      }
    }
    return out;
  }

  /**
   * The work the bucket holds for the compactor as of {@code s}: the planner run over each group
   * that is not halted, replacing each plan by the block it would make, until it finds nothing;
   * the downsampling candidates; and the blocks to delete.
   */
  private CompactorMetrics.Todo todo(State s, Set<String> haltedKeys, Instant now) {
    Map<String, Integer> compactions = new HashMap<>();
    Map<String, Integer> blocks = new HashMap<>();
    java.util.SplittableRandom ids = new java.util.SplittableRandom(0);
    for (BlockGroup g : grouper.group(s.active.values())) {
      if (haltedKeys.contains(g.key()) || (options.replicaLabels().isEmpty() && g.hasOverlaps())) {
        continue;
      }
      List<BlockMeta> metas = new ArrayList<>(g.metas());
      int n = 0;
      int b = 0;
      for (int guard = 0; guard < 100_000; guard++) {
        List<BlockMeta> plan = planner.plan(metas, s.noCompact);
        if (plan.isEmpty()) {
          break;
        }
        n++;
        b += plan.size();
        metas.removeAll(plan);
        metas.add(wouldMake(plan, ids));
        metas.sort(java.util.Comparator.comparingLong(BlockMeta::minTime).thenComparing(BlockMeta::ulid));
      }
      compactions.put(g.key(), n);
      blocks.put(g.key(), b);
    }
    Map<String, Integer> downsamplings = new HashMap<>();
    for (long from : new long[] {Downsampler.RES_RAW, Downsampler.RES_5M}) {
      Set<BlockId> covered = coveredAt(s, Downsampler.nextResolution(from));
      for (BlockMeta m : s.active.values()) {
        if (downsampleCandidate(m, from, covered, s, haltedKeys)) {
          downsamplings.merge(grouper.keyOf(m), 1, Integer::sum);
        }
      }
    }
    Set<BlockId> deletions = new HashSet<>(s.marked);
    deletions.addAll(s.partialMarked);
    for (BlockId id : s.partial) {
      if (now.toEpochMilli() - id.timestamp() > options.cleaner().partialAge().toMillis()) {
        deletions.add(id);
      }
    }
    for (BlockMeta m : s.all.values()) {
      if (options.retention().expired(m, now)) {
        deletions.add(m.ulid());
      }
    }
    return new CompactorMetrics.Todo(CompactorMetrics.positive(compactions), CompactorMetrics.positive(blocks),
        CompactorMetrics.positive(downsamplings), deletions.size());
  }

  /** A stand-in for the block a compaction of {@code plan} would make, for planning ahead. */
  private static BlockMeta wouldMake(List<BlockMeta> plan, RandomGenerator ids) {
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    long ulidTime = 0;
    int level = 0;
    Set<BlockId> srcs = new TreeSet<>();
    for (BlockMeta m : plan) {
      min = Math.min(min, m.minTime());
      max = Math.max(max, m.maxTime());
      ulidTime = Math.max(ulidTime, m.ulid().timestamp());
      level = Math.max(level, m.compaction().level());
      srcs.addAll(sources(m));
    }
    return new BlockMeta(BlockId.of(ulidTime, ids), min, max, null,
        new BlockMeta.Compaction(level + 1, List.copyOf(srcs), false, List.of(), false, List.of()), 1,
        plan.get(0).thanos());
  }

  /** Sources of the blocks of resolution {@code to} that are not marked for deletion. */
  private static Set<BlockId> coveredAt(State s, long to) {
    Set<BlockId> covered = new HashSet<>();
    for (BlockMeta m : s.all.values()) {
      if (m.resolution() == to && !s.marked.contains(m.ulid())) {
        covered.addAll(sources(m));
      }
    }
    return covered;
  }

  private boolean downsampleCandidate(BlockMeta m, long from, Set<BlockId> covered, State s, Set<String> haltedKeys) {
    return m.resolution() == from && !s.noDownsample.contains(m.ulid()) && !haltedKeys.contains(grouper.keyOf(m))
        && Downsampler.longEnough(m) && !covered.containsAll(sources(m));
  }

  /** What an iteration has done so far. */
  private static final class Progress {
    final List<BlockMeta> compacted = new ArrayList<>();
    final List<BlockMeta> downsampled = new ArrayList<>();
    final List<BlockId> marked = new ArrayList<>();
    final List<BlockId> deleted = new ArrayList<>();
    final List<BlockId> noCompact = new ArrayList<>();
    final List<BlockId> noDownsample = new ArrayList<>();
    final List<String> failures = new ArrayList<>();
    boolean stopped;
  }

  private void checkStop() {
    if (stopRequested.getAsBoolean()) {
      throw new CancellationException("stop requested");
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      IoUtil.deleteTree(dir);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "delete scratch directory " + dir + ": " + e.getMessage());
    }
  }

  private void compactGroup(BlockGroup group, State s, Instant now, Progress p) throws IOException {
    List<BlockMeta> metas = new ArrayList<>(group.metas());
    while (true) {
      checkStop();
      List<BlockMeta> plan = planner.plan(metas, s.noCompact);
      if (plan.isEmpty()) {
        return;
      }
      LOG.log(Level.INFO, "compacting " + plan.size() + " blocks " + plan.stream().map(BlockMeta::ulid).toList()
          + " of group " + group.key() + " into [" + plan.get(0).minTime() + ", "
          + plan.stream().mapToLong(BlockMeta::maxTime).max().orElseThrow() + ")");
      Path dir = options.workDir().resolve(group.key().replace('@', '-'));
      IoUtil.deleteTree(dir);
      Path src = Files.createDirectories(dir.resolve("sources"));
      Path out = Files.createDirectories(dir.resolve("out"));
      BlockMerger.Result r;
      List<BlockReader> readers = new ArrayList<>();
      try {
        // Check every source before merging; bad ones are marked and the group planned again.
        Map<BlockId, BlockVerifier.Problem> bad = new LinkedHashMap<>();
        for (BlockMeta m : plan) {
          checkStop();
          Path local = BucketBlocks.download(bucket, m.ulid(), src);
          try {
            BlockReader b = BlockReader.open(local);
            readers.add(b);
            BlockVerifier.Problem problem = BlockVerifier.check(b);
            if (problem != null) {
              bad.put(m.ulid(), problem);
            }
          } catch (CorruptBlockException e) {
            bad.put(m.ulid(), new BlockVerifier.Problem(Marks.REASON_CORRUPTED, e.getMessage()));
          }
        }
        if (!bad.isEmpty()) {
          markNoCompact(group, bad, s, now, p);
          continue;
        }
        try {
          r = merger.merge(readers, out, stopRequested);
        } catch (IOException e) {
          CorruptBlockException c = corruption(e);
          BlockMeta culprit = c == null ? null
              : plan.stream().filter(m -> c.block().equals(m.ulid().toString())).findFirst().orElse(null);
          if (culprit == null) {
            throw e;
          }
          markNoCompact(group, Map.of(culprit.ulid(), new BlockVerifier.Problem(Marks.REASON_CORRUPTED, c.getMessage())),
              s, now, p);
          continue;
        }
      } finally {
        IoUtil.closeAll(readers);
      }
      checkStop();
      BlockMeta made = r.meta();
      BlockUploader.upload(bucket, r.dir());
      // Uploaded first: a crash before the marks leaves a covered duplicate, removed by the next sync.
      for (BlockMeta m : plan) {
        if (s.marked.add(m.ulid())) {
          Marks.markForDeletion(bucket, m.ulid(), now, "source of compacted block " + made.ulid());
          p.marked.add(m.ulid());
        }
        s.active.remove(m.ulid());
      }
      IoUtil.deleteTree(dir);
      s.active.put(made.ulid(), made);
      s.all.put(made.ulid(), made);
      p.compacted.add(made);
      metas.removeAll(plan);
      metas.add(made);
      metas.sort(java.util.Comparator.comparingLong(BlockMeta::minTime).thenComparing(BlockMeta::ulid));
      LOG.log(Level.INFO, "compacted " + plan.stream().map(BlockMeta::ulid).toList() + " of group " + group.key()
          + " into " + made.ulid());
    }
  }

  private void markNoCompact(BlockGroup group, Map<BlockId, BlockVerifier.Problem> bad, State s, Instant now,
      Progress p) throws IOException {
    for (Map.Entry<BlockId, BlockVerifier.Problem> e : bad.entrySet()) {
      BlockVerifier.Problem pr = e.getValue();
      LOG.log(Level.WARNING, "block " + e.getKey() + " of compaction group " + group.key() + " marked no-compact ("
          + pr.reason() + ") and left out of compaction: " + pr.details());
      Marks.markNoCompact(bucket, e.getKey(), now, pr.reason(), pr.details());
      s.noCompact.add(e.getKey());
      p.noCompact.add(e.getKey());
    }
  }

  /**
   * What makes a block impossible to downsample, found in the cause chain of a downsampling
   * failure: corrupt files of that block, or overlapping chunks; null for anything else (a bucket
   * read failure, say), which may pass and is tried again next iteration.
   */
  private static BlockVerifier.@Nullable Problem downsamplingProblem(Throwable t, BlockId block) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof CorruptBlockException cb && cb.block().equals(block.toString())) {
        return new BlockVerifier.Problem(Marks.REASON_CORRUPTED, cb.getMessage());
      }
      if (c instanceof Downsampler.OverlappingChunksException) {
        return new BlockVerifier.Problem(Marks.REASON_OUT_OF_ORDER_CHUNKS, t.getMessage());
      }
    }
    return null;
  }

  private void markNoDownsample(BlockId id, long to, BlockVerifier.Problem problem, State s, Progress p)
      throws IOException {
    LOG.log(Level.WARNING, "block " + id + " marked no-downsample (" + problem.reason() + ") and left out of"
        + " downsampling to " + to + " ms: " + problem.details());
    Marks.markNoDownsample(bucket, id, clock.instant(), problem.reason(), problem.details());
    s.noDownsample.add(id);
    p.noDownsample.add(id);
  }

  /** The corruption behind an exception, if any, searching the cause chain. */
  private static @Nullable CorruptBlockException corruption(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof CorruptBlockException cb) {
        return cb;
      }
    }
    return null;
  }

  private void downsample(State s, Set<String> haltedKeys, Progress p) {
    for (long from : new long[] {Downsampler.RES_RAW, Downsampler.RES_5M}) {
      long to = Downsampler.nextResolution(from);
      // Sources already covered at the target resolution.
      Set<BlockId> covered = coveredAt(s, to);
      for (BlockMeta m : List.copyOf(s.active.values())) {
        if (!downsampleCandidate(m, from, covered, s, haltedKeys)) {
          continue;
        }
        if (stopRequested.getAsBoolean()) {
          p.stopped = true;
          return;
        }
        LOG.log(Level.INFO, "downsampling block " + m.ulid() + " [" + m.minTime() + ", " + m.maxTime() + ") of group "
            + grouper.keyOf(m) + " from " + from + " ms to " + to + " ms");
        Path dir = options.workDir().resolve("downsample-" + m.ulid());
        try {
          IoUtil.deleteTree(dir);
          Path src = Files.createDirectories(dir.resolve("source"));
          Path out = Files.createDirectories(dir.resolve("out"));
          BlockMerger.Result r;
          Path local = BucketBlocks.download(bucket, m.ulid(), src);
          try (BlockReader b = BlockReader.open(local)) {
            BlockVerifier.Problem problem = BlockVerifier.check(b);
            if (problem != null) {
              markNoDownsample(m.ulid(), to, problem, s, p);
              continue;
            }
            r = downsampler.downsample(b, to, out, stopRequested);
          }
          checkStop();
          BlockUploader.upload(bucket, r.dir());
          covered.addAll(sources(r.meta()));
          s.all.put(r.meta().ulid(), r.meta());
          s.active.put(r.meta().ulid(), r.meta());
          p.downsampled.add(r.meta());
          LOG.log(Level.INFO, "downsampled block " + m.ulid() + " to " + to + " ms as " + r.meta().ulid());
        } catch (CancellationException e) {
          p.stopped = true;
          return;
        } catch (IOException | RuntimeException e) {
          BlockVerifier.Problem problem = downsamplingProblem(e, m.ulid());
          if (problem != null) {
            try {
              markNoDownsample(m.ulid(), to, problem, s, p);
              continue;
            } catch (IOException markFailure) {
              e.addSuppressed(markFailure);
            }
          }
          String msg = "downsample block " + m.ulid() + " to " + to + " ms: " + e.getMessage();
          LOG.log(Level.ERROR, msg + "; the other blocks go on", e);
          p.failures.add(msg);
        } finally {
          deleteQuietly(dir);
        }
      }
    }
  }
}
