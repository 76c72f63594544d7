package dev.hypnos.storegateway.sync;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.ObjectAttributes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Blocks in a bucket, a settable clock, and a bucket that fails on demand. */
final class SyncFixtures {
  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  private SyncFixtures() {}

  /** A clock whose time the test moves. */
  static final class TestClock implements InstantSource {
    final AtomicReference<Instant> now = new AtomicReference<>(NOW);

    @Override
    public Instant instant() {
      return now.get();
    }
  }

  private static final Random RANDOM = new Random(42);

  /** A block id whose ULID time is {@code created}. */
  static BlockId idAt(Instant created) {
    synchronized (RANDOM) {
      return BlockId.of(created.toEpochMilli(), RANDOM);
    }
  }

  static BlockMeta meta(BlockId id, long minTime, long maxTime, Map<String, String> labels, String source) {
    return new BlockMeta(id, minTime, maxTime, null, new BlockMeta.Compaction(1, List.of(id), false, List.of(), false,
        List.of()), BlockMeta.VERSION_1, BlockMeta.Thanos.of(labels, 0, source));
  }

  /** Uploads meta.json and an (empty) index, as a complete block would have. */
  static BlockMeta put(Bucket bucket, BlockMeta meta) throws IOException {
    upload(bucket, meta.ulid() + "/meta.json", BlockMetaJson.toBytes(meta));
    upload(bucket, meta.ulid() + "/index", new byte[] {1});
    return meta;
  }

  static void upload(Bucket bucket, String key, byte[] data) throws IOException {
    bucket.upload(key, new ByteArrayInputStream(data), data.length);
  }

  static void upload(Bucket bucket, String key, String data) throws IOException {
    upload(bucket, key, data.getBytes(StandardCharsets.UTF_8));
  }

  static void markForDeletion(Bucket bucket, BlockId id, Instant when) throws IOException {
    upload(bucket, id + "/deletion-mark.json",
        "{\"id\":\"" + id + "\",\"version\":1,\"details\":\"test\",\"deletion_time\":" + when.getEpochSecond() + "}");
  }

  /**
   * Delegates to a bucket; fails requests whose key matches {@code failing} (or every request
   * while {@code down}) like an unreachable endpoint, and tracks concurrent gets.
   */
  static final class FaultyBucket implements Bucket {
    private final Bucket delegate;
    volatile boolean down;
    volatile Predicate<String> failing = k -> false;
    volatile long getDelayMillis;
    final AtomicInteger gets = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final Set<String> keysRead = ConcurrentHashMap.newKeySet();

    FaultyBucket(Bucket delegate) {
      this.delegate = delegate;
    }

    private void check(String key) throws IOException {
      if (down || failing.test(key)) {
        throw new IOException("request " + key + " in " + name() + ": connection reset");
      }
    }

    @Override
    public String name() {
      return delegate.name();
    }

    @Override
    public InputStream get(String key) throws IOException {
      int n = inFlight.incrementAndGet();
      maxInFlight.accumulateAndGet(n, Math::max);
      try {
        gets.incrementAndGet();
        keysRead.add(key);
        if (getDelayMillis > 0) {
          Thread.sleep(getDelayMillis);
        }
        check(key);
        return delegate.get(key);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      } finally {
        inFlight.decrementAndGet();
      }
    }

    @Override
    public InputStream getRange(String key, long offset, long length) throws IOException {
      check(key);
      return delegate.getRange(key, offset, length);
    }

    @Override
    public void iter(String dir, Consumer<String> consumer) throws IOException {
      check(dir);
      delegate.iter(dir, consumer);
    }

    @Override
    public void iterRecursive(String dir, Consumer<String> consumer) throws IOException {
      check(dir);
      delegate.iterRecursive(dir, consumer);
    }

    @Override
    public boolean exists(String key) throws IOException {
      check(key);
      return delegate.exists(key);
    }

    @Override
    public ObjectAttributes attributes(String key) throws IOException {
      check(key);
      return delegate.attributes(key);
    }

    @Override
    public void upload(String key, InputStream in, long length) throws IOException {
      delegate.upload(key, in, length);
    }

    @Override
    public void delete(String key) throws IOException {
      delegate.delete(key);
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }
}
