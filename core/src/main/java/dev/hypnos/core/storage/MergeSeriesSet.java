package dev.hypnos.core.storage;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.util.IoUtil;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.jspecify.annotations.Nullable;

/**
 * Merges sorted series sets into one sorted set. Series with equal labels in several inputs become
 * one series whose samples are the union by timestamp: where inputs share a timestamp, the sample
 * of the input listed first wins (Prometheus's chained merge).
 *
 * <p>Concurrency: not thread-safe.
 */
public final class MergeSeriesSet implements SeriesSet {
  private final List<SeriesSet> inputs;
  private final PriorityQueue<Head> heap =
      new PriorityQueue<>((a, b) -> {
        int c = a.series.labels().compareTo(b.series.labels());
        return c != 0 ? c : Integer.compare(a.index, b.index);
      });
  private final List<Head> pending = new ArrayList<>();
  private boolean started;
  private @Nullable Series current;

  private static final class Head {
    final SeriesSet set;
    final int index;
    Series series;

    Head(SeriesSet set, int index, Series series) {
      this.set = set;
      this.index = index;
      this.series = series;
    }
  }

  public MergeSeriesSet(List<? extends SeriesSet> inputs) {
    this.inputs = List.copyOf(inputs);
  }

  @Override
  public boolean next() throws IOException {
    if (!started) {
      started = true;
      for (int i = 0; i < inputs.size(); i++) {
        SeriesSet s = inputs.get(i);
        if (s.next()) {
          heap.add(new Head(s, i, s.at()));
        }
      }
    }
    // Inputs may reuse their Series objects on next(), so the inputs behind the current series
    // are advanced only now, when the caller has moved on.
    for (Head h : pending) {
      if (h.set.next()) {
        h.series = h.set.at();
        heap.add(h);
      }
    }
    pending.clear();
    Head first = heap.poll();
    if (first == null) {
      current = null;
      return false;
    }
    pending.add(first);
    Labels labels = first.series.labels();
    while (!heap.isEmpty() && heap.peek().series.labels().equals(labels)) {
      pending.add(heap.poll());
    }
    if (pending.size() == 1) {
      current = first.series;
    } else {
      List<Series> parts = new ArrayList<>(pending.size());
      for (Head h : pending) {
        parts.add(h.series);
      }
      current = new MergedSeries(labels, parts);
    }
    return true;
  }

  @Override
  public Series at() {
    Series c = current;
    if (c == null) {
      throw new IllegalStateException("no current series");
    }
    return c;
  }

  @Override
  public void close() throws IOException {
    IoUtil.closeAll(inputs);
  }

  private record MergedSeries(Labels labels, List<Series> parts) implements Series {
    @Override
    public ChunkIterator iterator() {
      ChunkIterator[] its = new ChunkIterator[parts.size()];
      for (int i = 0; i < its.length; i++) {
        its[i] = parts.get(i).iterator();
      }
      return new ChainIterator(its);
    }
  }
}
