package dev.hypnos.compactor;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockQuerier;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BlockWriter;
import dev.hypnos.core.dedup.DedupSeriesSet;
import dev.hypnos.core.storage.MergeSeriesSet;
import dev.hypnos.core.storage.Series;
import dev.hypnos.core.storage.SeriesSet;
import dev.hypnos.core.util.IoUtil;
import java.io.IOException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Merges source blocks into one new block, as a compaction does.
 *
 * <p>Series with equal labels across the sources become one series; their samples are merged by
 * timestamp, the earlier block (by {@code minTime}) winning on equal timestamps (Prometheus's chained
 * merge). Samples are re-encoded into XOR chunks of at most 120 samples; tombstoned samples and
 * samples outside a source's own time range are dropped. Overlapping sources are thus merged
 * vertically.
 *
 * <p>With replica labels, sources whose Thanos external labels differ only in those labels are
 * replicas of one another: the blocks of each replica are chained, then the replicas are
 * deduplicated with the penalty algorithm (without counter correction: stored values are never
 * changed) or the chain algorithm. The new block's external labels lack the replica labels. Series
 * labels are kept as they are (replica labels are external labels in Thanos).
 *
 * <p>The new meta: {@code level} = highest source level + 1, {@code sources} = union of the
 * sources' sources (sorted), {@code parents} = the sources (ulid, minTime, maxTime) in time order,
 * time range = [lowest minTime, highest maxTime). External labels must be equal across the sources
 * (after removing replica labels); only raw (resolution 0) blocks are supported.
 *
 * <p>Concurrency: an instance holds no state between merges; safe to share if the random source is.
 */
public final class BlockMerger {
  /** Source string for the Thanos section of merged blocks. */
  public static final String SOURCE = "compactor";

  /**
   * @param replicaLabels external label names that tell replicas apart, empty for none
   * @param dedup how replicas are merged when replica labels are given
   * @param writer block writer options
   */
  public record Options(List<String> replicaLabels, DedupSeriesSet.Algorithm dedup, BlockWriter.Options writer) {
    public static final Options DEFAULT = new Options(List.of(), DedupSeriesSet.Algorithm.PENALTY, BlockWriter.Options.DEFAULT);

    public Options {
      replicaLabels = List.copyOf(replicaLabels);
      Objects.requireNonNull(dedup, "dedup");
      Objects.requireNonNull(writer, "writer");
    }
  }

  /** A merged block: its directory and meta. */
  public record Result(Path dir, BlockMeta meta) {}

  private final InstantSource clock;
  private final RandomGenerator random;
  private final Options options;

