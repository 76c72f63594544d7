package dev.hypnos.storegateway;

import dev.hypnos.storeapi.StoreChunk;
import dev.hypnos.storeapi.StoreSeries;
import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.jspecify.annotations.Nullable;

/**
 * A k-way merge of sorted series streams (one per block) by label set: series with equal labels,
 * from several blocks or adjacent in one, become one series with all their chunks sorted by time.
 * Each input holds one series at a time here.
 *
 * <p>Few inputs (at most {@value #LINEAR_MAX}) are merged by scanning their heads: k - 1 label
 * comparisons per series sent, which finds the equal heads in the same pass (a heap needs several
 * comparisons per pop and push, each a full comparison when the label sets are equal, which is
 * the usual case across blocks of the same data). More inputs go through a heap.
 *
 * <p>Concurrency: not thread-safe.
 */
final class MergedSeriesStream {
  static final int LINEAR_MAX = 8;

  private record Head(SeriesStream.Item item, SeriesStream stream, int order) {}

  private static final Comparator<Head> ORDER = MergedSeriesStream::compareHeads;
  private static final Comparator<StoreChunk> CHUNK_ORDER = MergedSeriesStream::compareChunks;

  private static int compareHeads(Head a, Head b) {
    int c = a.item.series().labels().compareTo(b.item.series().labels());
    return c != 0 ? c : Integer.compare(a.order, b.order);
  }

  private static int compareChunks(StoreChunk a, StoreChunk b) {
    int c = Long.compare(a.minTime(), b.minTime());
    return c != 0 ? c : Long.compare(a.maxTime(), b.maxTime());
  }

  private final SeriesStream[] streams;
  private final boolean linear;
  // Linear mode: each input's current series (null once it ended) and the inputs equal to the minimum.
  private final SeriesStream.@Nullable Item[] heads;
  private final int[] equal;
  // Heap mode.
  private final PriorityQueue<Head> heap = new PriorityQueue<>(ORDER);
  private StoreSeries[] same;
  private boolean started;

  MergedSeriesStream(List<SeriesStream> streams) {
    this.streams = streams.toArray(new SeriesStream[0]);
    this.linear = this.streams.length <= LINEAR_MAX;
    this.heads = new SeriesStream.Item[this.streams.length];
    this.equal = new int[this.streams.length];
    this.same = new StoreSeries[Math.max(1, this.streams.length)];
  }

  private void push(SeriesStream s, int order) throws IOException {
    SeriesStream.Item it = s.next();
    if (it != null) {
      heap.add(new Head(it, s, order));
    }
  }

  /** The next merged series, or null at the end. */
  @Nullable StoreSeries next() throws IOException {
    if (!started) {
      started = true;
      for (int i = 0; i < streams.length; i++) {
        if (linear) {
          heads[i] = streams[i].next();
        } else {
          push(streams[i], i);
        }
      }
    }
    return linear ? nextLinear() : nextHeap();
  }

  private @Nullable StoreSeries nextLinear() throws IOException {
    int k = 0;
    SeriesStream.Item min = null;
    for (int i = 0; i < heads.length; i++) {
      SeriesStream.Item h = heads[i];
      if (h == null) {
        continue;
      }
      if (min == null) {
        min = h;
        equal[k++] = i;
        continue;
      }
      int c = h.series().labels().compareTo(min.series().labels());
      if (c < 0) {
        min = h;
        k = 0;
        equal[k++] = i;
      } else if (c == 0) {
        equal[k++] = i;
      }
    }
    if (min == null) {
      return null;
    }
    dev.hypnos.core.labels.Labels labels = min.series().labels();
    int n = 0;
    for (int j = 0; j < k; j++) {
      int i = equal[j];
      same[n++] = heads[i].series();
      heads[i] = streams[i].next();
    }
    // An input may hold the same label set several times in a row (after replica labels were dropped).
    for (boolean again = true; again; ) {
      again = false;
      for (int j = 0; j < k; j++) {
        int i = equal[j];
        SeriesStream.Item h = heads[i];
        if (h != null && h.series().labels().equals(labels)) {
          if (n == same.length) {
            same = Arrays.copyOf(same, n * 2);
          }
          same[n++] = h.series();
          heads[i] = streams[i].next();
          again = true;
        }
      }
    }
    return join(n);
  }

  private StoreSeries join(int n) {
    StoreSeries s = same[0];
    if (n == 1) {
      same[0] = null;
      return s;
    }
    int total = 0;
    for (int j = 0; j < n; j++) {
      total += same[j].chunks().size();
    }
    StoreChunk[] arr = new StoreChunk[total];
    int t = 0;
    for (int j = 0; j < n; j++) {
      List<StoreChunk> cs = same[j].chunks();
      for (int c = 0, m = cs.size(); c < m; c++) {
        arr[t++] = cs.get(c);
      }
      same[j] = null;
    }
    return new StoreSeries(s.labels(), sortedChunks(arr));
  }

  private static List<StoreChunk> sortedChunks(StoreChunk[] arr) {
    for (int i = 1; i < arr.length; i++) {
      if (compareChunks(arr[i - 1], arr[i]) > 0) {
        Arrays.sort(arr, CHUNK_ORDER);
        break;
      }
    }
    return Arrays.asList(arr);
  }

  private @Nullable StoreSeries nextHeap() throws IOException {
    Head first = heap.poll();
    if (first == null) {
      return null;
    }
    push(first.stream, first.order);
    StoreSeries s = first.item.series();
    java.util.ArrayList<StoreChunk> chunks = null;
    while (!heap.isEmpty() && heap.peek().item.series().labels().equals(s.labels())) {
      Head h = heap.poll();
      push(h.stream, h.order);
      if (chunks == null) {
        chunks = new java.util.ArrayList<>(s.chunks());
      }
      chunks.addAll(h.item.series().chunks());
    }
    if (chunks == null) {
      return s;
    }
    chunks.sort(CHUNK_ORDER);
    return new StoreSeries(s.labels(), chunks);
  }
}
