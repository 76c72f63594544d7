package dev.hypnos.storegateway;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.index.CorruptBlockException;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.MatchType;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.util.IoUtil;
import dev.hypnos.storeapi.LabelNamesRequest;
import dev.hypnos.storeapi.LabelNamesResponse;
import dev.hypnos.storeapi.LabelValuesRequest;
import dev.hypnos.storeapi.LabelValuesResponse;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesSink;
import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.storeapi.StoreInfo;
import dev.hypnos.storeapi.StoreSeries;
import dev.hypnos.storeapi.TsdbInfo;
import dev.hypnos.storegateway.block.BucketBlock;
import dev.hypnos.storegateway.block.IndexCache;
import dev.hypnos.storegateway.block.Partitioner;
import dev.hypnos.storegateway.indexheader.IndexHeaderWriter;
import dev.hypnos.storegateway.indexheader.LazyIndexHeader;
import dev.hypnos.storegateway.sync.TimeOrDuration;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/**
 * The Store API over the blocks of one bucket (Thanos's {@code BucketStore}). The set of blocks is
 * given by the block sync ({@link #setBlocks}, {@link #addBlock}, {@link #removeBlock}); each is
 * served through a lazily opened index-header in {@code dataDir/<id>/index-header} and byte-range
 * reads of the bucket.
 *
 * <p>Series: blocks are chosen by time range, resolution ({@link BlockSets#getFor}) and external
 * labels (matchers on external labels are checked against them and dropped); each block resolves
 * the remaining matchers to postings and streams its series in batches; the blocks' streams are
 * merged by label set. Memory per request is a batch per block, not the number of matches. A
 * corrupt block is logged, counted ({@link #corruptBlockCount}), reported as a warning frame and
 * skipped; the other blocks are still served.
 *
 * <p>{@link Serving} sets the time shard ({@code --min-time}/{@code --max-time}: Series, label
 * calls and {@link #info} are clamped to it, as in Thanos), whether chunks carry their xxhash64,
 * and whether a Series stream ends with a {@code hintspb.SeriesResponseHints} frame. Request hints
 * ({@code hintspb.*RequestHints}) may narrow the blocks by matchers over their external labels and
 * {@code __block_id}; LabelNames and LabelValues always answer with the queried blocks as hints.
 *
 * <p>Concurrency: thread-safe; calls may run concurrently with each other and with block set
 * changes. A call holds a reference to each block it reads, so a block removed meanwhile is
 * closed only after the call ends.
 */
public final class BucketStore implements StoreApi, Closeable {
  private static final System.Logger LOG = System.getLogger(BucketStore.class.getName());

