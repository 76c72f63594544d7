package dev.hypnos.storegateway.sync;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.ObjectNotFoundException;
import dev.hypnos.core.util.IoUtil;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.jspecify.annotations.Nullable;

/**
 * Lists the blocks of a bucket and reads their {@code meta.json}, then applies the {@link
 * MetaFilter}s; like Thanos's {@code block.MetaFetcher}.
 *
 * <ul>
 *   <li>A block directory without meta.json is a partial upload: left out, counted {@code
 *       no-meta-json}. A meta.json that does not parse, or names another block, is left out and
 *       counted {@code corrupted-meta-json}.
 *   <li>Any other error reading a meta.json leaves that block out, counts it {@code failed} and
 *       makes the result incomplete ({@link FetchResult#complete()}); the caller then should not
 *       drop blocks it already serves. A failure to list the bucket, or of a filter, fails the
 *       whole fetch with an {@link IOException}.
 *   <li>meta.json never changes once written, so it is read once per block: kept in memory, and
 *       on disk under {@code <cacheDir>/<ulid>/meta.json} (Thanos keeps the same layout under
 *       {@code <data-dir>/meta-syncer}) so a restart does not read them all again. After a
 *       complete fetch, cache entries of blocks no longer in the bucket are dropped.
 *   <li>At most {@code concurrency} meta.json reads run at once.
 * </ul>
 *
 * <p>Concurrency: thread-safe; concurrent {@link #fetch()} calls run one after the other.
 */
public final class MetaFetcher {
  private static final System.Logger LOG = System.getLogger(MetaFetcher.class.getName());

  private final Bucket bucket;
  private final @Nullable Path cacheDir;
  private final int concurrency;
  private final List<MetaFilter> filters;
  private final @Nullable SyncMetrics metrics;
  private final Map<BlockId, BlockMeta> cached = new ConcurrentHashMap<>();

  /**
   * @param cacheDir where to keep meta.json copies ({@code <data-dir>/meta-syncer}), or null to
   *     keep them in memory only; created if missing
   * @param concurrency how many meta.json reads may run at once, at least 1
   * @param filters applied in order after the metas are read
   * @param metrics where to publish the sync metrics, or null
   */
  public MetaFetcher(Bucket bucket, @Nullable Path cacheDir, int concurrency, List<MetaFilter> filters,
      @Nullable SyncMetrics metrics) throws IOException {
    this.bucket = Objects.requireNonNull(bucket, "bucket");
    if (concurrency < 1) {
      throw new IllegalArgumentException("meta fetch concurrency " + concurrency + " must be at least 1");
    }
    this.concurrency = concurrency;
    this.filters = List.copyOf(filters);
    this.metrics = metrics;
    this.cacheDir = cacheDir;
    if (cacheDir != null) {
      try {
        Files.createDirectories(cacheDir);
      } catch (IOException e) {
        throw new IOException("create meta.json cache directory " + cacheDir + ": " + e.getMessage(), e);
      }
    }
  }

  /** How many metas are cached in memory (those of the last complete fetch, plus newer reads). */
  public int cachedCount() {
    return cached.size();
  }

  /**
   * Lists the bucket, reads the metas and applies the filters.
   *
   * @throws IOException when the bucket cannot be listed or a filter cannot reach the bucket
   */
  public synchronized FetchResult fetch() throws IOException {
    long start = System.nanoTime();
    SyncMetrics m = metrics;
    if (m != null) {
      m.attempt();
    }
    boolean ok = false;
    try {
      FetchResult r = doFetch();
      ok = r.complete();
      if (m != null) {
        m.publish(r.counts());
      }
      return r;
    } finally {
      if (m != null) {
        m.duration((System.nanoTime() - start) / 1e9);
        if (!ok) {
          m.failure();
        }
      }
    }
  }

  private FetchResult doFetch() throws IOException {
    List<BlockId> ids;
    try {
      ids = BucketBlocks.list(bucket);
    } catch (IOException e) {
      throw new IOException("list blocks in " + bucket.name() + ": " + e.getMessage(), e);
    }
    SyncCounts counts = new SyncCounts();
    TreeMap<BlockId, BlockMeta> metas = new TreeMap<>();
    Map<BlockId, String> partial = new TreeMap<>();
    List<String> errors = new ArrayList<>();

    List<BlockId> toRead = new ArrayList<>();
    for (BlockId id : ids) {
      BlockMeta known = cached.get(id);
      if (known != null) {
        metas.put(id, known);
      } else {
        toRead.add(id);
      }
    }
    for (Map.Entry<BlockId, Outcome> e : readAll(toRead).entrySet()) {
      BlockId id = e.getKey();
      switch (e.getValue()) {
        case Outcome.Loaded l -> {
          metas.put(id, l.meta());
          cached.put(id, l.meta());
        }
        case Outcome.NoMeta n -> {
          counts.add(SyncState.NO_META);
          partial.put(id, "block " + id + " has no " + BucketBlocks.META);
        }
        case Outcome.Corrupted c -> {
          counts.add(SyncState.CORRUPTED_META);
          partial.put(id, c.reason());
          LOG.log(System.Logger.Level.WARNING, "skip block {0}: {1}", id, c.reason());
        }
        case Outcome.Failed f -> {
          counts.add(SyncState.FAILED);
          errors.add(f.reason());
          LOG.log(System.Logger.Level.WARNING, "skip block {0} for this sync: {1}", id, f.reason());
        }
      }
    }
    if (errors.isEmpty()) {
      // Only a complete view tells which blocks are gone.
      cached.keySet().retainAll(metas.keySet());
      pruneDiskCache(metas);
    }
    for (MetaFilter f : filters) {
      f.filter(metas, counts);
    }
    counts.set(SyncState.LOADED, metas.size());
    return new FetchResult(metas, partial, errors, counts);
  }

