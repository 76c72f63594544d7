package dev.hypnos.querier;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.util.XxHash64;
import dev.hypnos.storeapi.ChunkData;
import dev.hypnos.storeapi.LabelNamesRequest;
import dev.hypnos.storeapi.LabelNamesResponse;
import dev.hypnos.storeapi.LabelValuesRequest;
import dev.hypnos.storeapi.LabelValuesResponse;
import dev.hypnos.storeapi.PartialResponseStrategy;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesResponse;
import dev.hypnos.storeapi.SeriesSink;
import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.storeapi.StoreApiException;
import dev.hypnos.storeapi.StoreChunk;
import dev.hypnos.storeapi.StoreInfo;
import dev.hypnos.storeapi.StoreSeries;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The querier's fan-out: one Store API over many stores. A request goes to every store whose time
 * range and external labels can match it, one concurrent stream per store; the sorted streams are
 * merged by labels, and every copy of a label set (from several stores, or repeated within one
 * stream) becomes one series whose identical chunks (same hash and time range) are sent once.
 *
 * <p>A store that fails or does not answer within the response timeout is dropped from the answer
 * with a warning naming it when the request allows a partial response, and fails the whole call
 * otherwise.
 *
 * <p>Memory: each store stream is buffered by at most twice {@value #QUEUE_SIZE} responses (a full
 * queue, and the batch taken from it that the merge is reading); a store that cannot strip
 * replica labels itself is buffered whole (its series must be re-sorted).
 *
 * <p>Concurrency: thread-safe; each call runs its store streams on virtual threads.
 */
public final class ProxyStore implements StoreApi, AutoCloseable {
  static final int QUEUE_SIZE = 512;

  /** One store as the fan-out sees it: a name for messages, its API, and its last Info. */
  public record Member(String name, StoreApi api, StoreInfo info) {
    public Member {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(api, "api");
      Objects.requireNonNull(info, "info");
    }
  }

  private final Supplier<? extends Collection<Member>> members;
  private final Duration responseTimeout;
  private final boolean partialLabelResponses;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

  /**
   * @param members the stores to ask, read on every call (the endpoint set's healthy stores)
   * @param responseTimeout how long to wait for a store's next response; zero for no limit
   * @param partialLabelResponses whether label calls tolerate failed stores (with warnings)
   */
  public ProxyStore(Supplier<? extends Collection<Member>> members, Duration responseTimeout, boolean partialLabelResponses) {
    this.members = members;
    this.responseTimeout = responseTimeout;
    this.partialLabelResponses = partialLabelResponses;
  }

  /** The stores that may hold data for this time range and these matchers. */
  List<Member> selectStores(long minTime, long maxTime, List<Matcher> matchers) {
    List<Member> out = new ArrayList<>();
    for (Member m : members.get()) {
      if (m.info.maxTime() < minTime || m.info.minTime() > maxTime) {
        continue;
      }
      if (labelSetsMatch(m.info.labelSets(), matchers)) {
        out.add(m);
      }
    }
    return out;
  }

