package dev.hypnos.storegateway.sync;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.server.ReadinessCheck;
import dev.hypnos.core.server.Stoppable;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Runs a {@link MetaFetcher} every {@code --sync-block-duration} and hands the resulting block set
 * to a {@link BlockSetListener}. The first sync runs at {@link #start()}; until one sync has
 * succeeded, {@link #readiness()} reports not ready.
 *
 * <p>When a fetch is incomplete (some meta.json could not be read), the listener gets the blocks
 * found plus every block it was serving before: a transient object store error never unloads
 * blocks (Thanos's bucket store does the same). A failed fetch leaves the served set unchanged.
 *
 * <p>Concurrency: syncs run one at a time on the syncer's own thread ({@link #syncNow()} from
 * another thread waits for a sync in progress); all methods are thread-safe.
 */
public final class BlockSyncer implements Stoppable, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(BlockSyncer.class.getName());

  private final MetaFetcher fetcher;
  private final BlockSetListener listener;
  private final Duration interval;
  private final ScheduledExecutorService executor;
  private final CountDownLatch firstSuccess = new CountDownLatch(1);
  private SortedMap<BlockId, BlockMeta> active = new TreeMap<>();
  private volatile @Nullable String lastError;
  private boolean started;

  public BlockSyncer(MetaFetcher fetcher, BlockSetListener listener, Duration interval) {
    this.fetcher = Objects.requireNonNull(fetcher, "fetcher");
    this.listener = Objects.requireNonNull(listener, "listener");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("--sync-block-duration " + interval + " must be positive");
    }
    this.interval = interval;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "block-syncer");
      t.setDaemon(true);
      return t;
    });
  }

  /** Schedules the first sync now and then one every interval (measured from the end of the previous). */
  public synchronized void start() {
    if (started) {
      throw new IllegalStateException("block syncer already started");
    }
    started = true;
    executor.scheduleWithFixedDelay(this::syncQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void syncQuietly() {
    try {
      syncNow();
    } catch (Exception e) {
      // Logged and kept in lastError by syncNow; the next run retries.
    }
  }

  /**
   * Runs one sync on the calling thread and returns the fetch result.
   *
   * @throws Exception when listing, a filter, or the listener failed; the served set is then unchanged
   */
  public FetchResult syncNow() throws Exception {
    synchronized (fetcher) {
      FetchResult r;
      try {
        r = fetcher.fetch();
        SortedMap<BlockId, BlockMeta> next = new TreeMap<>(r.metas());
        if (!r.complete()) {
          synchronized (this) {
            for (BlockMeta m : active.values()) {
              next.putIfAbsent(m.ulid(), m);
            }
          }
        }
        listener.sync(List.copyOf(next.values()));
        synchronized (this) {
          active = next;
        }
      } catch (Exception e) {
        lastError = e.getMessage() == null ? e.toString() : e.getMessage();
        LOG.log(System.Logger.Level.WARNING, "sync blocks: {0}", lastError);
        throw e;
      }
      if (r.complete()) {
        lastError = null;
        LOG.log(System.Logger.Level.INFO, "synced block metadata: {0} blocks served; {1}", r.metas().size(), r.counts());
      } else {
        lastError = "incomplete view: " + r.errors().get(0);
        LOG.log(System.Logger.Level.WARNING, "synced block metadata with errors, keeping blocks already served: {0}",
            r.errors());
      }
      firstSuccess.countDown();
      return r;
    }
  }

  /** The blocks handed to the listener by the last successful sync. */
  public synchronized List<BlockMeta> active() {
    return List.copyOf(active.values());
  }

  /** Whether a sync has succeeded since start. */
  public boolean firstSyncDone() {
    return firstSuccess.getCount() == 0;
  }

  /** Waits for the first successful sync; false on timeout. */
  public boolean awaitFirstSync(Duration timeout) throws InterruptedException {
    return firstSuccess.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The error of the last sync, or null when it succeeded completely. */
  public @Nullable String lastError() {
    return lastError;
  }

  /** Not ready until the first sync has succeeded, with the last error as the reason. */
  public ReadinessCheck readiness() {
    return () -> {
      if (firstSyncDone()) {
        return Optional.empty();
      }
      String err = lastError;
      return Optional.of(err == null ? "initial block sync not finished" : "initial block sync failed: " + err);
    };
  }

  @Override
  public void stop(Duration grace) throws InterruptedException {
    executor.shutdown();
    if (!executor.awaitTermination(Math.max(1, grace.toMillis()), TimeUnit.MILLISECONDS)) {
      executor.shutdownNow();
    }
  }

  /** Stops at once; a sync in progress is interrupted. */
  @Override
  public void close() {
    try {
      stop(Duration.ZERO);
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
