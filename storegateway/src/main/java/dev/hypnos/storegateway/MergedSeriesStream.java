package dev.hypnos.storegateway;

import dev.hypnos.storeapi.StoreChunk;
import dev.hypnos.storeapi.StoreSeries;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.jspecify.annotations.Nullable;

/**
 * A k-way merge of sorted series streams (one per block) by label set: series with equal labels,
 * from several blocks or adjacent in one, become one series with all their chunks sorted by time.
 * Each input holds one series at a time here.
 *
 * <p>Concurrency: not thread-safe.
 */
final class MergedSeriesStream {
  private record Head(SeriesStream.Item item, SeriesStream stream, int order) {}

  private static final Comparator<Head> ORDER = MergedSeriesStream::compareHeads;
  private static final Comparator<StoreChunk> CHUNK_ORDER =
      Comparator.comparingLong(StoreChunk::minTime).thenComparingLong(StoreChunk::maxTime);

  private static int compareHeads(Head a, Head b) {
    int c = a.item.series().labels().compareTo(b.item.series().labels());
    return c != 0 ? c : Integer.compare(a.order, b.order);
  }

  private final PriorityQueue<Head> heap = new PriorityQueue<>(ORDER);
  private final List<SeriesStream> streams;
  private boolean started;

  MergedSeriesStream(List<SeriesStream> streams) {
    this.streams = List.copyOf(streams);
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
      for (int i = 0; i < streams.size(); i++) {
        push(streams.get(i), i);
      }
    }
    Head first = heap.poll();
    if (first == null) {
      return null;
    }
    push(first.stream, first.order);
    StoreSeries s = first.item.series();
    List<StoreChunk> chunks = null;
    while (!heap.isEmpty() && heap.peek().item.series().labels().equals(s.labels())) {
      Head h = heap.poll();
      push(h.stream, h.order);
      if (chunks == null) {
        chunks = new ArrayList<>(s.chunks());
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
