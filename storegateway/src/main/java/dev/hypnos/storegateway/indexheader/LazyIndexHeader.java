package dev.hypnos.storegateway.indexheader;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.objstore.Bucket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;

/**
 * An {@link IndexHeader} opened on first use and closed by {@link #unloadIfIdle} once unused for
 * the idle timeout, so that a store with many blocks keeps mapped only the headers being queried.
 * Reopening after an unload is transparent to callers.
 *
 * <p>Concurrency: thread-safe. Calls hold a read lock while they use the open reader; loading and
 * unloading take the write lock, so a reader is never closed under a running call.
 */
public final class LazyIndexHeader implements IndexHeader {
  /** Opens (building if needed) the underlying reader. */
  @FunctionalInterface
  public interface Opener {
    IndexHeader open() throws IOException;
  }

  @FunctionalInterface
  private interface Call<T> {
    T apply(IndexHeader h) throws IOException;
  }

  private final Opener opener;
  private final InstantSource clock;
  private final Duration idleTimeout;
  private final String name;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private @Nullable IndexHeader reader;
  private volatile long lastUsedMillis;
  private boolean closed;
  private long loads;

  public LazyIndexHeader(String name, Opener opener, InstantSource clock, Duration idleTimeout) {
    this.name = Objects.requireNonNull(name, "name");
    this.opener = Objects.requireNonNull(opener, "opener");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
    this.lastUsedMillis = clock.millis();
  }

  /**
   * A lazy header for block {@code id} whose file is {@code dataDir/<id>/index-header}: opened from
   * disk when present and valid, otherwise (re)built from the bucket first.
   */
  public static LazyIndexHeader forBlock(
      Bucket bucket, BlockId id, Path dataDir, InstantSource clock, Duration idleTimeout) {
    Path file = dataDir.resolve(id.toString()).resolve("index-header");
    return new LazyIndexHeader(id.toString(), () -> openOrBuild(bucket, id, file), clock, idleTimeout);
  }

  /** Opens the index-header at {@code file}, building it from the bucket when missing or unreadable. */
  public static IndexHeaderReader openOrBuild(Bucket bucket, BlockId id, Path file) throws IOException {
    if (Files.exists(file)) {
      try {
        return IndexHeaderReader.open(file, id.toString());
      } catch (IOException e) {
        // A damaged local file (crash while writing, disk error) is rebuilt from the bucket.
        Files.deleteIfExists(file);
      }
    }
    IndexHeaderWriter.write(bucket, id, file);
    return IndexHeaderReader.open(file, id.toString());
  }

  private <T> T use(Call<T> call) throws IOException {
    lastUsedMillis = clock.millis();
    lock.readLock().lock();
    try {
      IndexHeader r = reader;
      if (r != null) {
        return call.apply(r);
      }
    } finally {
      lock.readLock().unlock();
    }
    lock.writeLock().lock();
    try {
      if (closed) {
        throw new IOException("index-header of block " + name + " is closed");
      }
      if (reader == null) {
        reader = opener.open();
        loads++;
      }
      // Downgrade: take the read lock before releasing the write lock.
      lock.readLock().lock();
    } finally {
      lock.writeLock().unlock();
    }
    try {
      return call.apply(Objects.requireNonNull(reader));
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Closes the reader if it is open and unused for the idle timeout; true if it was closed. */
  public boolean unloadIfIdle() throws IOException {
    if (clock.millis() - lastUsedMillis < idleTimeout.toMillis()) {
      return false;
    }
    if (!lock.writeLock().tryLock()) {
      return false;
    }
    try {
      IndexHeader r = reader;
      if (r == null || clock.millis() - lastUsedMillis < idleTimeout.toMillis()) {
        return false;
      }
      reader = null;
      r.close();
      return true;
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Whether the underlying reader is open. */
  public boolean isLoaded() {
    lock.readLock().lock();
    try {
      return reader != null;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** How many times the reader was opened. */
  public long loadCount() {
    lock.readLock().lock();
    try {
      return loads;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public int indexVersion() throws IOException {
    return use(IndexHeader::indexVersion);
  }

  @Override
  public String symbol(long ref) throws IOException {
    return use(h -> h.symbol(ref));
  }

  @Override
  public void symbols(int[] refs, int from, int to, String[] out, int outOff) throws IOException {
    use(h -> {
      h.symbols(refs, from, to, out, outOff);
      return Boolean.TRUE;
    });
  }

  @Override
  public List<String> labelNames() throws IOException {
    return use(IndexHeader::labelNames);
  }

  @Override
  public List<String> labelValues(String labelName) throws IOException {
    return use(h -> h.labelValues(labelName));
  }

  @Override
  public @Nullable PostingsRange postingsRange(String labelName, String value) throws IOException {
    return use(h -> h.postingsRange(labelName, value));
  }

  @Override
  public List<PostingsRange> postingsRanges(String labelName, java.util.function.Predicate<String> accept)
      throws IOException {
    return use(h -> h.postingsRanges(labelName, accept));
  }

  @Override
  public void close() throws IOException {
    lock.writeLock().lock();
    try {
      closed = true;
      IndexHeader r = reader;
      reader = null;
      if (r != null) {
        r.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "LazyIndexHeader[" + name + "]";
  }
}
