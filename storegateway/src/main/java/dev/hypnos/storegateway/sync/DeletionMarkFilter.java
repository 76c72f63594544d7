package dev.hypnos.storegateway.sync;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.ObjectNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.jspecify.annotations.Nullable;

/**
 * Leaves out blocks whose {@code deletion-mark.json} is older than {@code
 * --ignore-deletion-marks-delay}, counting them {@code marked-for-deletion}. A block marked more
 * recently is still served, so queries keep working until the compactor's replacement block is
 * visible. The mark's age comes from its {@code deletion_time} (Unix seconds), as in Thanos.
 *
 * <p>A mark that cannot be parsed is logged and ignored (it may be half-written); an error
 * reading a mark fails the filter, and so the fetch.
 *
 * <p>Concurrency: thread-safe; {@link #markedBlocks()} may be read while a filter runs.
 */
public final class DeletionMarkFilter implements MetaFilter {
  private static final System.Logger LOG = System.getLogger(DeletionMarkFilter.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Bucket bucket;
  private final Duration delay;
  private final int concurrency;
  private final InstantSource clock;
  private volatile Map<BlockId, DeletionMark> marked = Map.of();

  /** A {@code deletion-mark.json}: which block, when it was marked (Unix seconds), and why. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record DeletionMark(
      @JsonProperty("id") @Nullable String id,
      @JsonProperty("deletion_time") long deletionTime,
      @JsonProperty("version") int version,
      @JsonProperty("details") @Nullable String details) {}

  public DeletionMarkFilter(Bucket bucket, Duration delay, int concurrency, InstantSource clock) {
    this.bucket = Objects.requireNonNull(bucket, "bucket");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("--ignore-deletion-marks-delay " + delay + " is negative");
    }
    if (concurrency < 1) {
      throw new IllegalArgumentException("deletion mark read concurrency " + concurrency + " must be at least 1");
    }
    this.delay = delay;
    this.concurrency = concurrency;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Every block seen with a deletion mark at the last filter run, excluded or not yet. */
  public Map<BlockId, DeletionMark> markedBlocks() {
    return marked;
  }

  @Override
  public void filter(SortedMap<BlockId, BlockMeta> metas, SyncCounts counts) throws IOException {
    List<BlockId> ids = new ArrayList<>(metas.keySet());
    Map<BlockId, DeletionMark> found = readMarks(ids);
    long nowSeconds = Math.floorDiv(clock.millis(), 1000L);
    for (Map.Entry<BlockId, DeletionMark> e : found.entrySet()) {
      if (nowSeconds - e.getValue().deletionTime() > delay.toSeconds()) {
        metas.remove(e.getKey());
        counts.add(SyncState.MARKED_FOR_DELETION);
      }
    }
    marked = Collections.unmodifiableMap(found);
  }

  private Map<BlockId, DeletionMark> readMarks(List<BlockId> ids) throws IOException {
    Map<BlockId, DeletionMark> found = new TreeMap<>();
    if (ids.isEmpty()) {
      return found;
    }
    Semaphore permits = new Semaphore(concurrency);
    Map<BlockId, Future<@Nullable DeletionMark>> futures = new TreeMap<>();
    try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
      for (BlockId id : ids) {
        futures.put(id, exec.submit(() -> {
          permits.acquire();
          try {
            return read(id);
          } finally {
            permits.release();
          }
        }));
      }
      IOException first = null;
      for (Map.Entry<BlockId, Future<@Nullable DeletionMark>> e : futures.entrySet()) {
        try {
          DeletionMark m = e.getValue().get();
          if (m != null) {
            found.put(e.getKey(), m);
          }
        } catch (ExecutionException ex) {
          if (first == null) {
            Throwable c = ex.getCause();
            first = c instanceof IOException io ? io : new IOException(String.valueOf(c), c);
          }
        }
      }
      if (first != null) {
        throw first;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("read deletion marks in " + bucket.name() + ": interrupted");
    }
    return found;
  }

  private @Nullable DeletionMark read(BlockId id) throws IOException {
    String key = id + "/" + BucketBlocks.DELETION_MARK;
    byte[] json;
    try (InputStream in = bucket.get(key)) {
      json = in.readAllBytes();
    } catch (ObjectNotFoundException e) {
      return null;
    } catch (IOException e) {
      throw new IOException("read " + key + " in " + bucket.name() + ": " + e.getMessage(), e);
    }
    DeletionMark m;
    try {
      m = JSON.readValue(json, DeletionMark.class);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "ignore unparseable {0} in {1} (possibly half-written; delete it if this persists): {2}",
          key, bucket.name(), e.getMessage());
      return null;
    }
    if (m == null || m.version() != 1) {
      LOG.log(System.Logger.Level.WARNING, "ignore {0} in {1}: version {2}, expected 1",
          key, bucket.name(), m == null ? "null" : m.version());
      return null;
    }
    return m;
  }
}
