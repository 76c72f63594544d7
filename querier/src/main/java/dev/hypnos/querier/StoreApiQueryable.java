package dev.hypnos.querier;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.dedup.DedupSeriesSet;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.storage.Querier;
import dev.hypnos.core.storage.Queryable;
import dev.hypnos.core.storage.SelectHints;
import dev.hypnos.core.storage.Series;
import dev.hypnos.core.storage.SeriesSet;
import dev.hypnos.storeapi.Aggregate;
import dev.hypnos.storeapi.LabelNamesRequest;
import dev.hypnos.storeapi.LabelValuesRequest;
import dev.hypnos.storeapi.PartialResponseStrategy;
import dev.hypnos.storeapi.QueryHints;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesResponse;
import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.storeapi.StoreApiException;
import dev.hypnos.storeapi.StoreChunk;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * PromQL's view of a Store API (usually the {@link ProxyStore}): selects become Series requests,
 * streamed back through a bounded queue, with replica labels stripped by the stores and the
 * replicas merged by {@link DedupSeriesSet} when deduplication is on.
 *
 * <p>Downsampled data: each request carries the query's max resolution window (lowered for
 * functions needing two samples per range) and the aggregates the select hints' function wants
 * ({@link Downsampling}); a {@link Downsampling#VIEW_LABEL} matcher left by {@link
 * DownsampledRewrite} is taken off and chooses how points are read ({@link StoreSeriesIterators}).
 *
 * <p>Concurrency: thread-safe; each select streams on its own virtual thread.
 */
public final class StoreApiQueryable implements Queryable, AutoCloseable {
  /**
   * Per-query options.
   *
   * @param replicaLabels labels to deduplicate by (empty = no dedup)
   * @param algorithm deduplication algorithm
   * @param partialResponse whether a failing store only adds a warning
   * @param maxResolutionMillis the coarsest downsampled resolution the query may read
   *     ({@code max_source_resolution}), 0 for raw data only
   */
  public record Options(List<String> replicaLabels, DedupSeriesSet.Algorithm algorithm, boolean partialResponse,
      long maxResolutionMillis) {
    public Options {
      replicaLabels = List.copyOf(replicaLabels);
      if (maxResolutionMillis < 0) {
        throw new IllegalArgumentException("max resolution " + maxResolutionMillis + " ms is negative");
      }
    }

    /** Options reading raw data only. */
    public Options(List<String> replicaLabels, DedupSeriesSet.Algorithm algorithm, boolean partialResponse) {
      this(replicaLabels, algorithm, partialResponse, 0);
    }
  }

  private static final int QUEUE_SIZE = 64;

  private final StoreApi store;
  private final Options options;
  private final @Nullable QueryStats stats;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  public StoreApiQueryable(StoreApi store, Options options) {
    this(store, options, null);
  }

  /** Like {@link #StoreApiQueryable(StoreApi, Options)}, counting the samples read into {@code stats}. */
  public StoreApiQueryable(StoreApi store, Options options, @Nullable QueryStats stats) {
    this.store = store;
    this.options = options;
    this.stats = stats;
  }

