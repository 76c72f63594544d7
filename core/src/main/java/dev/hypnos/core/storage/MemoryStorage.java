package dev.hypnos.core.storage;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.histogram.FloatHistogram;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Series held in memory, for tests and for small data such as PromQL test scripts. Append
 * samples in time order per series; queries see everything appended before {@link #querier}.
 *
 * <p>Concurrency: appends and queries must not overlap; not for production data.
 */
public final class MemoryStorage implements Queryable {
  private final TreeMap<Labels, Samples> series = new TreeMap<>();

  private static final class Samples {
    long[] t = new long[16];
    double[] v = new double[16];
    /** Histogram per sample (null entries for floats); null while the series has none. */
    @Nullable FloatHistogram @Nullable [] h;
    int n;

    void add(long ts, double val, @Nullable FloatHistogram hist) {
      if (n > 0 && ts <= t[n - 1]) {
        throw new IllegalArgumentException("out-of-order sample at " + ts + " after " + t[n - 1]);
      }
      if (n == t.length) {
        t = Arrays.copyOf(t, n * 2);
        v = Arrays.copyOf(v, n * 2);
      }
      if (hist != null && h == null) {
        h = new FloatHistogram[t.length];
      }
      if (h != null && h.length < t.length) {
        h = Arrays.copyOf(h, t.length);
      }
      t[n] = ts;
      v[n] = val;
      if (h != null) {
        h[n] = hist;
      }
      n++;
    }
  }

  /** Appends one float sample; timestamps of a series must increase. */
  public void append(Labels labels, long t, double v) {
    series.computeIfAbsent(labels, l -> new Samples()).add(t, v, null);
  }

  /** Appends one native-histogram sample; timestamps of a series must increase. */
  public void appendHistogram(Labels labels, long t, FloatHistogram h) {
    Objects.requireNonNull(h, "h");
    series.computeIfAbsent(labels, l -> new Samples()).add(t, 0, h);
  }

  /** Drops everything. */
  public void clear() {
    series.clear();
  }

  @Override
  public Querier querier(long minTime, long maxTime) {
    return new Querier() {
      @Override
      public SeriesSet select(SelectHints hints, List<Matcher> matchers) {
        long lo = Math.max(minTime, hints.start());
        long hi = Math.min(maxTime, hints.end());
        List<Series> out = new ArrayList<>();
        series.forEach((labels, s) -> {
          for (Matcher m : matchers) {
            if (!m.matches(labels)) {
              return;
            }
          }
          out.add(new ArraySeries(labels, s.t, s.v, s.h, lowerBound(s, lo), upperBound(s, hi)));
        });
        return new ListSeriesSet(out);
      }

      @Override
      public List<String> labelValues(String name, List<Matcher> matchers) {
        TreeSet<String> values = new TreeSet<>(Labels::compareStrings);
        forMatching(matchers, l -> {
          String v = l.get(name);
          if (v != null) {
            values.add(v);
          }
        });
        return List.copyOf(values);
      }

      @Override
      public List<String> labelNames(List<Matcher> matchers) {
        TreeSet<String> names = new TreeSet<>(Labels::compareStrings);
        forMatching(matchers, l -> l.forEach((n, v) -> names.add(n)));
        return List.copyOf(names);
      }
    };
  }

  private void forMatching(List<Matcher> matchers, java.util.function.Consumer<Labels> f) {
    series.keySet().forEach(l -> {
      for (Matcher m : matchers) {
        if (!m.matches(l)) {
          return;
        }
      }
      f.accept(l);
    });
  }

  private static int lowerBound(Samples s, long t) {
    int i = Arrays.binarySearch(s.t, 0, s.n, t);
    return i >= 0 ? i : -i - 1;
  }

  private static int upperBound(Samples s, long t) {
    int i = Arrays.binarySearch(s.t, 0, s.n, t);
    return i >= 0 ? i + 1 : -i - 1;
  }

  /** A series over a slice of parallel arrays. */
  private record ArraySeries(Labels labels, long[] t, double[] v, @Nullable FloatHistogram @Nullable [] h, int from, int to)
      implements Series {
    @Override
    public ChunkIterator iterator() {
      return new ChunkIterator() {
        int i = from - 1;

        @Override
        public boolean next() {
          if (i < to) {
            i++;
          }
          return i < to;
        }

        @Override
        public boolean hasCurrent() {
          return i >= from && i < to;
        }

        @Override
        public long timestamp() {
          return t[i];
        }

        @Override
        public double value() {
          return v[i];
        }

        @Override
        public @Nullable FloatHistogram histogram() {
          @Nullable FloatHistogram[] hs = h;
          return hs == null ? null : hs[i];
        }

        @Override
        public boolean floatsOnly() {
          return h == null;
        }

        @Override
        public int next(long[] ts, double[] values, int off, int max) {
          java.util.Objects.checkFromIndexSize(off, max, ts.length);
          java.util.Objects.checkFromIndexSize(off, max, values.length);
          int n = Math.min(max, to - 1 - i);
          if (n <= 0) {
            i = to;
            return 0;
          }
          System.arraycopy(t, i + 1, ts, off, n);
          System.arraycopy(v, i + 1, values, off, n);
          i += n;
          return n;
        }
      };
    }
  }

  /** A series set over a list already sorted by labels. */
  public static final class ListSeriesSet implements SeriesSet {
    private final List<Series> list;
    private int i = -1;

    public ListSeriesSet(List<Series> sortedByLabels) {
      this.list = List.copyOf(sortedByLabels);
    }

    @Override
    public boolean next() {
      if (i < list.size()) {
        i++;
      }
      return i < list.size();
    }

    @Override
    public Series at() {
      return list.get(i);
    }
  }

  @Override
  public String toString() {
    return "MemoryStorage[" + series.size() + " series]";
  }
}