  private sealed interface Outcome {
    record Loaded(BlockMeta meta) implements Outcome {}

    record NoMeta() implements Outcome {}

    record Corrupted(String reason) implements Outcome {}

    record Failed(String reason) implements Outcome {}
  }

  private Map<BlockId, Outcome> readAll(List<BlockId> ids) throws IOException {
    Map<BlockId, Outcome> out = new TreeMap<>();
    if (ids.isEmpty()) {
      return out;
    }
    Semaphore permits = new Semaphore(concurrency);
    Map<BlockId, Future<Outcome>> futures = new TreeMap<>();
    try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
      for (BlockId id : ids) {
        futures.put(id, exec.submit(() -> {
          permits.acquire();
          try {
            return load(id);
          } finally {
            permits.release();
          }
        }));
      }
      for (Map.Entry<BlockId, Future<Outcome>> e : futures.entrySet()) {
        try {
          out.put(e.getKey(), e.getValue().get());
        } catch (ExecutionException ex) {
          Throwable c = ex.getCause();
          out.put(e.getKey(), new Outcome.Failed("read meta.json of block " + e.getKey() + " in " + bucket.name()
              + ": " + (c == null ? ex : c)));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("read meta.json files in " + bucket.name() + ": interrupted");
    }
    return out;
  }

  private Outcome load(BlockId id) {
    Path local = cacheDir == null ? null : cacheDir.resolve(id.toString());
    if (local != null) {
      BlockMeta fromDisk = readLocal(local, id);
      if (fromDisk != null) {
        return new Outcome.Loaded(fromDisk);
      }
    }
    String key = id + "/" + BucketBlocks.META;
    byte[] json;
    try (InputStream in = bucket.get(key)) {
      json = in.readAllBytes();
    } catch (ObjectNotFoundException e) {
      return new Outcome.NoMeta();
    } catch (IOException | RuntimeException e) {
      return new Outcome.Failed("read " + key + " in " + bucket.name() + ": " + e.getMessage());
    }
    BlockMeta meta;
    try {
      meta = BlockMetaJson.parse(json, bucket.name() + ":" + key);
    } catch (IOException e) {
      return new Outcome.Corrupted(e.getMessage());
    }
    if (!meta.ulid().equals(id)) {
      return new Outcome.Corrupted(bucket.name() + ":" + key + " names another block: " + meta.ulid());
    }
    if (local != null) {
      try {
        Files.createDirectories(local);
        BlockMetaJson.writeAtomically(local.resolve(BucketBlocks.META), json);
      } catch (IOException e) {
        LOG.log(System.Logger.Level.WARNING, "cache meta.json of block {0} in {1}: {2}", id, local, e.toString());
      }
    }
    return new Outcome.Loaded(meta);
  }

  /** The cached copy, or null when absent or unreadable (an unreadable copy is deleted). */
  private static @Nullable BlockMeta readLocal(Path dir, BlockId id) {
    try {
      BlockMeta m = BlockMetaJson.read(dir);
      if (m.ulid().equals(id)) {
        return m;
      }
      LOG.log(System.Logger.Level.WARNING, "cached meta.json in {0} names block {1}; reading it again", dir, m.ulid());
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cached meta.json in {0} is unreadable, reading it again: {1}", dir, e.toString());
    }
    try {
      IoUtil.deleteTree(dir);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "remove cached meta.json directory {0}: {1}", dir, e.toString());
    }
    return null;
  }

  private void pruneDiskCache(Map<BlockId, BlockMeta> present) {
    Path dir = cacheDir;
    if (dir == null) {
      return;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        String name = p.getFileName().toString();
        if (BlockId.isValid(name) && !present.containsKey(BlockId.parse(name))) {
          IoUtil.deleteTree(p);
        }
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "remove meta.json copies of deleted blocks under {0}: {1}", dir, e.toString());
    }
  }
}
