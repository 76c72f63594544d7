package dev.hypnos.querier;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.chunk.CounterResetsIterator;
import dev.hypnos.core.chunk.Values;
import dev.hypnos.core.chunk.XorIterator;
import dev.hypnos.core.dedup.PenaltyDedupIterator;
import dev.hypnos.core.storage.ChainIterator;
import dev.hypnos.storeapi.Aggregate;
import dev.hypnos.storeapi.ChunkData;
import dev.hypnos.storeapi.StoreChunk;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Samples of a series received over the Store API: its chunks decoded one after another and
 * clipped to the query range. Chunks that overlap in time (copies from HA replicas merged by the
 * fan-out) are first dealt into non-overlapping "replicas" (Thanos's overlap split), which are
 * then merged by the penalty algorithm (dedup) or by timestamp (chain).
 *
 * <p>A chunk is read from its raw data when it has some, else from the downsampled aggregates the
 * select asked for ({@link Reading}), as Thanos's querier does: one aggregate is read as it is;
 * COUNT and SUM together as their average per point; COUNTER through {@link
 * CounterResetsIterator} over the whole replica, so that a counter keeps rising across chunks
 * (raw chunks included). The {@link Downsampling.View} of {@link DownsampledRewrite} reads raw
 * samples as counts (1) or as themselves.
 */
final class StoreSeriesIterators {
  private StoreSeriesIterators() {}

  /**
   * How to read the chunks of one select.
   *
   * @param aggregates the aggregates asked for (see {@link Downsampling#aggregatesFor})
   * @param view the rewrite's view, or null for a plain select
   */
  record Reading(List<Aggregate> aggregates, Downsampling.@Nullable View view) {
    static final Reading RAW = new Reading(List.of(Aggregate.COUNT, Aggregate.SUM), null);

    Reading {
      aggregates = List.copyOf(aggregates);
    }

    boolean counter() {
      return aggregates.size() == 1 && aggregates.get(0) == Aggregate.COUNTER;
    }
  }

  static ChunkIterator of(List<StoreChunk> chunks, long minTime, long maxTime, boolean penalty, boolean counter) {
    return of(chunks, minTime, maxTime, penalty, counter, Reading.RAW);
  }

  static ChunkIterator of(List<StoreChunk> chunks, long minTime, long maxTime, boolean penalty, boolean counter,
      Reading reading) {
    List<StoreChunk> sorted = new ArrayList<>(chunks);
    sorted.sort(Comparator.comparingLong(StoreChunk::minTime).thenComparingLong(StoreChunk::maxTime));
    List<List<StoreChunk>> replicas = new ArrayList<>();
    for (StoreChunk c : sorted) {
      if (c.maxTime() < minTime || c.minTime() > maxTime) {
        continue;
      }
      List<StoreChunk> target = null;
      for (List<StoreChunk> r : replicas) {
        if (r.get(r.size() - 1).maxTime() < c.minTime()) {
          target = r;
          break;
        }
      }
      if (target == null) {
        target = new ArrayList<>();
        replicas.add(target);
      }
      target.add(c);
    }
    if (replicas.isEmpty()) {
      return ChunkIterator.EMPTY;
    }
    List<ChunkIterator> its = new ArrayList<>(replicas.size());
    for (List<StoreChunk> r : replicas) {
      its.add(new Bounded(replica(r, reading), minTime, maxTime));
    }
    if (its.size() == 1) {
      return its.get(0);
    }
    return penalty ? PenaltyDedupIterator.of(its, counter) : new ChainIterator(its.toArray(ChunkIterator[]::new));
  }

  /** One replica's chunks (non-overlapping, in time order) read as {@code reading} says. */
  private static ChunkIterator replica(List<StoreChunk> chunks, Reading reading) {
    boolean allRaw = true;
    for (StoreChunk c : chunks) {
      allRaw &= c.raw() != null;
    }
    if (allRaw && reading.view() != Downsampling.View.COUNT) {
      return new Sequential(chunks);
    }
    List<ChunkIterator> its = new ArrayList<>(chunks.size());
    for (StoreChunk c : chunks) {
      its.add(chunk(c, reading));
    }
    if (!allRaw && reading.view() == null && reading.counter()) {
      return new CounterResetsIterator(its);
    }
    return new Concat(its);
  }

  private static ChunkIterator chunk(StoreChunk c, Reading reading) {
    ChunkData raw = c.raw();
    if (raw != null) {
      if (raw.encoding() != ChunkData.Encoding.XOR) {
        return failed("chunk [" + c.minTime() + ", " + c.maxTime() + "] is not a raw float (XOR) chunk");
      }
      XorIterator it = new XorIterator().reset(raw.array(), raw.offset(), raw.length());
      return reading.view() == Downsampling.View.COUNT ? new Ones(it) : it;
    }
    List<Aggregate> aggrs = reading.aggregates();
    if (aggrs.size() == 1) {
      return part(c, aggrs.get(0));
    }
    if (aggrs.size() == 2 && aggrs.contains(Aggregate.COUNT) && aggrs.contains(Aggregate.SUM)) {
      ChunkIterator count = part(c, Aggregate.COUNT);
      ChunkIterator sum = part(c, Aggregate.SUM);
      return new Average(count, sum);
    }
    return failed("chunk [" + c.minTime() + ", " + c.maxTime() + "] is downsampled and the select asked for "
        + aggrs + ", which cannot be read as one value per point");
  }

  private static ChunkIterator part(StoreChunk c, Aggregate a) {
    ChunkData d = c.part(a);
    if (d == null) {
      return failed("chunk [" + c.minTime() + ", " + c.maxTime() + "] has neither raw data nor the "
          + a.name().toLowerCase(java.util.Locale.ROOT) + " aggregate asked for");
    }
    if (d.encoding() != ChunkData.Encoding.XOR) {
      return failed("chunk [" + c.minTime() + ", " + c.maxTime() + "]: " + a + " aggregate is encoded as "
          + d.encoding() + ", only float (XOR) aggregates are read");
    }
    return new XorIterator().reset(d.array(), d.offset(), d.length());
  }

  private static ChunkIterator failed(String error) {
    return new ChunkIterator() {
      @Override
      public boolean next() {
        return false;
      }

      @Override
      public boolean hasCurrent() {
        return false;
      }

      @Override
      public long timestamp() {
        throw new IllegalStateException(error);
      }

      @Override
      public double value() {
        throw new IllegalStateException(error);
      }

      @Override
      public String error() {
        return error;
      }
    };
  }

  /** Iterators one after another; stops at the first error. */
  private static final class Concat implements ChunkIterator {
    private final List<ChunkIterator> its;
    private int i;
    private boolean current;
    private @Nullable String error;

    Concat(List<ChunkIterator> its) {
      this.its = its;
    }

    @Override
    public boolean next() {
      while (i < its.size()) {
        ChunkIterator it = its.get(i);
        if (it.next()) {
          current = true;
          return true;
        }
        if (it.error() != null) {
          error = it.error();
          break;
        }
        i++;
      }
      i = its.size();
      current = false;
      return false;
    }

    @Override
    public boolean hasCurrent() {
      return current;
    }

    @Override
    public long timestamp() {
      return its.get(i).timestamp();
    }

    @Override
    public double value() {
      return its.get(i).value();
    }

    @Override
    public @Nullable String error() {
      return error;
    }
  }

  /** A raw sample counted as one; a stale marker stays a stale marker so it is not counted. */
  private static final class Ones implements ChunkIterator {
    private final ChunkIterator it;

    Ones(ChunkIterator it) {
      this.it = it;
    }

    @Override
    public boolean next() {
      return it.next();
    }

    @Override
    public boolean hasCurrent() {
      return it.hasCurrent();
    }

    @Override
    public long timestamp() {
      return it.timestamp();
    }

    @Override
    public double value() {
      double v = it.value();
      return Values.isStaleNaN(v) ? v : 1;
    }

    @Override
    public @Nullable String error() {
      return it.error();
    }
  }

  /** Sum over count at each point of two aggregate chunks sampled at the same times. */
  private static final class Average implements ChunkIterator {
    private final ChunkIterator count;
    private final ChunkIterator sum;
    private boolean current;
    private @Nullable String error;

    Average(ChunkIterator count, ChunkIterator sum) {
      this.count = count;
      this.sum = sum;
    }

    @Override
    public boolean next() {
      if (error != null) {
        return false;
      }
      boolean c = count.next();
      boolean s = sum.next();
      if (c && s && count.timestamp() == sum.timestamp()) {
        current = true;
        return true;
      }
      current = false;
      if (count.error() != null) {
        error = count.error();
      } else if (sum.error() != null) {
        error = sum.error();
      } else if (c || s) {
        error = "count and sum aggregates of a downsampled chunk disagree on their timestamps or lengths";
      }
      return false;
    }

    @Override
    public boolean hasCurrent() {
      return current;
    }

    @Override
    public long timestamp() {
      return count.timestamp();
    }

    @Override
    public double value() {
      return sum.value() / count.value();
    }

    @Override
    public @Nullable String error() {
      return error;
    }
  }

  /** Non-overlapping chunks in time order, decoded with one reused XOR iterator. */
  private static final class Sequential implements ChunkIterator {
    private final List<StoreChunk> chunks;
    private final XorIterator xor = new XorIterator();
    private int i = -1;
    private boolean in;
    private boolean current;
    private @Nullable String error;

    Sequential(List<StoreChunk> chunks) {
      this.chunks = chunks;
    }

    @Override
    public boolean next() {
      while (true) {
        if (!in) {
          if (++i >= chunks.size()) {
            current = false;
            return false;
          }
          ChunkData raw = chunks.get(i).raw();
          if (raw == null || raw.encoding() != ChunkData.Encoding.XOR) {
            error = "chunk [" + chunks.get(i).minTime() + ", " + chunks.get(i).maxTime() + "] is not a raw float (XOR) chunk";
            current = false;
            return false;
          }
          xor.reset(raw.array(), raw.offset(), raw.length());
          in = true;
        }
        if (xor.next()) {
          current = true;
          return true;
        }
        if (xor.error() != null) {
          error = xor.error();
          current = false;
          return false;
        }
        in = false;
      }
    }

    @Override
    public boolean floatsOnly() {
      return true;
    }

    /** Decodes chunk after chunk in bulk ({@link XorIterator#next(long[], double[], int, int)}). */
    @Override
    public int next(long[] ts, double[] values, int off, int max) {
      java.util.Objects.checkFromIndexSize(off, max, ts.length);
      java.util.Objects.checkFromIndexSize(off, max, values.length);
      int n = 0;
      while (n < max) {
        if (!in) {
          if (!next()) {
            break; // the end, or a chunk that is not XOR (error set)
          }
          ts[off + n] = xor.timestamp();
          values[off + n] = xor.value();
          n++;
          continue;
        }
        int m = xor.next(ts, values, off + n, max - n);
        n += m;
        if (n < max) {
          if (xor.error() != null) {
            error = xor.error();
            current = false;
            in = false;
            i = chunks.size();
            return n;
          }
          in = false;
        }
      }
      if (n > 0) {
        current = true; // the decoder stands on the last sample written
      } else if (max > 0) {
        current = false;
      }
      return n;
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

    @Override
    public @Nullable String error() {
      return error;
    }
  }

  /** Only the samples in {@code [minTime, maxTime]}. */
  static final class Bounded implements ChunkIterator {
    private final ChunkIterator it;
    private final long minTime;
    private final long maxTime;
    private boolean current;
    private boolean done;
    /** The current sample came from a batch read: {@code lastT}/{@code lastV}, not {@code it}. */
    private boolean fromBatch;
    private long lastT;
    private double lastV;

    Bounded(ChunkIterator it, long minTime, long maxTime) {
      this.it = it;
      this.minTime = minTime;
      this.maxTime = maxTime;
    }

    @Override
    public boolean next() {
      fromBatch = false;
      if (done) {
        return false;
      }
      while (it.next()) {
        long t = it.timestamp();
        if (t < minTime) {
          continue;
        }
        if (t > maxTime) {
          break;
        }
        current = true;
        return true;
      }
      done = true;
      current = false;
      return false;
    }

    @Override
    public boolean floatsOnly() {
      return it.floatsOnly();
    }

    /** Reads a batch from the wrapped iterator and keeps the samples in range, in place. */
    @Override
    public int next(long[] ts, double[] values, int off, int max) {
      java.util.Objects.checkFromIndexSize(off, max, ts.length);
      java.util.Objects.checkFromIndexSize(off, max, values.length);
      int n = 0;
      while (n < max && !done) {
        int m = it.next(ts, values, off + n, max - n);
        if (m == 0) {
          done = true;
          break;
        }
        int end = off + n + m;
        for (int k = off + n; k < end; k++) {
          long t = ts[k];
          if (t < minTime) {
            continue;
          }
          if (t > maxTime) {
            done = true;
            break;
          }
          ts[off + n] = t;
          values[off + n] = values[k];
          n++;
        }
      }
      // The wrapped iterator may stand past the last sample kept (beyond maxTime): remember it.
      if (n > 0) {
        lastT = ts[off + n - 1];
        lastV = values[off + n - 1];
        fromBatch = true;
        current = true;
      } else if (max > 0) {
        current = false;
      }
      return n;
    }

    @Override
    public boolean hasCurrent() {
      return current;
    }

    @Override
    public long timestamp() {
      return fromBatch ? lastT : it.timestamp();
    }

    @Override
    public double value() {
      return fromBatch ? lastV : it.value();
    }

    @Override
    public @Nullable String error() {
      return it.error();
    }
  }
}