  public BlockMerger(InstantSource clock, RandomGenerator random, Options options) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
    this.options = Objects.requireNonNull(options, "options");
  }

  /** Merges {@code sources} (at least one) into a new block under {@code outDir}. */
  public Result merge(List<BlockReader> sources, Path outDir) throws IOException {
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("merge blocks into " + outDir + ": no source blocks given");
    }
    List<BlockReader> sorted = new ArrayList<>(sources);
    sorted.sort(Comparator.comparingLong((BlockReader b) -> b.meta().minTime()).thenComparing(BlockReader::id));
    String names = describe(sorted);

    // External labels and resolution.
    Map<String, String> external = null;
    boolean anyThanos = false;
    for (BlockReader b : sorted) {
      BlockMeta.Thanos t = b.meta().thanos();
      if (b.meta().resolution() != 0) {
        throw new IllegalArgumentException("merge blocks " + names + ": block " + b.id() + " has resolution "
            + b.meta().resolution() + " ms; only raw blocks can be merged");
      }
      Map<String, String> labels = t == null ? Map.of() : withoutReplicas(t.labels());
      anyThanos |= t != null;
      if (external == null) {
        external = labels;
      } else if (!external.equals(labels)) {
        throw new IllegalArgumentException("merge blocks " + names + ": external labels differ, "
            + sorted.get(0).id() + " has " + external + " but " + b.id() + " has " + labels
            + (options.replicaLabels().isEmpty() ? "" : " (replica labels " + options.replicaLabels() + " ignored)"));
      }
    }

    // Meta of the result.
    int level = 0;
    long minTime = Long.MAX_VALUE;
    long maxTime = Long.MIN_VALUE;
    TreeSet<BlockId> srcIds = new TreeSet<>();
    List<BlockMeta.BlockDesc> parents = new ArrayList<>();
    for (BlockReader b : sorted) {
      BlockMeta m = b.meta();
      level = Math.max(level, m.compaction().level());
      minTime = Math.min(minTime, m.minTime());
      maxTime = Math.max(maxTime, m.maxTime());
      if (m.compaction().sources().isEmpty()) {
        srcIds.add(m.ulid());
      } else {
        srcIds.addAll(m.compaction().sources());
      }
      parents.add(new BlockMeta.BlockDesc(m.ulid(), m.minTime(), m.maxTime()));
    }
    BlockMeta.Compaction compaction =
        new BlockMeta.Compaction(level + 1, List.copyOf(srcIds), false, parents, false, List.of());
    BlockMeta.@Nullable Thanos thanos = anyThanos ? BlockMeta.Thanos.of(external, 0, SOURCE) : null;

    BlockId id = BlockId.generate(clock, random);
    List<SeriesSet> opened = new ArrayList<>();
    try (BlockWriter w = BlockWriter.create(outDir, id, options.writer())) {
      SeriesSet merged;
      try {
        merged = open(sorted, opened);
      } catch (IOException | RuntimeException e) {
        closeQuietly(opened, e);
        throw e;
      }
      try (SeriesSet set = merged) {
        w.addAll(set);
      } catch (IOException | RuntimeException e) {
        throw new IOException("merge blocks " + names + " into " + id + ": " + e.getMessage(), e);
      }
      BlockMeta meta = w.commit(minTime, maxTime, compaction, thanos);
      return new Result(w.finalDir(), meta);
    }
  }

  private SeriesSet open(List<BlockReader> sorted, List<SeriesSet> opened) throws IOException {
    // Group by replica: the full external labels tell replicas apart.
    LinkedHashMap<Map<String, String>, List<SeriesSet>> groups = new LinkedHashMap<>();
    for (BlockReader b : sorted) {
      BlockMeta.Thanos t = b.meta().thanos();
      Map<String, String> key = options.replicaLabels().isEmpty() || t == null ? Map.of() : new TreeMap<>(t.labels());
      SeriesSet s = BlockQuerier.select(b, List.of(), b.meta().minTime(), b.meta().maxTime() - 1);
      opened.add(s);
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
    }
    List<SeriesSet> perReplica = new ArrayList<>(groups.size());
    for (List<SeriesSet> g : groups.values()) {
      perReplica.add(g.size() == 1 ? g.get(0) : new MergeSeriesSet(g));
    }
    if (perReplica.size() == 1) {
      return perReplica.get(0);
    }
    if (options.dedup() == DedupSeriesSet.Algorithm.CHAIN) {
      return new MergeSeriesSet(perReplica);
    }
    return new DedupSeriesSet(new UnionSeriesSet(perReplica), DedupSeriesSet.Algorithm.PENALTY, "");
  }

  private Map<String, String> withoutReplicas(Map<String, String> labels) {
    TreeMap<String, String> out = new TreeMap<>(labels);
    for (String r : options.replicaLabels()) {
      out.remove(r);
    }
    return out;
  }

  private static String describe(List<BlockReader> blocks) {
    StringBuilder sb = new StringBuilder("[");
    for (BlockReader b : blocks) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append(b.id());
    }
    return sb.append(']').toString();
  }

  private static void closeQuietly(List<SeriesSet> sets, Throwable primary) {
    try {
      IoUtil.closeAll(sets);
    } catch (IOException e) {
      primary.addSuppressed(e);
    }
  }

  /**
   * The series of several sorted sets in one sorted sequence, keeping equal label sets apart (in
   * input order), for a deduplication that looks at consecutive equal series.
   */
  static final class UnionSeriesSet implements SeriesSet {
    private final List<SeriesSet> inputs;
    private final PriorityQueue<Head> heap = new PriorityQueue<>((a, b) -> {
      int c = a.series.labels().compareTo(b.series.labels());
      return c != 0 ? c : Integer.compare(a.index, b.index);
    });
    private @Nullable Head pending;
    private boolean started;
    private @Nullable Series current;

    private static final class Head {
      final SeriesSet set;
      final int index;
      Series series;

      Head(SeriesSet set, int index, Series series) {
        this.set = set;
        this.index = index;
        this.series = series;
      }
    }

    UnionSeriesSet(List<SeriesSet> inputs) {
      this.inputs = List.copyOf(inputs);
    }

    @Override
    public boolean next() throws IOException {
      if (!started) {
        started = true;
        for (int i = 0; i < inputs.size(); i++) {
          if (inputs.get(i).next()) {
            heap.add(new Head(inputs.get(i), i, inputs.get(i).at()));
          }
        }
      }
      Head p = pending;
      if (p != null && p.set.next()) {
        p.series = p.set.at();
        heap.add(p);
      }
      pending = heap.poll();
      Head h = pending;
      current = h == null ? null : h.series;
      return h != null;
    }

    @Override
    public Series at() {
      Series c = current;
      if (c == null) {
        throw new IllegalStateException("no current series");
      }
      return c;
    }

    @Override
    public void close() throws IOException {
      IoUtil.closeAll(inputs);
    }
  }
}
