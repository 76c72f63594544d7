package dev.hypnos.compactor;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockQuerier;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BlockWriter;
import dev.hypnos.core.block.RawChunk;
import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.chunk.XorIterator;
import dev.hypnos.core.dedup.DedupSeriesSet;
import dev.hypnos.core.index.Postings;
import dev.hypnos.core.index.SeriesBuilder;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.storage.ChainIterator;
import dev.hypnos.core.storage.MergeSeriesSet;
import dev.hypnos.core.storage.Series;
import dev.hypnos.core.storage.SeriesSet;
import dev.hypnos.core.util.IoUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Merges source blocks into one new block, as a compaction does.
 *
 * <p>Series with equal labels across the sources become one series; their samples are merged by
 * timestamp, the earlier block (by {@code minTime}) winning on equal timestamps (Prometheus's chained
 * merge). Where the chunks of a series do not overlap (consecutive blocks) and no tombstone or
 * block boundary cuts them, they are copied unchanged, as Prometheus's compaction does; otherwise
 * the samples are re-encoded into XOR chunks of at most 120 samples, tombstoned samples and samples
 * outside a source's own time range being dropped. Overlapping sources are thus merged vertically.
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
 * (after removing replica labels); a source without a Thanos section counts as one without
 * external labels, and the new block always gets a section. Only raw (resolution 0) blocks are
 * supported.
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
    return merge(sources, outDir, () -> false);
  }

  /**
   * Like {@link #merge(List, Path)}, polling {@code cancelled} between series: once it answers
   * true the unfinished block is removed and {@link java.util.concurrent.CancellationException} is
   * thrown.
   */
  public Result merge(List<BlockReader> sources, Path outDir, BooleanSupplier cancelled) throws IOException {
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("merge blocks into " + outDir + ": no source blocks given");
    }
    List<BlockReader> sorted = new ArrayList<>(sources);
    sorted.sort(Comparator.comparingLong((BlockReader b) -> b.meta().minTime()).thenComparing(BlockReader::id));
    String names = describe(sorted);

    // External labels and resolution.
    Map<String, String> external = null;
    for (BlockReader b : sorted) {
      BlockMeta.Thanos t = b.meta().thanos();
      if (b.meta().resolution() != 0) {
        throw new IllegalArgumentException("merge blocks " + names + ": block " + b.id() + " has resolution "
            + b.meta().resolution() + " ms; only raw blocks can be merged");
      }
      Map<String, String> labels = t == null ? Map.of() : withoutReplicas(t.labels());
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
    // A source without a Thanos section (a plain Prometheus block) counts as one with no external
    // labels; the new block always gets a section, which the upload needs.
    BlockMeta.Thanos thanos = BlockMeta.Thanos.of(external == null ? Map.of() : external, 0, SOURCE);

    BlockId id = BlockId.generate(clock, random);
    boolean replicas = false;
    if (!options.replicaLabels().isEmpty()) {
      BlockMeta.Thanos first = sorted.get(0).meta().thanos();
      for (BlockReader b : sorted) {
        BlockMeta.Thanos t = b.meta().thanos();
        replicas |= !Objects.equals(first == null ? null : first.labels(), t == null ? null : t.labels());
      }
    }
    if (!replicas) {
      try (BlockWriter w = BlockWriter.create(outDir, id, options.writer())) {
        try {
          mergeChunks(sorted, w, cancelled);
        } catch (CancellationException e) {
          throw e;
        } catch (IOException | RuntimeException e) {
          throw new IOException("merge blocks " + names + " into " + id + ": " + e.getMessage(), e);
        }
        BlockMeta meta = w.commit(minTime, maxTime, compaction, thanos);
        return new Result(w.finalDir(), meta);
      }
    }
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
        while (set.next()) {
          if (cancelled.getAsBoolean()) {
            throw new CancellationException("merge blocks " + names + ": stop requested");
          }
          Series series = set.at();
          w.addSeries(series.labels(), series.iterator());
        }
      } catch (CancellationException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        throw new IOException("merge blocks " + names + " into " + id + ": " + e.getMessage(), e);
      }
      BlockMeta meta = w.commit(minTime, maxTime, compaction, thanos);
      return new Result(w.finalDir(), meta);
    }
  }

  /** One source block's series in index order, with the chunk metas of the current one. */
  private static final class Cursor {
    final BlockReader block;
    final int order;
    final Postings postings;
    final SeriesBuilder series = new SeriesBuilder();
    long ref;

    Cursor(BlockReader block, int order) throws IOException {
      this.block = block;
      this.order = order;
      this.postings = block.index().allPostings();
    }

    boolean next() throws IOException {
      if (!postings.next()) {
        return false;
      }
      ref = postings.at();
      block.index().series(ref, series);
      return true;
    }

    /** True when the series' chunks can be copied as they are: no tombstones, all within range. */
    boolean copyable() {
      if (!block.tombstones().get(ref).isEmpty()) {
        return false;
      }
      long min = block.meta().minTime();
      long max = block.meta().maxTime();
      for (int i = 0; i < series.chunkCount(); i++) {
        if (series.chunkMinTime(i) < min || series.chunkMaxTime(i) >= max) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * Merges series by labels across the sources at the chunk level: where the chunks of a series do
   * not overlap in time (consecutive blocks) they are copied unchanged, as Prometheus's compaction
   * does; otherwise the samples are merged and re-encoded.
   */
  private static void mergeChunks(List<BlockReader> sorted, BlockWriter w, BooleanSupplier cancelled)
      throws IOException {
    PriorityQueue<Cursor> heap = new PriorityQueue<>((a, b) -> {
      int c = a.series.labels().compareTo(b.series.labels());
      return c != 0 ? c : Integer.compare(a.order, b.order);
    });
    for (int i = 0; i < sorted.size(); i++) {
      Cursor c = new Cursor(sorted.get(i), i);
      if (c.next()) {
        heap.add(c);
      }
    }
    List<Cursor> group = new ArrayList<>();
    List<long[]> metas = new ArrayList<>(); // {minTime, maxTime, ref, cursor index in group}
    List<BlockWriter.Chunk> out = new ArrayList<>();
    while (!heap.isEmpty()) {
      if (cancelled.getAsBoolean()) {
        throw new CancellationException("merge stopped: stop requested");
      }
      group.clear();
      Cursor first = heap.poll();
      group.add(first);
      Labels labels = first.series.labels();
      while (!heap.isEmpty() && heap.peek().series.labels().equals(labels)) {
        group.add(heap.poll());
      }
      boolean copy = true;
      metas.clear();
      for (int g = 0; g < group.size() && copy; g++) {
        Cursor c = group.get(g);
        copy = c.copyable();
        for (int i = 0; i < c.series.chunkCount(); i++) {
          metas.add(new long[] {c.series.chunkMinTime(i), c.series.chunkMaxTime(i), c.series.chunkRef(i), g});
        }
      }
      if (copy) {
        metas.sort(Comparator.comparingLong((long[] m) -> m[0]));
        for (int i = 1; i < metas.size() && copy; i++) {
          copy = metas.get(i)[0] > metas.get(i - 1)[1];
        }
      }
      if (copy) {
        out.clear();
        for (long[] m : metas) {
          RawChunk raw = group.get((int) m[3]).block.chunk(m[2]);
          out.add(new BlockWriter.Chunk(m[0], m[1], raw));
        }
        w.addSeriesChunks(labels, out);
      } else {
        List<ChunkIterator> its = new ArrayList<>(group.size());
        for (Cursor c : group) {
          SeriesBuilder sb = c.series;
          boolean ordered = true;
          for (int i = 1; i < sb.chunkCount() && ordered; i++) {
            ordered = sb.chunkMinTime(i) > sb.chunkMaxTime(i - 1);
          }
          if (ordered) {
            its.add(new SourceSamples(c, 0, sb.chunkCount()));
          } else {
            // Chunks overlapping within one block: each is merged on its own.
            for (int i = 0; i < sb.chunkCount(); i++) {
              its.add(new SourceSamples(c, i, i + 1));
            }
          }
        }
        w.addSeries(labels, new ChainIterator(its.toArray(ChunkIterator[]::new)));
      }
      for (Cursor c : group) {
        if (c.next()) {
          heap.add(c);
        }
      }
    }
  }

  /**
   * The samples of some chunks of a cursor's current series within its block's range, tombstoned
   * ones removed. Chunk references are copied at construction, so the cursor may move on.
   */
  private static final class SourceSamples implements ChunkIterator {
    private final BlockReader block;
    private final long seriesRef;
    private final Labels labels;
    private final long[] refs;
    private final boolean tombstoned;
    private final XorIterator xor = new XorIterator();
    private int chunk = -1;
    private boolean inChunk;
    private boolean current;

    /** Samples of chunks {@code from} (inclusive) to {@code to} (exclusive) of the cursor's series. */
    SourceSamples(Cursor c, int from, int to) {
      this.block = c.block;
      this.seriesRef = c.ref;
      this.labels = c.series.labels();
      this.refs = new long[to - from];
      for (int i = 0; i < refs.length; i++) {
        refs[i] = c.series.chunkRef(from + i);
      }
      this.tombstoned = !block.tombstones().get(seriesRef).isEmpty();
    }

    @Override
    public boolean next() {
      long min = block.meta().minTime();
      long max = block.meta().maxTime();
      while (true) {
        if (!inChunk) {
          if (++chunk >= refs.length) {
            current = false;
            return false;
          }
          RawChunk raw;
          try {
            raw = block.chunk(refs[chunk]);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          if (raw.encoding() != RawChunk.ENC_XOR) {
            throw new UnsupportedOperationException("series " + labels + " in block " + block.id()
                + " has overlapping chunks with encoding " + (raw.encoding() & 0xFF)
                + "; only float (XOR) chunks can be merged sample by sample so far");
          }
          xor.reset(raw.data(), 0, raw.data().length);
          inChunk = true;
        }
        if (!xor.next()) {
          String err = xor.error();
          if (err != null) {
            throw new UncheckedIOException(new IOException("decode chunk " + refs[chunk] + " of series " + labels
                + " in block " + block.id() + ": " + err));
          }
          inChunk = false;
          continue;
        }
        long t = xor.timestamp();
        if (t < min || t >= max || (tombstoned && block.tombstones().isDeleted(seriesRef, t))) {
          continue;
        }
        current = true;
        return true;
      }
    }

    @Override
    public boolean hasCurrent() {
      return current;
    }

    @Override
    public long timestamp() {
      return xor.timestamp();
    }

    @Override
    public double value() {
      return xor.value();
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
