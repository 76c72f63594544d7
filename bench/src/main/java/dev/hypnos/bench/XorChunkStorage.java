package dev.hypnos.bench;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.chunk.XorChunk;
import dev.hypnos.core.chunk.XorEncoder;
import dev.hypnos.core.chunk.XorIterator;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.storage.MemoryStorage;
import dev.hypnos.core.storage.Querier;
import dev.hypnos.core.storage.Queryable;
import dev.hypnos.core.storage.SelectHints;
import dev.hypnos.core.storage.Series;
import dev.hypnos.core.storage.SeriesSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Float series held as XOR chunks of at most {@code samplesPerChunk} samples, decoded on every
 * read, like a TSDB head or block: a query over this storage pays chunk decoding, unlike one over
 * {@link MemoryStorage}'s plain arrays. Bench-only; float samples only.
 */
final class XorChunkStorage implements Queryable {
  private record Chunk(long minT, long maxT, XorChunk data) {}

  private final TreeMap<Labels, List<Chunk>> series = new TreeMap<>();

  /** Builder: samples appended per series in time order. */
  static final class Builder {
    private final int samplesPerChunk;
    private final TreeMap<Labels, List<Chunk>> series = new TreeMap<>();
    private final Map<Labels, XorEncoder> open = new TreeMap<>();
    private final Map<Labels, long[]> openMin = new TreeMap<>();

    Builder(int samplesPerChunk) {
      this.samplesPerChunk = samplesPerChunk;
    }

    void append(Labels l, long t, double v) {
      XorEncoder enc = open.computeIfAbsent(l, k -> new XorEncoder());
      if (enc.numSamples() == 0) {
        openMin.put(l, new long[] {t});
      }
      enc.append(t, v);
      if (enc.numSamples() == samplesPerChunk) {
        cut(l, enc);
      }
    }

    private void cut(Labels l, XorEncoder enc) {
      series.computeIfAbsent(l, k -> new ArrayList<>())
          .add(new Chunk(openMin.get(l)[0], enc.lastTimestamp(), enc.toChunk()));
      enc.reset();
    }

    XorChunkStorage build() {
      for (Map.Entry<Labels, XorEncoder> e : open.entrySet()) {
        if (e.getValue().numSamples() > 0) {
          cut(e.getKey(), e.getValue());
        }
      }
      XorChunkStorage s = new XorChunkStorage();
      series.forEach((l, c) -> s.series.put(l, List.copyOf(c)));
      return s;
    }
  }

  @Override
  public Querier querier(long minTime, long maxTime) {
    return new Querier() {
      @Override
      public SeriesSet select(SelectHints hints, List<Matcher> matchers) {
        long lo = Math.max(minTime, hints.start());
        long hi = Math.min(maxTime, hints.end());
        List<Series> out = new ArrayList<>();
        series.forEach((labels, chunks) -> {
          for (Matcher m : matchers) {
            if (!m.matches(labels)) {
              return;
            }
          }
          List<Chunk> in = new ArrayList<>();
          for (Chunk c : chunks) {
            if (c.maxT >= lo && c.minT <= hi) {
              in.add(c);
            }
          }
          out.add(new ChunkSeries(labels, in));
        });
        return new MemoryStorage.ListSeriesSet(out);
      }

      @Override
      public List<String> labelValues(String name, List<Matcher> matchers) {
        TreeSet<String> values = new TreeSet<>(Labels::compareStrings);
        for (Labels l : series.keySet()) {
          String v = l.get(name);
          if (v != null) {
            values.add(v);
          }
        }
        return List.copyOf(values);
      }

      @Override
      public List<String> labelNames(List<Matcher> matchers) {
        TreeSet<String> names = new TreeSet<>(Labels::compareStrings);
        for (Labels l : series.keySet()) {
          l.forEach((n, v) -> names.add(n));
        }
        return List.copyOf(names);
      }
    };
  }

  private record ChunkSeries(Labels labels, List<Chunk> chunks) implements Series {
    @Override
    public ChunkIterator iterator() {
      return new ChunkIterator() {
        private final XorIterator it = new XorIterator();
        /** Index of the next chunk to open. */
        private int nextChunk;
        private boolean open;
        private boolean cur;

        @Override
        public boolean next() {
          while (true) {
            if (open && it.next()) {
              cur = true;
              return true;
            }
            if (nextChunk >= chunks.size()) {
              open = false;
              cur = false;
              return false;
            }
            it.reset(chunks.get(nextChunk++).data());
            open = true;
          }
        }

        @Override
        public boolean seek(long t) {
          if (cur && it.timestamp() >= t) {
            return true;
          }
          // chunks ending before t are skipped without decoding
          while (nextChunk < chunks.size() && chunks.get(nextChunk).maxT() < t) {
            nextChunk++;
            open = false;
          }
          while (next()) {
            if (it.timestamp() >= t) {
              return true;
            }
          }
          return false;
        }

        @Override
        public boolean hasCurrent() {
          return cur;
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
      };
    }
  }
}
