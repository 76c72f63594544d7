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

  private record SeriesKey(BlockId block, long ref) {}

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
          || (k instanceof SeriesKey s && s.block.equals(block)));
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
