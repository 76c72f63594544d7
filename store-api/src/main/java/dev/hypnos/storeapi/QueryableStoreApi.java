package dev.hypnos.storeapi;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.chunk.XorEncoder;
import dev.hypnos.core.labels.Label;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.storage.Querier;
import dev.hypnos.core.storage.Queryable;
import dev.hypnos.core.storage.SelectHints;
import dev.hypnos.core.storage.Series;
import dev.hypnos.core.storage.SeriesSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A {@link StoreApi} over a core {@link Queryable} (for example {@code MemoryStorage}): the
 * reference implementation the contract suite runs against, and a simple store for tests.
 *
 * <p>Behaviour, following the Thanos sidecar and store gateway:
 *
 * <ul>
 *   <li>Samples in the requested range are encoded into XOR chunks of at most {@value
 *       #MAX_SAMPLES_PER_CHUNK} samples, each with its xxhash64. A series without samples in range
 *       is not sent.
 *   <li>External labels are added to every series and win over series labels of the same name. A
 *       matcher on an external label is checked against the external value and then dropped.
 *   <li>{@code withoutReplicaLabels} are stripped from the final labels; series that become equal
 *       are merged. Shards are computed on the labels as sent.
 *   <li>Output is sorted by the labels as sent. Since adding external labels or stripping replica
 *       labels can change the order, the series are collected and sorted before sending when
 *       either applies; otherwise they stream in the queryable's order.
 * </ul>
 *
 * <p>Concurrency: thread-safe when the queryable is.
 */
public final class QueryableStoreApi implements StoreApi {
  /** Samples per chunk, as Prometheus cuts its head chunks. */
  public static final int MAX_SAMPLES_PER_CHUNK = 120;

  private static final Matcher MATCH_ALL = Matcher.re("__name__", ".*");

  private final Queryable queryable;
  private final Labels externalLabels;
  private final long minTime;
  private final long maxTime;

  /**
   * @param queryable the data
   * @param externalLabels added to every series
   * @param minTime earliest sample the store may hold, reported by {@link #info()}
   * @param maxTime latest sample the store may hold, reported by {@link #info()}
   */
  public QueryableStoreApi(Queryable queryable, Labels externalLabels, long minTime, long maxTime) {
    this.queryable = Objects.requireNonNull(queryable, "queryable");
    this.externalLabels = Objects.requireNonNull(externalLabels, "externalLabels");
    this.minTime = minTime;
    this.maxTime = maxTime;
  }

  /** A store reporting the whole time line in {@link #info()}. */
  public QueryableStoreApi(Queryable queryable, Labels externalLabels) {
    this(queryable, externalLabels, Long.MIN_VALUE, Long.MAX_VALUE);
  }

  @Override
  public void series(SeriesRequest request, SeriesSink sink) throws IOException {
    List<Matcher> matchers = seriesMatchers(request.matchers());
    if (matchers == null) {
      return;
    }
    boolean resort = !externalLabels.isEmpty() || !request.withoutReplicaLabels().isEmpty();
    List<StoreSeries> collected = new ArrayList<>();
    long sent = 0;
    XorEncoder encoder = new XorEncoder();
    try (Querier querier = queryable.querier(request.minTime(), request.maxTime());
        SeriesSet set = querier.select(selectHints(request), matchers)) {
      while (set.next()) {
        Series s = set.at();
        Labels labels = finalLabels(s.labels(), request.withoutReplicaLabels());
        if (request.shardInfo() != null && !request.shardInfo().matches(labels)) {
          continue;
        }
        List<StoreChunk> chunks = encode(s.iterator(), request, encoder);
        if (chunks == null) {
          continue;
        }
        StoreSeries out = new StoreSeries(labels, chunks);
        if (resort) {
          collected.add(out);
        } else {
          if (request.hasLimit() && sent >= request.limit()) {
            break;
          }
          sink.series(out);
          sent++;
        }
      }
      for (String w : set.warnings()) {
        sink.warning(w);
      }
    }
    if (resort) {
      sendSorted(collected, request, sink);
    }
  }

  private static void sendSorted(List<StoreSeries> collected, SeriesRequest request, SeriesSink sink) {
    collected.sort(Comparator.comparing(StoreSeries::labels));
    long sent = 0;
    int i = 0;
    while (i < collected.size()) {
      if (request.hasLimit() && sent >= request.limit()) {
        return;
      }
      StoreSeries first = collected.get(i);
      int j = i + 1;
      while (j < collected.size() && collected.get(j).labels().equals(first.labels())) {
        j++;
      }
      if (j - i == 1) {
        sink.series(first);
      } else {
        List<StoreChunk> merged = new ArrayList<>();
        for (int k = i; k < j; k++) {
          merged.addAll(collected.get(k).chunks());
        }
        merged.sort(Comparator.comparingLong(StoreChunk::minTime));
        sink.series(new StoreSeries(first.labels(), merged));
      }
      sent++;
      i = j;
    }
  }

  /**
   * Chunks of the samples in range, or null when there is none. With skip chunks, an empty list
   * once one sample in range was found.
   */
  private static @org.jspecify.annotations.Nullable List<StoreChunk> encode(
      ChunkIterator it, SeriesRequest request, XorEncoder encoder) throws IOException {
    List<StoreChunk> chunks = new ArrayList<>();
    boolean any = false;
    long chunkMin = 0;
    encoder.reset();
    while (it.next()) {
      long t = it.timestamp();
      if (t < request.minTime()) {
        continue;
      }
      if (t > request.maxTime()) {
        break;
      }
      any = true;
      if (request.skipChunks()) {
        break;
      }
      if (encoder.numSamples() == 0) {
        chunkMin = t;
      }
      encoder.append(t, it.value());
      if (encoder.numSamples() == MAX_SAMPLES_PER_CHUNK) {
        chunks.add(StoreChunk.raw(chunkMin, t, ChunkData.xor(encoder.toChunk())));
        encoder.reset();
      }
    }
    if (it.error() != null) {
      throw new IOException("read samples for series: " + it.error());
    }
    if (encoder.numSamples() > 0) {
      chunks.add(StoreChunk.raw(chunkMin, encoder.lastTimestamp(), ChunkData.xor(encoder.toChunk())));
    }
    return any ? chunks : null;
  }

  private static SelectHints selectHints(SeriesRequest request) {
    QueryHints q = request.queryHints();
    if (q == null) {
      return SelectHints.range(request.minTime(), request.maxTime());
    }
    QueryHints.Grouping g = q.grouping();
    return new SelectHints(
        request.minTime(),
        request.maxTime(),
        q.stepMillis(),
        q.func(),
        q.rangeMillis(),
        g == null ? List.of() : g.labels(),
        g != null && g.by());
  }

  /**
   * The matchers to pass to the queryable: those on external labels are checked here and left
   * out. Null when an external-label matcher rejects this store.
   */
  private @org.jspecify.annotations.Nullable List<Matcher> seriesMatchers(List<Matcher> matchers) {
    List<Matcher> rest = new ArrayList<>(matchers.size());
    for (Matcher m : matchers) {
      String ext = externalLabels.get(m.name());
      if (ext == null) {
        rest.add(m);
      } else if (!m.matches(ext)) {
        return null;
      }
    }
    if (rest.isEmpty()) {
      rest.add(MATCH_ALL);
    }
    return rest;
  }

  /** Series labels with the external labels added (they win), minus the replica labels. */
  private Labels finalLabels(Labels series, List<String> withoutReplicaLabels) {
    Labels out = series;
    if (!externalLabels.isEmpty()) {
      List<Label> ls = new ArrayList<>(series.size() + externalLabels.size());
      for (Label l : series) {
        if (externalLabels.get(l.name()) == null) {
          ls.add(l);
        }
      }
      for (Label l : externalLabels) {
        ls.add(l);
      }
      out = Labels.fromUnsorted(ls);
    }
    if (!withoutReplicaLabels.isEmpty()) {
      out = out.without(withoutReplicaLabels.toArray(new String[0]));
    }
    return out;
  }

  @Override
  public LabelNamesResponse labelNames(LabelNamesRequest request) throws IOException {
    List<Matcher> matchers = seriesMatchers(request.matchers());
    if (matchers == null) {
      return LabelNamesResponse.of(List.of());
    }
    TreeSet<String> names = new TreeSet<>(Labels::compareStrings);
    boolean any = forSeriesInRange(request.start(), request.end(), matchers, labels -> {
      for (Label l : labels) {
        names.add(l.name());
      }
    });
    if (any) {
      for (Label l : externalLabels) {
        names.add(l.name());
      }
    }
    names.removeAll(request.withoutReplicaLabels());
    return LabelNamesResponse.of(limit(new ArrayList<>(names), request.limit()));
  }

  @Override
  public LabelValuesResponse labelValues(LabelValuesRequest request) throws IOException {
    if (request.withoutReplicaLabels().contains(request.label())) {
      return LabelValuesResponse.of(List.of());
    }
    List<Matcher> matchers = seriesMatchers(request.matchers());
    if (matchers == null) {
      return LabelValuesResponse.of(List.of());
    }
    String ext = externalLabels.get(request.label());
    TreeSet<String> values = new TreeSet<>(Labels::compareStrings);
    boolean any = forSeriesInRange(request.start(), request.end(), matchers, labels -> {
      if (ext == null) {
        String v = labels.get(request.label());
        if (v != null && !v.isEmpty()) {
          values.add(v);
        }
      }
    });
    if (any && ext != null) {
      values.add(ext);
    }
    return LabelValuesResponse.of(limit(new ArrayList<>(values), request.limit()));
  }

  private static List<String> limit(List<String> sorted, long limit) {
    return limit > 0 && sorted.size() > limit ? sorted.subList(0, (int) limit) : sorted;
  }

  /** Calls {@code f} with the labels of every matching series with a sample in range. */
  private boolean forSeriesInRange(
      long start, long end, List<Matcher> matchers, java.util.function.Consumer<Labels> f) throws IOException {
    boolean any = false;
    try (Querier querier = queryable.querier(start, end);
        SeriesSet set = querier.select(SelectHints.range(start, end), matchers)) {
      while (set.next()) {
        Series s = set.at();
        ChunkIterator it = s.iterator();
        if (it.seek(start) && it.timestamp() <= end) {
          any = true;
          f.accept(s.labels());
        }
      }
    }
    return any;
  }

  @Override
  public StoreInfo info() {
    List<Labels> labelSets = externalLabels.isEmpty() ? List.of() : List.of(externalLabels);
    return new StoreInfo(
        labelSets, minTime, maxTime, true, true, List.of(new TsdbInfo(externalLabels, minTime, maxTime)));
  }

  @Override
  public String toString() {
    return "QueryableStoreApi{external labels " + externalLabels + "}";
  }
}