  @Override
  public Querier querier(long minTime, long maxTime) {
    return new Querier() {
      private final List<Future<?>> running = Collections.synchronizedList(new ArrayList<>());

      @Override
      public SeriesSet select(SelectHints hints, List<Matcher> matchers) {
        long lo = Math.max(minTime, hints.start());
        long hi = Math.min(maxTime, hints.end());
        boolean dedup = !options.replicaLabels().isEmpty();
        Downsampling.View view = null;
        List<Matcher> storeMatchers = matchers;
        for (Matcher m : matchers) {
          Downsampling.View v = Downsampling.View.of(m);
          if (v != null) {
            view = v;
            storeMatchers = new ArrayList<>(matchers);
            storeMatchers.remove(m);
            break;
          }
        }
        List<Aggregate> aggregates = view != null ? List.of(view.aggregate()) : Downsampling.aggregatesFor(hints.func());
        SeriesRequest request = SeriesRequest.builder(lo, hi, storeMatchers)
            .maxResolutionWindow(Downsampling.maxResolutionFor(options.maxResolutionMillis(), hints.range(), hints.func()))
            .aggregates(aggregates)
            .withoutReplicaLabels(dedup ? options.replicaLabels() : List.of())
            .partialResponseStrategy(options.partialResponse() ? PartialResponseStrategy.WARN : PartialResponseStrategy.ABORT)
            .responseBatchSize(64)
            .queryHints(hints.step() == 0 ? null : queryHints(hints))
            .build();
        StreamedSet set = new StreamedSet(lo, hi, dedup && options.algorithm() == DedupSeriesSet.Algorithm.PENALTY,
            DedupSeriesSet.isCounterFunction(hints.func()), new StoreSeriesIterators.Reading(aggregates, view), stats,
            store, request);
        set.starter = () -> running.add(executor.submit(set::produce));
        if (dedup) {
          // Deduplication pulls series one by one: the stream is read on its own thread from now.
          set.prefetch();
          return new DedupSeriesSet(set, options.algorithm(), hints.func());
        }
        return set;
      }

      @Override
      public List<String> labelValues(String name, List<Matcher> matchers) throws IOException {
        return store.labelValues(LabelValuesRequest.of(name, minTime, maxTime, matchers)).values();
      }

      @Override
      public List<String> labelNames(List<Matcher> matchers) throws IOException {
        return store.labelNames(LabelNamesRequest.of(minTime, maxTime, matchers)).names();
      }

      @Override
      public void close() {
        synchronized (running) {
          running.forEach(f -> f.cancel(true));
        }
      }
    };
  }

  /**
   * The advisory hints sent to stores. The function name is left out: Thanos sidecars from the
   * releases with experimental query pushdown evaluate {@code max_over_time} and a few other
   * functions themselves when a request names them ({@code QueryHints.IsSafeToExecute}), which a
   * querier not expecting pre-evaluated series must not trigger; current Thanos queriers send no
   * function either.
   */
  private static QueryHints queryHints(SelectHints hints) {
    return new QueryHints(hints.step(), "",
        hints.grouping().isEmpty() ? null : new QueryHints.Grouping(hints.by(), hints.grouping()), hints.range());
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }

  /** Pull side of one Series stream. */
  private static final class StreamedSet implements SeriesSet {
    private sealed interface Item {}

    private record One(Series series) implements Item {}

    private record Failed(Throwable error) implements Item {}

    private enum End implements Item {
      INSTANCE
    }

    private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(QUEUE_SIZE);
    /**
     * Items already taken from the queue, in order: the reader drains the queue in bulk, since
     * taking items one at a time wakes the (blocked, faster) producer for every slot freed.
     */
    private final java.util.ArrayDeque<Item> taken = new java.util.ArrayDeque<>(QUEUE_SIZE);
    private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
    private final long minTime;
    private final long maxTime;
    private final boolean penalty;
    private final boolean counter;
    private final StoreSeriesIterators.Reading reading;
    private final @Nullable QueryStats stats;
    private @Nullable Series current;
    private boolean done;

    private final StoreApi store;
    private final SeriesRequest request;
    /**
     * Starts {@link #produce} on another thread; null once started or read inline. A set is read
     * either by that thread through the queue ({@link #next}, {@link #prefetch}) or, when nothing
     * started it, on the caller's thread by {@link #forEachRemaining}.
     */
    @Nullable Runnable starter;

    StreamedSet(long minTime, long maxTime, boolean penalty, boolean counter, StoreSeriesIterators.Reading reading,
        @Nullable QueryStats stats, StoreApi store, SeriesRequest request) {
      this.minTime = minTime;
      this.maxTime = maxTime;
      this.penalty = penalty;
      this.counter = counter;
      this.reading = reading;
      this.stats = stats;
      this.store = store;
      this.request = request;
    }

    @Override
    public void prefetch() {
      Runnable s = starter;
      if (s != null) {
        starter = null;
        s.run();
      }
    }