  /**
   * Tunables.
   *
   * @param seriesBatchSize postings read per batch of series entries and chunks (Thanos: 10000;
   *     smaller bounds memory tighter)
   * @param maxSeriesPerRequest {@code --store.limits.request-series}, 0 for none
   * @param maxSamplesPerRequest {@code --store.limits.request-samples}, 0 for none
   * @param indexHeaderIdleTimeout unload index-headers unused this long ({@link #unloadIdleIndexHeaders})
   * @param blockLoadConcurrency how many new blocks {@link #setBlocks} loads at once
   * @param seriesInFlight series a Series call may hold across all its blocks: each block reads
   *     batches of {@code min(seriesBatchSize, seriesInFlight / (2 * blocks))} series (at least 4),
   *     so a call touching many blocks takes smaller batches instead of more memory
   */
  public record Options(int seriesBatchSize, long maxSeriesPerRequest, long maxSamplesPerRequest,
      Duration indexHeaderIdleTimeout, int blockLoadConcurrency, int seriesInFlight) {
    public static final Options DEFAULTS = new Options(1024, 0, 0, Duration.ofMinutes(60), 8, 16384);

    public Options {
      if (seriesBatchSize <= 0) {
        throw new IllegalArgumentException("series batch size must be positive, got " + seriesBatchSize);
      }
      if (maxSeriesPerRequest < 0 || maxSamplesPerRequest < 0) {
        throw new IllegalArgumentException("request limits must not be negative");
      }
      Objects.requireNonNull(indexHeaderIdleTimeout, "indexHeaderIdleTimeout");
      if (seriesInFlight <= 0) {
        throw new IllegalArgumentException("series in flight must be positive, got " + seriesInFlight);
      }
      if (blockLoadConcurrency <= 0) {
        throw new IllegalArgumentException("block load concurrency must be positive, got " + blockLoadConcurrency);
      }
    }

    public Options withLimits(long series, long samples) {
      return new Options(seriesBatchSize, series, samples, indexHeaderIdleTimeout, blockLoadConcurrency, seriesInFlight);
    }

    public Options withSeriesBatchSize(int n) {
      return new Options(n, maxSeriesPerRequest, maxSamplesPerRequest, indexHeaderIdleTimeout, blockLoadConcurrency, seriesInFlight);
    }

    public Options withIndexHeaderIdleTimeout(Duration d) {
      return new Options(seriesBatchSize, maxSeriesPerRequest, maxSamplesPerRequest, d, blockLoadConcurrency, seriesInFlight);
    }

    /** How many new blocks {@link #setBlocks} loads (builds index-headers for) at once. */
    public Options withBlockLoadConcurrency(int n) {
      return new Options(seriesBatchSize, maxSeriesPerRequest, maxSamplesPerRequest, indexHeaderIdleTimeout, n, seriesInFlight);
    }

    public Options withSeriesInFlight(int n) {
      return new Options(seriesBatchSize, maxSeriesPerRequest, maxSamplesPerRequest, indexHeaderIdleTimeout,
          blockLoadConcurrency, n);
    }
  }

  /**
   * What a store serves beyond its blocks, and how (Thanos's {@code WithFilterConfig}, {@code
   * WithChunkHashCalculation} and {@code enableSeriesResponseHints}).
   *
   * @param minTime {@code --min-time}: requests, label calls and the advertised time range are
   *     clamped to start no earlier (blocks are chosen by the sync's {@code TimePartitionFilter})
   * @param maxTime {@code --max-time}: likewise for the end
   * @param chunkHashes send each chunk's xxhash64; off, the hash is 0 ("not computed"), which
   *     Thanos and Hypnos queriers treat by hashing the chunk themselves when they deduplicate, so
   *     the cost is paid only for series that overlap between stores
   * @param seriesResponseHints end each Series stream with a {@code hintspb.SeriesResponseHints}
   *     frame naming the queried blocks (and query stats when the request hints ask); {@code thanos
   *     store} leaves this off, library users of Thanos's BucketStore (Cortex) turn it on
   */
  public record Serving(TimeOrDuration minTime, TimeOrDuration maxTime, boolean chunkHashes,
      boolean seriesResponseHints) {
    public static final Serving DEFAULTS = new Serving(TimeOrDuration.parse(TimeOrDuration.MIN_DEFAULT),
        TimeOrDuration.parse(TimeOrDuration.MAX_DEFAULT), false, false);

    public Serving {
      Objects.requireNonNull(minTime, "minTime");
      Objects.requireNonNull(maxTime, "maxTime");
    }

    public Serving withTimeRange(TimeOrDuration min, TimeOrDuration max) {
      return new Serving(min, max, chunkHashes, seriesResponseHints);
    }

    public Serving withChunkHashes(boolean on) {
      return new Serving(minTime, maxTime, on, seriesResponseHints);
    }

    public Serving withSeriesResponseHints(boolean on) {
      return new Serving(minTime, maxTime, chunkHashes, on);
    }
  }

  /**
   * Postings of a local bucket's first block (all in its first batch) up to which the request's
   * other blocks are read on the calling thread too (see {@link #series}).
   */
  static final int SMALL_BLOCK_SERIES = 64;