  /**
   * Whether a store with these external label sets can hold series matching {@code matchers}: true
   * when it has no label sets, or when some set has no label that a matcher rules out.
   */
  static boolean labelSetsMatch(List<Labels> labelSets, List<Matcher> matchers) {
    if (labelSets.isEmpty()) {
      return true;
    }
    outer:
    for (Labels set : labelSets) {
      for (Matcher m : matchers) {
        String v = set.get(m.name());
        if (v != null && !m.matches(v)) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- series

  /*
   * What a store stream puts in its hand-off: the store's SeriesResponse objects themselves, then
   * an End or a Failed marker.
   */

  private record Failed(Throwable error) {}

  private enum End {
    INSTANCE
  }

  /**
   * A bounded queue between one producer and one consumer whose consumer takes everything queued
   * at once: one lock round and at most one wake-up of the producer per batch instead of per item.
   * The producer only waits when the queue is full and is woken when the consumer has emptied it,
   * so it then refills a whole batch without waiting again.
   */
  static final class HandOff {
    /** How long a consumer finding the queue empty spins before it parks. */
    static final long SPIN_NANOS = 20_000;

    private final Object[] ring;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private int first; // guarded by lock
    /** Written under the lock; read without it only to spin on. */
    private volatile int count;

    HandOff(int capacity) {
      this.ring = new Object[capacity];
    }

    int capacity() {
      return ring.length;
    }

    /** Appends, waiting while the queue is full. */
    void put(Object item) throws InterruptedException {
      lock.lockInterruptibly();
      try {
        while (count == ring.length) {
          notFull.await();
        }
        int i = first + count;
        ring[i < ring.length ? i : i - ring.length] = item;
        if (count++ == 0) {
          notEmpty.signal();
        }
      } finally {
        lock.unlock();
      }
    }

    /**
     * Moves every queued item to {@code dst[0..n)} in order and returns n, waiting while the queue
     * is empty: forever when {@code timeoutNanos} is zero, else at most that long (then 0).
     */
    int takeAll(Object[] dst, long timeoutNanos) throws InterruptedException {
      if (count == 0) {
        // A producer that is about as fast as the merge delivers within microseconds: wait for it
        // on this core instead of parking, which would cost a wake-up (a system call on both
        // sides) for every few items once the merge outpaces its stores.
        long start = System.nanoTime();
        while (count == 0 && System.nanoTime() - start < SPIN_NANOS) {
          Thread.onSpinWait();
        }
      }
      lock.lockInterruptibly();
      try {
        long left = timeoutNanos;
        while (count == 0) {
          if (timeoutNanos == 0) {
            notEmpty.await();
          } else if (left <= 0) {
            return 0;
          } else {
            left = notEmpty.awaitNanos(left);
          }
        }
        int n = count;
        int tail = Math.min(n, ring.length - first);
        System.arraycopy(ring, first, dst, 0, tail);
        Arrays.fill(ring, first, first + tail, null);
        if (tail < n) {
          System.arraycopy(ring, 0, dst, tail, n - tail);
          Arrays.fill(ring, 0, n - tail, null);
        }
        first = 0;
        count = 0;
        notFull.signal();
        return n;
      } finally {
        lock.unlock();
      }
    }
  }

  /** The consumer's view of one store stream. */
  private static final class Stream {
    final Member member;
    final HandOff queue = new HandOff(QUEUE_SIZE);
    /** Items taken from the queue in one batch: {@code taken[next..taken)} are still to read. */
    final Object[] batch = new Object[QUEUE_SIZE];
    final Object[] scratch = new Object[QUEUE_SIZE];
    /** Where {@link #warm}'s result goes, so that the compiler keeps its loads. */
    int warmed;
    int next;
    int taken;
    @Nullable Future<?> task;
    /** The head series as the store sent it (forwarded as is when it has no other copy). */
    SeriesResponse.@Nullable SeriesItem head;
    /** The head series' labels; null when the stream ended. */
    @Nullable Labels headLabels;
    final int order;

    Stream(Member member, int order) {
      this.member = member;
      this.order = order;
    }
  }

  @Override
  public void series(SeriesRequest request, SeriesSink sink) throws IOException {
    List<Member> stores = selectStores(request.minTime(), request.maxTime(), request.matchers());
    boolean partial = request.partialResponseStrategy() == PartialResponseStrategy.WARN;
    if (stores.size() == 1 && responseTimeout.isZero() && !mustStrip(request, stores.get(0))) {
      direct(stores.get(0), request, sink, partial);
      return;
    }
    List<Stream> streams = new ArrayList<>(stores.size());
    try {
      for (int i = 0; i < stores.size(); i++) {
        Stream s = new Stream(stores.get(i), i);
        streams.add(s);
        s.task = executor.submit(() -> produce(s, request));
      }
      merge(streams, request, sink, partial);
    } finally {
      for (Stream s : streams) {
        if (s.task != null) {
          s.task.cancel(true);
        }
      }
    }
  }

  /** Whether the proxy must strip the replica labels itself (the store cannot). */
  private static boolean mustStrip(SeriesRequest request, Member m) {
    return !request.withoutReplicaLabels().isEmpty() && !m.info.supportsWithoutReplicaLabels();
  }

  /**
   * The one store, without a response timeout: it streams straight into the sink on this thread,
   * with no producer thread or queue between them (one thread hand-off less per call). A failure
   * of the store, not of the sink, becomes a warning or an error as in the fan-out.
   */
  private static void direct(Member m, SeriesRequest request, SeriesSink sink, boolean partial) throws IOException {
    RuntimeException[] sinkFailure = new RuntimeException[1];
    try {
      m.api.series(request, r -> {
        try {
          sink.send(r);
        } catch (RuntimeException e) {
          sinkFailure[0] = e;
          throw e;
        }
      });
    } catch (Exception e) {
      if (sinkFailure[0] != null) {
        throw sinkFailure[0];
      }
      if (Thread.currentThread().isInterrupted()) {
        throw StoreApiException.cancelled("series stream of store " + m.name + " cancelled by the querier");
      }
      String msg = "store " + m.name + ": " + describe(e);
      if (!partial) {
        throw e instanceof StoreApiException se && se.category() != StoreApiException.Category.CANCELLED
            ? new StoreApiException(se.category(), msg, se)
            : StoreApiException.unavailable(msg, e);
      }
      sink.warning(msg);
    }
  }

  /** Runs on a virtual thread: streams one store into its queue, then an end or failure marker. */
  private void produce(Stream s, SeriesRequest request) {
    boolean strip = mustStrip(request, s.member);
    SeriesRequest sub = strip ? withoutReplicaLabels(request, List.of()) : request;
    try {
      if (strip) {
        // The store keeps replica labels: strip them here and re-sort its whole answer.
        List<StoreSeries> all = new ArrayList<>();
        s.member.api.series(sub, r -> {
          if (r instanceof SeriesResponse.SeriesItem si) {
            all.add(stripLabels(si.series(), request.withoutReplicaLabels()));
          } else {
            put(s, r);
          }
        });
        all.sort(Comparator.comparing(StoreSeries::labels));
        for (StoreSeries ss : all) {
          put(s, new SeriesResponse.SeriesItem(ss));
        }
      } else {
        s.member.api.series(sub, r -> put(s, r));
      }
      put(s, End.INSTANCE);
    } catch (StoreApiException e) {
      if (e.category() != StoreApiException.Category.CANCELLED || !Thread.currentThread().isInterrupted()) {
        offerQuietly(s, new Failed(e));
      }
    } catch (Exception e) {
      offerQuietly(s, new Failed(e));
    }
  }

  private static void put(Stream s, Object item) {
    try {
      s.queue.put(item);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw StoreApiException.cancelled("series stream of store " + s.member.name + " cancelled by the querier");
    }
  }

  private static void offerQuietly(Stream s, Object item) {
    try {
      s.queue.put(item);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static SeriesRequest withoutReplicaLabels(SeriesRequest r, List<String> labels) {
    return new SeriesRequest(r.minTime(), r.maxTime(), r.matchers(), r.maxResolutionWindow(), r.aggregates(),
        r.skipChunks(), labels, r.limit(), r.responseBatchSize(), r.shardInfo(), r.queryHints(), r.hints(),
        r.partialResponseStrategy());
  }

  private static StoreSeries stripLabels(StoreSeries s, List<String> names) {
    return new StoreSeries(s.labels().without(names.toArray(String[]::new)), s.chunks());
  }

  /**
   * Pulls the next series of a stream into {@code head}, forwarding warnings and hints; false when
   * the stream ended or failed (a failure is a warning or an exception, by {@code partial}).
   */
  private boolean advance(Stream s, SeriesSink sink, boolean partial) {
    while (true) {
      if (s.next == s.taken) {
        refill(s);
      }
      Object item = s.batch[s.next];
      s.batch[s.next++] = null;
      if (item instanceof SeriesResponse.SeriesItem si) {
        s.head = si;
        s.headLabels = si.series().labels();
        return true;
      }
      if (item instanceof SeriesResponse r) {
        sink.send(r);
        continue;
      }
      s.head = null;
      s.headLabels = null;
      if (item instanceof Failed f) {
        if (s.task != null) {
          s.task.cancel(true);
        }
        String msg = "store " + s.member.name + ": " + describe(f.error());
        if (!partial) {
          // A store that reports CANCELLED (it was shut down mid-call) failed; only the querier's
          // own cancellation, which interrupts this thread, is a cancelled query.
          throw f.error() instanceof StoreApiException se && se.category() != StoreApiException.Category.CANCELLED
              ? new StoreApiException(se.category(), msg, se)
              : StoreApiException.unavailable(msg, f.error());
        }
        sink.warning(msg);
      }
      return false;
    }
  }

  /**
   * Takes everything the stream's queue holds (waiting at most the response timeout for the first
   * item), then touches the labels of the series taken, so that the merge's comparisons find them
   * in cache.
   */
  private void refill(Stream s) {
    int n;
    try {
      n = s.queue.takeAll(s.batch, responseTimeout.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw StoreApiException.cancelled("series fan-out interrupted");
    }
    s.next = 0;
    if (n == 0) {
      s.batch[0] = new Failed(StoreApiException.unavailable(
          "no response within " + responseTimeout.toMillis() + "ms (--store.response-timeout)", null));
      s.taken = 1;
      return;
    }
    s.taken = n;
    s.warmed = warm(s.batch, n, s.scratch);
  }

  /**
   * Reads the labels of the series in {@code items[0..n)} ahead of their comparisons. Series
   * handed over by a store are usually not in this core's cache, and reaching a label's bytes
   * chases five references in a row (response, series, labels, array, string); taken one series at
   * a time, as the merge would, every one of them waits for memory. Here each pass over the batch
   * follows one or two references per series, so the loads of different series are independent
   * and their cache misses overlap. {@code scratch} holds the references between passes. Returns
   * a sum of what was read, meaningless but to be stored.
   */
  private static int warm(Object[] items, int n, Object[] scratch) {
    int m = 0;
    for (int i = 0; i < n; i++) {
      if (items[i] instanceof SeriesResponse.SeriesItem si) {
        scratch[m++] = si.series();
      }
    }
    for (int i = 0; i < m; i++) {
      scratch[i] = ((StoreSeries) scratch[i]).labels();
    }
    int acc = 0;
    for (int i = 0; i < m; i++) {
      acc += ((Labels) scratch[i]).size();
    }
    for (int i = 0; i < m; i++) {
      Labels l = (Labels) scratch[i];
      for (int j = 0, k = l.size(); j < k; j++) {
        acc += l.name(j).length() + l.value(j).length();
      }
      scratch[i] = null;
    }
    return acc;
  }

  private static String describe(Throwable t) {
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /**
   * Whether stream {@code a} goes before {@code b}: by their head series' labels, then by store
   * order; an ended stream (no head) after every other.
   */
  private static boolean before(Stream a, Stream b) {
    Labels la = a.headLabels;
    Labels lb = b.headLabels;
    if (la == null || lb == null) {
      return lb == null && (la != null || a.order < b.order);
    }
    int c = la.compareTo(lb);
    return c != 0 ? c < 0 : a.order < b.order;
  }

  private static boolean headIs(Stream s, Labels labels) {
    Labels h = s.headLabels;
    return h != null && h.equals(labels);
  }

  /**
   * A loser tree over the store streams: {@code tree[0]} is the stream whose head goes first,
   * {@code tree[1..k-1]} the losers of the internal nodes (children of node n: 2n and 2n+1;
   * stream i is leaf k+i). After the winner's head changed, one comparison per level (log2 k)
   * restores it, against the PriorityQueue's poll and re-add.
   */
  private static final class LoserTree {
    final Stream[] streams;
    final int[] tree;

    LoserTree(List<Stream> streams) {
      this.streams = streams.toArray(Stream[]::new);
      this.tree = new int[Math.max(1, this.streams.length)];
      if (this.streams.length > 0) {
        tree[0] = build(1);
      }
    }

    private int build(int node) {
      int k = streams.length;
      if (node >= k) {
        return node - k;
      }
      int l = build(2 * node);
      int r = build(2 * node + 1);
      if (before(streams[r], streams[l])) {
        tree[node] = l;
        return r;
      }
      tree[node] = r;
      return l;
    }

    Stream winner() {
      return streams[tree[0]];
    }

    /** Re-seats the winner after its head changed. */
    void replay() {
      int w = tree[0];
      Stream cur = streams[w];
      for (int node = (w + streams.length) >>> 1; node >= 1; node >>>= 1) {
        int other = tree[node];
        if (before(streams[other], cur)) {
          tree[node] = w;
          w = other;
          cur = streams[w];
        }
      }
      tree[0] = w;
    }
  }

  private void merge(List<Stream> streams, SeriesRequest request, SeriesSink sink, boolean partial) {
    if (streams.isEmpty()) {
      return;
    }
    for (Stream s : streams) {
      advance(s, sink, partial);
    }
    LoserTree tree = new LoserTree(streams);
    List<StoreSeries> parts = new ArrayList<>(4); // the copies of one label set, reused
    long sent = 0;
    while (true) {
      Stream first = tree.winner();
      SeriesResponse.SeriesItem item = first.head;
      Labels labels = first.headLabels;
      if (item == null || labels == null) {
        return; // every stream ended
      }
      StoreSeries series = item.series();
      advance(first, sink, partial);
      tree.replay();
      // Every head is at or after labels, so any other copy of this label set is the new winner.
      if (!headIs(tree.winner(), labels)) {
        // The common case: one copy of this label set, forwarded as the store sent it.
        sink.send(item);
      } else {
        // Every copy of this label set: from other stores, and repeated in one stream (a store
        // that could not strip replica labels sends replicas one after another). Ties go by store
        // order, so the copies come store by store.
        parts.add(series);
        Stream s;
        while (headIs(s = tree.winner(), labels)) {
          parts.add(Objects.requireNonNull(s.head).series());
          advance(s, sink, partial);
          tree.replay();
        }
        StoreSeries merged = mergeChunks(parts);
        parts.clear();
        // Copies equal to the first: its response goes out as the store sent it.
        sink.send(merged == series ? item : new SeriesResponse.SeriesItem(merged));
      }
      if (request.limit() > 0 && ++sent >= request.limit()) {
        return;
      }
    }
  }

  /**
   * One series from several stores' copies: all chunks, those with equal content once, sorted by
   * time (Thanos's {@code responseDeduplicator}).
   */
  static StoreSeries mergeChunks(List<StoreSeries> parts) {
    StoreSeries same = allCopiesEqual(parts);
    if (same != null) {
      return same;
    }
    List<StoreChunk> chunks = new ArrayList<>();
    Set<Long> seen = new HashSet<>();
    for (StoreSeries p : parts) {
      for (StoreChunk c : p.chunks()) {
        if (seen.add(chunkHash(c))) {
          chunks.add(c);
        }
      }
    }
    chunks.sort(BY_TIME);
    return new StoreSeries(parts.get(0).labels(), chunks);
  }

  private static final Comparator<StoreChunk> BY_TIME =
      Comparator.comparingLong(StoreChunk::minTime).thenComparingLong(StoreChunk::maxTime);

  /**
   * The first copy when it is what {@link #mergeChunks} would build anyway (the usual case of
   * replicas that hold the same blocks): every copy has the same chunks in the same order, and the
   * first copy's chunks are in time order with no two of equal hash. Null otherwise.
   */
  private static @Nullable StoreSeries allCopiesEqual(List<StoreSeries> parts) {
    List<StoreChunk> first = parts.get(0).chunks();
    if (first.size() == 1) {
      // One chunk: in order and without duplicates by itself; the copies must hold just it.
      StoreChunk only = first.get(0);
      long h = 0;
      boolean hashed = false;
      for (int p = 1; p < parts.size(); p++) {
        List<StoreChunk> other = parts.get(p).chunks();
        if (other == first) {
          continue;
        }
        if (other.size() != 1) {
          return null;
        }
        if (!hashed) {
          h = chunkHash(only);
          hashed = true;
        }
        if (chunkHash(other.get(0)) != h) {
          return null;
        }
      }
      return parts.get(0);
    }
    int n = first.size();
    if (n > 8) {
      return null;
    }
    long[] hashes = new long[n];
    for (int i = 0; i < n; i++) {
      StoreChunk c = first.get(i);
      hashes[i] = chunkHash(c);
      if (i > 0 && BY_TIME.compare(first.get(i - 1), c) > 0) {
        return null;
      }
      for (int j = 0; j < i; j++) {
        if (hashes[j] == hashes[i]) {
          return null;
        }
      }
    }
    for (int p = 1; p < parts.size(); p++) {
      List<StoreChunk> other = parts.get(p).chunks();
      if (other == first) {
        continue;
      }
      if (other.size() != n) {
        return null;
      }
      for (int i = 0; i < n; i++) {
        if (chunkHash(other.get(i)) != hashes[i]) {
          return null;
        }
      }
    }
    return parts.get(0);
  }

  /** The hash of the first present part (raw, count, max, min, sum, counter), computed if unset. */
  private static long chunkHash(StoreChunk c) {
    ChunkData d = c.raw() != null ? c.raw()
        : c.count() != null ? c.count()
        : c.max() != null ? c.max()
        : c.min() != null ? c.min()
        : c.sum() != null ? c.sum()
        : c.counter();
    d = Objects.requireNonNull(d);
    long h = d.hash() != 0 ? d.hash() : XxHash64.hash(d.array(), d.offset(), d.length());
    // Mix in the time range: equal bytes over different ranges are different chunks.
    return h * 31 + c.minTime() * 17 + c.maxTime();
  }

  // ---------------------------------------------------------------- labels

  @Override
  public LabelNamesResponse labelNames(LabelNamesRequest request) throws IOException {
    TreeSet<String> names = new TreeSet<>(Labels::compareStrings);
    List<String> warnings = new ArrayList<>();
    fanOut(selectStores(request.start(), request.end(), request.matchers()), warnings, m -> {
      LabelNamesResponse r = m.api.labelNames(request);
      return () -> {
        names.addAll(r.names());
        warnings.addAll(r.warnings());
      };
    });
    return new LabelNamesResponse(limit(names, request.limit()), warnings, null);
  }

  @Override
  public LabelValuesResponse labelValues(LabelValuesRequest request) throws IOException {
    TreeSet<String> values = new TreeSet<>(Labels::compareStrings);
    List<String> warnings = new ArrayList<>();
    fanOut(selectStores(request.start(), request.end(), request.matchers()), warnings, m -> {
      LabelValuesResponse r = m.api.labelValues(request);
      return () -> {
        values.addAll(r.values());
        warnings.addAll(r.warnings());
      };
    });
    return new LabelValuesResponse(limit(values, request.limit()), warnings, null);
  }

  private static List<String> limit(TreeSet<String> set, long limit) {
    List<String> all = List.copyOf(set);
    return limit > 0 && all.size() > limit ? all.subList(0, (int) limit) : all;
  }

  /** A store call whose result is applied by the returned action, on the calling thread. */
  @FunctionalInterface
  private interface StoreCall {
    Runnable call(Member m) throws Exception;
  }

  private void fanOut(List<Member> stores, List<String> warnings, StoreCall call) {
    List<Future<Runnable>> futures = new ArrayList<>();
    for (Member m : stores) {
      futures.add(executor.submit(() -> call.call(m)));
    }
    for (int i = 0; i < futures.size(); i++) {
      Member m = stores.get(i);
      try {
        Runnable apply = responseTimeout.isZero()
            ? futures.get(i).get()
            : futures.get(i).get(responseTimeout.toNanos(), TimeUnit.NANOSECONDS);
        apply.run();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        futures.forEach(f -> f.cancel(true));
        throw StoreApiException.cancelled("label fan-out interrupted");
      } catch (Exception e) {
        futures.get(i).cancel(true);
        Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
        String msg = "store " + m.name + ": "
            + (e instanceof java.util.concurrent.TimeoutException
                ? "no response within " + responseTimeout.toMillis() + "ms (--store.response-timeout)"
                : describe(cause));
        if (!partialLabelResponses) {
          futures.forEach(f -> f.cancel(true));
          throw StoreApiException.unavailable(msg, cause);
        }
        warnings.add(msg);
      }
    }
  }

  // ---------------------------------------------------------------- info

  @Override
  public StoreInfo info() {
    List<Labels> sets = new ArrayList<>();
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (Member m : members.get()) {
      sets.addAll(m.info.labelSets());
      min = Math.min(min, m.info.minTime());
      max = Math.max(max, m.info.maxTime());
    }
    if (min > max) {
      // No store: an empty range, as Thanos reports it.
      min = Long.MAX_VALUE;
      max = Long.MIN_VALUE;
    }
    return new StoreInfo(sets.stream().distinct().sorted().toList(), min, max, false, true, List.of());
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
