package dev.hypnos.querier;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.chunk.XorIterator;
import dev.hypnos.core.dedup.PenaltyDedupIterator;
import dev.hypnos.core.storage.ChainIterator;
import dev.hypnos.storeapi.ChunkData;
import dev.hypnos.storeapi.StoreChunk;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Samples of a series received over the Store API: its raw XOR chunks decoded one after another
 * and clipped to the query range. Chunks that overlap in time (copies from HA replicas merged by
 * the fan-out) are first dealt into non-overlapping "replicas" (Thanos's overlap split), which
 * are then merged by the penalty algorithm (dedup) or by timestamp (chain).
 */
final class StoreSeriesIterators {
  private StoreSeriesIterators() {}

  static ChunkIterator of(List<StoreChunk> chunks, long minTime, long maxTime, boolean penalty, boolean counter) {
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
      its.add(new Bounded(new Sequential(r), minTime, maxTime));
    }
    if (its.size() == 1) {
      return its.get(0);
    }
    return penalty ? PenaltyDedupIterator.of(its, counter) : new ChainIterator(its.toArray(ChunkIterator[]::new));
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

    Bounded(ChunkIterator it, long minTime, long maxTime) {
      this.it = it;
      this.minTime = minTime;
      this.maxTime = maxTime;
    }

    @Override
    public boolean next() {
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
    public boolean hasCurrent() {
      return current;
    }

    @Override
    public long timestamp() {
      return it.timestamp();
    }

    @Override
    public double value() {
      return it.value();
    }

    @Override
    public @Nullable String error() {
      return it.error();
    }
  }
}