  private final Bucket bucket;
  private final Path dataDir;
  private final IndexCache cache;
  private final Partitioner partitioner;
  private final InstantSource clock;
  private final Options options;
  private final Serving serving;
  private final ConcurrentHashMap<BlockId, BucketBlock> blocks = new ConcurrentHashMap<>();
  private final LongAdder corruptBlocks = new LongAdder();
  // Block reads of Series calls: I/O-bound, one task per block batch at a time.
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  public BucketStore(Bucket bucket, Path dataDir, IndexCache cache, Partitioner partitioner, InstantSource clock,
      Options options) {
    this(bucket, dataDir, cache, partitioner, clock, options, Serving.DEFAULTS);
  }

  public BucketStore(Bucket bucket, Path dataDir, IndexCache cache, Partitioner partitioner, InstantSource clock,
      Options options, Serving serving) {
    this.serving = Objects.requireNonNull(serving, "serving");
    this.bucket = Objects.requireNonNull(bucket, "bucket");
    this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
    this.cache = Objects.requireNonNull(cache, "cache");
    this.partitioner = Objects.requireNonNull(partitioner, "partitioner");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.options = Objects.requireNonNull(options, "options");
  }

  // ---- block set -------------------------------------------------------------------------

  /**
   * Makes the served set exactly {@code metas}: loads the new ones, drops the others. A block that
   * fails to load is logged and left out (it is tried again on the next call).
   *
   * @return the ids that failed to load, with the reason
   */
  public Map<BlockId, IOException> setBlocks(Collection<BlockMeta> metas) {
    Set<BlockId> wanted = new HashSet<>();
    List<BlockMeta> added = new ArrayList<>();
    for (BlockMeta m : metas) {
      if (wanted.add(m.ulid()) && !blocks.containsKey(m.ulid())) {
        added.add(m);
      }
    }
    Map<BlockId, IOException> failed = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    int threads = Math.min(options.blockLoadConcurrency(), added.size());
    if (threads > 0) {
      ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
        Thread t = new Thread(r, "bucket-store-block-load");
        t.setDaemon(true);
        return t;
      });
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (BlockMeta m : added) {
          futures.add(pool.submit(() -> load(m, failed)));
        }
        for (Future<?> f : futures) {
          try {
            f.get();
          } catch (ExecutionException e) {
            LOG.log(System.Logger.Level.WARNING, "load block: " + e.getCause(), e.getCause());
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        pool.shutdownNow();
      }
    }
    for (BlockId id : List.copyOf(blocks.keySet())) {
      if (!wanted.contains(id)) {
        try {
          removeBlock(id);
        } catch (IOException e) {
          LOG.log(System.Logger.Level.WARNING, "drop block " + id + ": " + e.getMessage(), e);
        }
      }
    }
    return new LinkedHashMap<>(failed);
  }

  private void load(BlockMeta m, Map<BlockId, IOException> failed) {
    try {
      addBlock(m);
    } catch (IOException e) {
      failed.put(m.ulid(), e);
      if (e instanceof CorruptBlockException) {
        corruptBlocks.increment();
      }
      LOG.log(System.Logger.Level.WARNING, "load block " + m.ulid() + " from " + bucket.name() + ": " + e.getMessage(), e);
    }
  }


  /**
   * Loads a block: builds its index-header file when missing (reading only the index's symbols
   * and postings offset table) and registers it; the header is opened lazily. Does nothing when
   * the block is already served.
   */
  public void addBlock(BlockMeta meta) throws IOException {
    BlockId id = meta.ulid();
    if (blocks.containsKey(id)) {
      return;
    }
    Path file = dataDir.resolve(id.toString()).resolve("index-header");
    if (!Files.exists(file)) {
      IndexHeaderWriter.write(bucket, id, file);
    }
    LazyIndexHeader header = LazyIndexHeader.forBlock(bucket, id, dataDir, clock, options.indexHeaderIdleTimeout());
    Path local = dataDir.resolve(id.toString());
    // Once freed, the block's files are not read again: the bucket may close what it holds open
    // for them (a FILESYSTEM bucket's channels would otherwise keep a deleted block's disk space).
    BucketBlock b = new BucketBlock(bucket, meta, header, cache, partitioner, () -> {
      bucket.forgetOpen(id.toString());
      IoUtil.deleteTree(local);
    });
    if (blocks.putIfAbsent(id, b) != null) {
      // Another thread added it meanwhile; drop ours without deleting the shared files.
      header.close();
    }
  }

  /**
   * Stops serving a block. Its resources and local files are released once no running call uses
   * it any more.
   */
  public void removeBlock(BlockId id) throws IOException {
    BucketBlock b = blocks.remove(id);
    if (b != null) {
      b.close();
    }
  }

  /** The ids of the served blocks, sorted. */
  public List<BlockId> blockIds() {
    List<BlockId> ids = new ArrayList<>(blocks.keySet());
    ids.sort(null);
    return ids;
  }

  /** Closes index-headers unused for the idle timeout; returns how many were closed. */
  public int unloadIdleIndexHeaders() throws IOException {
    int n = 0;
    for (BucketBlock b : blocks.values()) {
      if (b.indexHeader() instanceof LazyIndexHeader l && l.unloadIfIdle()) {
        n++;
      }
    }
    return n;
  }

  /** Corrupt blocks met so far (at load or while serving). */
  public long corruptBlockCount() {
    return corruptBlocks.sum();
  }

  public IndexCache indexCache() {
    return cache;
  }

  /** Range requests made to the bucket by all served blocks. */
  public long bucketRequests() {
    long n = 0;
    for (BucketBlock b : blocks.values()) {
      n += b.requestCount();
    }
    return n;
  }

  /** Bytes asked for by the range requests of all served blocks (what an object store sends). */
  public long bucketBytesRequested() {
    long n = 0;
    for (BucketBlock b : blocks.values()) {
      n += b.bytesRequested();
    }
    return n;
  }

  // ---- Store API ------------------------------------------------------------------------

  /** Acquires every block of {@code candidates} still open; the caller releases them. */
  private static List<BucketBlock> acquire(List<BucketBlock> candidates) {
    List<BucketBlock> out = new ArrayList<>(candidates.size());
    for (BucketBlock b : candidates) {
      if (b.tryAcquire()) {
        out.add(b);
      }
    }
    return out;
  }

  private static void releaseAll(List<BucketBlock> acquired) throws IOException {
    IOException first = null;
    for (BucketBlock b : acquired) {
      try {
        b.release();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * True from a local bucket (a directory, memory: see {@link Bucket#local()}) when every matcher
   * is an equality or inequality: a regex matcher may scan many label values and postings lists
   * before the first series.
   */
  @Override
  public boolean seriesStartsQuickly(SeriesRequest request) {
    if (!bucket.local()) {
      return false;
    }
    for (Matcher m : request.matchers()) {
      if (m.type() == MatchType.RE || m.type() == MatchType.NRE) {
        return false;
      }
    }
    return true;
  }

  @Override
  public void series(SeriesRequest request, SeriesSink sink) throws IOException {
    StoreHints.Request hints = StoreHints.parseSeries(request.hints());
    StoreHints.Response resp = new StoreHints.Response();
    long mint = Math.max(request.minTime(), serving.minTime().toEpochMillis(clock));
    long maxt = Math.min(request.maxTime(), serving.maxTime().toEpochMillis(clock));
    if (mint <= maxt) {
      SeriesRequest req = mint == request.minTime() && maxt == request.maxTime() ? request
          : request.toBuilder().timeRange(mint, maxt).build();
      List<BucketBlock> chosen = acquire(StoreHints.matching(BlockSets.getFor(blocks.values(), req.minTime(),
          req.maxTime(), req.maxResolutionWindow()), hints.blockMatchers()));
      try {
        series(req, sink, chosen, resp);
      } finally {
        releaseAll(chosen);
      }
    }
    if (serving.seriesResponseHints()) {
      sink.send(dev.hypnos.storeapi.SeriesResponse.hints(resp.seriesHints(hints.queryStats())));
    }
  }

  private void series(SeriesRequest req, SeriesSink sink, List<BucketBlock> chosen, StoreHints.Response resp)
      throws IOException {
    RequestLimits limits = new RequestLimits(options.maxSeriesPerRequest(), options.maxSamplesPerRequest());
    Set<String> drop = Set.copyOf(req.withoutReplicaLabels());
    List<SeriesStream> streams = new ArrayList<>();
    List<PrefetchingStream> readers = new ArrayList<>();
    List<BlockSeriesStream> blockStreams = new ArrayList<>();
    int batch = Math.max(4, Math.min(options.seriesBatchSize(), options.seriesInFlight() / Math.max(1, 2 * chosen.size())));
    try {
      for (BucketBlock b : chosen) {
        List<Matcher> ms = BlockPostings.withoutExternal(req.matchers(), b.externalLabels());
        if (ms == null) {
          continue;
        }
        SeriesLabels transform = new SeriesLabels(b.externalLabels(), drop);
        BlockSeriesStream blockStream = new BlockSeriesStream(b, () -> BlockPostings.select(b, ms), req.minTime(),
            req.maxTime(), req.skipChunks(), req.aggregates(), batch, limits, transform,
            req.shardInfo(), serving.chunkHashes());
        PrefetchingStream reader = new PrefetchingStream(blockStream, executor);
        SeriesStream s = guarded(b, reader, sink);
        if (!transform.isIdentity()) {
          boolean preserving;
          try {
            preserving = orderPreserving(b, drop);
          } catch (CorruptBlockException e) {
            skipCorrupt(b, e, sink);
            continue;
          }
          s = preserving ? SortingStreams.prefixGroups(s) : SortingStreams.fully(s);
        }
        readers.add(reader);
        blockStreams.add(blockStream);
        streams.add(s);
        // only blocks that are really read go into the response hints (a corrupt one is skipped above)
        resp.queried(b.id());
      }
      // The first block's first batch is read by this thread when the merge asks for it. From an
      // object store the other blocks start now on their own threads, so that their requests
      // overlap. From a local bucket a thread hand-off per block costs more than reading a few
      // series: the others start as soon as the first block's postings show a large query (more
      // than one batch, or more than SMALL_BLOCK_SERIES), before its series are read; otherwise
      // the merge reads them on this thread too. Later batches are read ahead either way
      // (PrefetchingStream).
      if (readers.size() > 1) {
        if (bucket.local()) {
          blockStreams.getFirst().onFirstPostings((postings, all) -> {
            if (!all || postings > SMALL_BLOCK_SERIES) {
              startAllButFirst(readers);
            }
          });
        } else {
          startAllButFirst(readers);
        }
      }
      MergedSeriesStream merged = new MergedSeriesStream(streams);
      long sent = 0;
      for (StoreSeries s = merged.next(); s != null; s = merged.next()) {
        sink.series(s);
        resp.sent(s);
        sent++;
        if (req.hasLimit() && sent >= req.limit()) {
          break;
        }
      }
    } finally {
      for (PrefetchingStream r : readers) {
        r.close();
      }
    }
  }


  private static void startAllButFirst(List<PrefetchingStream> readers) {
    for (int i = 1; i < readers.size(); i++) {
      readers.get(i).start();
    }
  }

  /**
   * Whether adding the block's external labels and removing {@code drop} can reorder its series
   * only among a series and those extending it (see {@link SortingStreams}): true when none of
   * those names occurs among the block's own label names.
   */
  private static boolean orderPreserving(BucketBlock b, Set<String> drop) throws IOException {
    List<String> own = b.indexHeader().labelNames(); // sorted in Go byte order
    for (int i = 0; i < b.externalLabels().size(); i++) {
      if (Collections.binarySearch(own, b.externalLabels().name(i), Labels::compareStrings) >= 0) {
        return false;
      }
    }
    for (String d : drop) {
      if (Collections.binarySearch(own, d, Labels::compareStrings) >= 0) {
        return false;
      }
    }
    return true;
  }

  /** Ends a block's stream at its first corruption error, reporting it instead of failing the call. */
  private SeriesStream guarded(BucketBlock b, SeriesStream s, SeriesSink sink) {
    return new SeriesStream() {
      private boolean failed;

      @Override
      public @org.jspecify.annotations.Nullable Item next() throws IOException {
        if (failed) {
          return null;
        }
        try {
          return s.next();
        } catch (CorruptBlockException e) {
          failed = true;
          skipCorrupt(b, e, sink);
          return null;
        }
      }
    };
  }

  private void skipCorrupt(BucketBlock b, CorruptBlockException e, SeriesSink sink) {
    corruptBlocks.increment();
    LOG.log(System.Logger.Level.WARNING, "skip corrupt block " + b.id() + ": " + e.getMessage(), e);
    sink.warning("skipped block " + b.id() + ": " + e.getMessage());
  }

  @Override
  public LabelNamesResponse labelNames(LabelNamesRequest req) throws IOException {
    List<Matcher> blockMatchers = StoreHints.parseLabelNames(req.hints());
    StoreHints.Response resp = new StoreHints.Response();
    TreeSet<String> names = new TreeSet<>(Labels::compareStrings);
    List<String> warnings = new ArrayList<>();
    long start = Math.max(req.start(), serving.minTime().toEpochMillis(clock));
    long end = Math.min(req.end(), serving.maxTime().toEpochMillis(clock));
    List<BucketBlock> acquired = start > end ? List.of()
        : acquire(StoreHints.matching(overlapping(start, end), blockMatchers));
    try {
      for (BucketBlock b : acquired) {
        List<Matcher> ms = BlockPostings.withoutExternal(req.matchers(), b.externalLabels());
        if (ms == null) {
          continue;
        }
        resp.queried(b.id());
        try {
          if (ms.isEmpty()) {
            names.addAll(b.indexHeader().labelNames());
            for (int i = 0; i < b.externalLabels().size(); i++) {
              names.add(b.externalLabels().name(i));
            }
          } else {
            SeriesStream s = labelsOnly(b, ms, start, end);
            for (SeriesStream.Item it = s.next(); it != null; it = s.next()) {
              Labels l = it.series().labels();
              for (int i = 0; i < l.size(); i++) {
                names.add(l.name(i));
              }
            }
          }
        } catch (CorruptBlockException e) {
          corruptBlocks.increment();
          LOG.log(System.Logger.Level.WARNING, "skip corrupt block " + b.id() + ": " + e.getMessage(), e);
          warnings.add("skipped block " + b.id() + ": " + e.getMessage());
        }
      }
    } finally {
      releaseAll(acquired);
    }
    names.removeAll(req.withoutReplicaLabels());
    return new LabelNamesResponse(limit(names, req.limit()), warnings, resp.labelNamesHints());
  }

  @Override
  public LabelValuesResponse labelValues(LabelValuesRequest req) throws IOException {
    List<Matcher> blockMatchers = StoreHints.parseLabelValues(req.hints());
    if (req.withoutReplicaLabels().contains(req.label())) {
      return LabelValuesResponse.of(List.of());
    }
    StoreHints.Response resp = new StoreHints.Response();
    TreeSet<String> values = new TreeSet<>(Labels::compareStrings);
    List<String> warnings = new ArrayList<>();
    long start = Math.max(req.start(), serving.minTime().toEpochMillis(clock));
    long end = Math.min(req.end(), serving.maxTime().toEpochMillis(clock));
    List<BucketBlock> acquired = start > end ? List.of()
        : acquire(StoreHints.matching(overlapping(start, end), blockMatchers));
    try {
      for (BucketBlock b : acquired) {
        List<Matcher> ms = BlockPostings.withoutExternal(req.matchers(), b.externalLabels());
        if (ms == null) {
          continue;
        }
        resp.queried(b.id());
        try {
          String ext = b.externalLabels().get(req.label());
          if (ms.isEmpty()) {
            if (ext != null) {
              values.add(ext);
            } else {
              values.addAll(b.indexHeader().labelValues(req.label()));
            }
          } else {
            SeriesStream s = labelsOnly(b, ms, start, end);
            for (SeriesStream.Item it = s.next(); it != null; it = s.next()) {
              String v = it.series().labels().get(req.label());
              if (v != null && !v.isEmpty()) {
                values.add(v);
              }
            }
          }
        } catch (CorruptBlockException e) {
          corruptBlocks.increment();
          LOG.log(System.Logger.Level.WARNING, "skip corrupt block " + b.id() + ": " + e.getMessage(), e);
          warnings.add("skipped block " + b.id() + ": " + e.getMessage());
        }
      }
    } finally {
      releaseAll(acquired);
    }
    return new LabelValuesResponse(limit(values, req.limit()), warnings, resp.labelValuesHints());
  }

  private SeriesStream labelsOnly(BucketBlock b, List<Matcher> ms, long start, long end) throws IOException {
    return new BlockSeriesStream(b, () -> BlockPostings.select(b, ms), start, end, true, List.of(), options.seriesBatchSize(),
        new RequestLimits(options.maxSeriesPerRequest(), 0), new SeriesLabels(b.externalLabels(), Set.of()), null,
        false);
  }

  private static List<String> limit(TreeSet<String> set, long limit) {
    List<String> out = new ArrayList<>(set);
    if (limit > 0 && out.size() > limit) {
      return out.subList(0, (int) limit);
    }
    return out;
  }

  private List<BucketBlock> overlapping(long mint, long maxt) {
    List<BucketBlock> out = new ArrayList<>();
    for (BucketBlock b : blocks.values()) {
      if (b.overlaps(mint, maxt)) {
        out.add(b);
      }
    }
    out.sort(Comparator.comparingLong((BucketBlock b) -> b.meta().minTime()).thenComparing(BucketBlock::id));
    return out;
  }

  /**
   * External label sets of the served blocks, the overall time range ({@code Long.MAX_VALUE,
   * Long.MIN_VALUE} without blocks, as Thanos), and one TSDB info per label set and run of
   * touching or overlapping blocks.
   */
  @Override
  public StoreInfo info() {
    Map<Labels, List<long[]>> sets = new TreeMap<>();
    long mint = Long.MAX_VALUE;
    long maxt = Long.MIN_VALUE;
    for (BucketBlock b : blocks.values()) {
      sets.computeIfAbsent(b.externalLabels(), k -> new ArrayList<>())
          .add(new long[] {b.meta().minTime(), b.meta().maxTime()});
      mint = Math.min(mint, b.meta().minTime());
      maxt = Math.max(maxt, b.meta().maxTime());
    }
    // As Thanos: the advertised range is clamped to --min-time/--max-time (with no blocks it stays
    // empty: MAX_VALUE..MIN_VALUE); the per-label-set TSDB infos are not.
    mint = Math.max(mint, serving.minTime().toEpochMillis(clock));
    maxt = Math.min(maxt, serving.maxTime().toEpochMillis(clock));
    List<TsdbInfo> infos = new ArrayList<>();
    for (Map.Entry<Labels, List<long[]>> e : sets.entrySet()) {
      List<long[]> rs = e.getValue();
      rs.sort(Comparator.comparingLong(r -> r[0]));
      long[] cur = rs.get(0).clone();
      for (long[] r : rs) {
        if (r[0] > cur[1]) {
          infos.add(new TsdbInfo(e.getKey(), cur[0], cur[1]));
          cur = r.clone();
        } else {
          cur[1] = Math.max(cur[1], r[1]);
        }
      }
      infos.add(new TsdbInfo(e.getKey(), cur[0], cur[1]));
    }
    infos.sort(Comparator.comparingLong(TsdbInfo::minTime));
    return new StoreInfo(List.copyOf(sets.keySet()), mint, maxt, true, true, infos);
  }


  @Override
  public void close() throws IOException {
    executor.shutdown();
    List<BucketBlock> all = new ArrayList<>(blocks.values());
    blocks.clear();
    IoUtil.closeAll(all);
  }
}