    /**
     * When the set was not started: reads the store's stream on this thread and hands each series
     * over as it arrives (no producer thread, no queue: two thread hand-offs fewer per select).
     */
    @Override
    public void forEachRemaining(java.util.function.Consumer<Series> consumer) throws IOException {
      if (starter == null) {
        SeriesSet.super.forEachRemaining(consumer);
        return;
      }
      starter = null;
      if (done) {
        return;
      }
      done = true;
      store.series(request, r -> receive(r, consumer));
      current = null;
      if (stats != null) {
        stats.selectDone();
      }
    }

    /** Reads the store's stream into the queue, on the thread {@link #starter} gave it. */
    void produce() {
      try {
        store.series(request, r -> receive(r, series -> put(new One(series))));
        put(End.INSTANCE);
      } catch (Exception e) {
        if (!Thread.currentThread().isInterrupted()) {
          try {
            queue.put(new Failed(e));
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
          }
        }
      }
    }

    /** A store response: a series goes to {@code to}, a warning is kept, hints are dropped. */
    private void receive(SeriesResponse r, java.util.function.Consumer<Series> to) {
      switch (r) {
        case SeriesResponse.SeriesItem s -> to.accept(toSeries(s.series().labels(), s.series().chunks()));
        case SeriesResponse.Warning w -> warnings.add(w.message());
        case SeriesResponse.Hints h -> {}
      }
    }

    private Series toSeries(Labels labels, List<StoreChunk> chunks) {
      return new Series() {
        @Override
        public Labels labels() {
          return labels;
        }

        @Override
        public ChunkIterator iterator() {
          ChunkIterator it = StoreSeriesIterators.of(chunks, minTime, maxTime, penalty, counter, reading);
          return stats == null ? it : new Counting(it, stats);
        }
      };
    }

    private void put(Item item) {
      try {
        queue.put(item);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw StoreApiException.cancelled("query cancelled");
      }
    }

    @Override
    public boolean next() throws IOException {
      if (done) {
        return false;
      }
      prefetch();
      Item item = taken.poll();
      if (item == null && queue.drainTo(taken, QUEUE_SIZE) > 0) {
        item = taken.poll();
      }
      try {
        if (item == null) {
          item = queue.take();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("select interrupted");
      }
      switch (item) {
        case One o -> {
          current = o.series();
          return true;
        }
        case Failed f -> {
          done = true;
          if (f.error() instanceof IOException io) {
            throw io;
          }
          if (f.error() instanceof RuntimeException re) {
            throw re;
          }
          throw new IOException(f.error());
        }
        case End e -> {
          done = true;
          current = null;
          if (stats != null) {
            stats.selectDone();
          }
          return false;
        }
      }
    }

    @Override
    public Series at() {
      Series s = current;
      if (s == null) {
        throw new IllegalStateException("no current series");
      }
      return s;
    }

    @Override
    public List<String> warnings() {
      synchronized (warnings) {
        return List.copyOf(warnings);
      }
    }
  }

  /** Counts every sample an iterator yields into the query's stats. */
  private static final class Counting implements ChunkIterator {
    private final ChunkIterator it;
    private final QueryStats stats;

    Counting(ChunkIterator it, QueryStats stats) {
      this.it = it;
      this.stats = stats;
    }

    @Override
    public boolean next() {
      if (it.next()) {
        stats.sample(it.timestamp());
        return true;
      }
      return false;
    }

    @Override
    public int next(long[] ts, double[] values, int off, int max) {
      // forwarded so that counting keeps the wrapped iterator's bulk decoding
      int n = it.next(ts, values, off, max);
      for (int i = 0; i < n; i++) {
        stats.sample(ts[off + i]);
      }
      return n;
    }

    @Override
    public boolean seek(long t) {
      boolean had = it.hasCurrent();
      long before = had ? it.timestamp() : Long.MIN_VALUE;
      if (!it.seek(t)) {
        return false;
      }
      if (!had || it.timestamp() != before) {
        stats.sample(it.timestamp());
      }
      return true;
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
      return it.value();
    }

    @Override
    public @Nullable String error() {
      return it.error();
    }
  }
}
