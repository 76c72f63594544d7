package dev.hypnos.storegateway.block;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.hypnos.core.block.BlockId;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory cache of CRC-verified postings lists and series entries, bounded by bytes
 * ({@code --index-cache-size}) with one total size shared by both kinds (Caffeine's size-based
 * eviction, weighed by the cached bytes plus a fixed per-entry overhead). A size of 0 disables it.
 *
 * <p>Concurrency: thread-safe.
 */
public final class IndexCache {
  /** Rough heap cost of a cache entry besides its bytes: key, node, array header. */
  static final int ENTRY_OVERHEAD = 96;

  private record PostingsKey(BlockId block, String name, String value) {}

  /**
   * Primitive fields only: equality compares three longs without following references, and the
   * hash is mixed once at construction.
   */
  private static final class SeriesKey {
    final long hi;
    final long lo;
    final long ref;
    private final int hash;

    SeriesKey(BlockId block, long ref) {
      this.hi = block.mostSignificantBits();
      this.lo = block.leastSignificantBits();
      this.ref = ref;
      long h = (hi * 0x9E3779B97F4A7C15L) ^ lo ^ (ref * 0xC2B2AE3D27D4EB4FL);
      this.hash = (int) (h ^ (h >>> 32));
    }

    boolean of(BlockId block) {
      return hi == block.mostSignificantBits() && lo == block.leastSignificantBits();
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof SeriesKey k && k.ref == ref && k.lo == lo && k.hi == hi;
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  private final @Nullable Cache<Object, byte[]> cache;
  private final long maxBytes;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();

  public IndexCache(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("index cache size must not be negative, got " + maxBytes);
    }
    this.maxBytes = maxBytes;
    this.cache = maxBytes == 0 ? null
        : Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((Object k, byte[] v) -> (int) Math.min(Integer.MAX_VALUE, (long) v.length + ENTRY_OVERHEAD))
            .build();
  }

  public static IndexCache disabled() {
    return new IndexCache(0);
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** The body of the postings list of {@code name=value} ({@code #entries}, refs), or null. */
  public byte @Nullable [] postings(BlockId block, String name, String value) {
    return get(new PostingsKey(block, name, value));
  }

  public void putPostings(BlockId block, String name, String value, byte[] body) {
    put(new PostingsKey(block, name, value), body);
  }

  /** The body of series entry {@code ref} (without length and CRC), or null. */
  public byte @Nullable [] series(BlockId block, long ref) {
    return get(new SeriesKey(block, ref));
  }

  /**
   * Looks up series entries {@code refs[from..to)} of {@code block}: {@code out[i - from]} is the
   * cached body or null. Counts hits and misses once for the whole batch.
   *
   * @return how many were found
   */
  public int series(BlockId block, long[] refs, int from, int to, byte[][] out) {
    Cache<Object, byte[]> c = cache;
    if (c == null) {
      return 0;
    }
    int found = 0;
    for (int i = from; i < to; i++) {
      byte[] v = c.getIfPresent(new SeriesKey(block, refs[i]));
      out[i - from] = v;
      if (v != null) {
        found++;
      }
    }
    hits.add(found);
    misses.add(to - from - found);
    return found;
  }

  public void putSeries(BlockId block, long ref, byte[] body) {
    put(new SeriesKey(block, ref), body);
  }

  private byte @Nullable [] get(Object key) {
    Cache<Object, byte[]> c = cache;
    if (c == null) {
      return null;
    }
    byte[] v = c.getIfPresent(key);
    (v == null ? misses : hits).increment();
    return v;
  }

  private void put(Object key, byte[] value) {
    Cache<Object, byte[]> c = cache;
    if (c != null) {
      c.put(Objects.requireNonNull(key), value);
    }
  }

  /** Drops every entry of {@code block} (when it is unloaded). */
  public void invalidate(BlockId block) {
    Cache<Object, byte[]> c = cache;
    if (c != null) {
      c.asMap().keySet().removeIf(k -> (k instanceof PostingsKey p && p.block.equals(block))
          || (k instanceof SeriesKey s && s.of(block)));
    }
  }

  public long hits() {
    return hits.sum();
  }

  public long misses() {
    return misses.sum();
  }

  /** Approximate bytes held, including per-entry overhead. */
  public long weightedSize() {
    Cache<Object, byte[]> c = cache;
    if (c == null) {
      return 0;
    }
    c.cleanUp();
    return c.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
  }
}
