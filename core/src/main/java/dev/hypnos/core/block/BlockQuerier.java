package dev.hypnos.core.block;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.chunk.XorIterator;
import dev.hypnos.core.index.CorruptBlockException;
import dev.hypnos.core.index.Postings;
import dev.hypnos.core.index.PostingsForMatchers;
import dev.hypnos.core.index.SeriesBuilder;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.storage.Series;
import dev.hypnos.core.storage.SeriesSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * The series of one block that match a selector, with their samples restricted to a closed time
 * range {@code [minTime, maxTime]} and with tombstoned samples removed.
 *
 * <p>Samples are decoded lazily, one chunk at a time. Only float (XOR) chunks are supported so
 * far; a series holding another encoding fails with a clear message. A chunk that cannot be read
 * or decoded makes the sample iterator throw an {@link UncheckedIOException} wrapping a {@link
 * CorruptBlockException} that names the block, file and offset.
 *
 * <p>Concurrency: not thread-safe. Does not close the block.
 */
public final class BlockQuerier {
  private BlockQuerier() {}

  /** Series of {@code block} matching all {@code matchers}, sorted by labels. */
  public static SeriesSet select(BlockReader block, List<Matcher> matchers, long minTime, long maxTime)
      throws IOException {
    if (maxTime < block.meta().minTime() || minTime >= block.meta().maxTime()) {
      return EmptySet.INSTANCE;
    }
    Postings p = PostingsForMatchers.select(block.index(), matchers);
    return new BlockSeriesSet(block, p, minTime, maxTime);
  }

  private enum EmptySet implements SeriesSet {
    INSTANCE;

    @Override
    public boolean next() {
      return false;
    }

    @Override
    public Series at() {
      throw new IllegalStateException("empty series set");
    }
  }

  private static final class BlockSeriesSet implements SeriesSet {
    private final BlockReader block;
    private final Postings postings;
    private final long minTime;
    private final long maxTime;
    private final SeriesBuilder builder = new SeriesBuilder();
    private BlockSeries current;

    BlockSeriesSet(BlockReader block, Postings postings, long minTime, long maxTime) {
      this.block = block;
      this.postings = postings;
      this.minTime = minTime;
      this.maxTime = maxTime;
    }

    @Override
    public boolean next() throws IOException {
      while (postings.next()) {
        long ref = postings.at();
        block.index().series(ref, builder);
        int n = builder.chunkCount();
        long[] mint = new long[n];
        long[] maxt = new long[n];
        long[] refs = new long[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
          if (builder.chunkMaxTime(i) >= minTime && builder.chunkMinTime(i) <= maxTime) {
            mint[k] = builder.chunkMinTime(i);
            maxt[k] = builder.chunkMaxTime(i);
            refs[k] = builder.chunkRef(i);
            k++;
          }
        }
        if (k == 0) {
          continue; // no data in range: Prometheus does not return the series either
        }
        current = new BlockSeries(block, ref, builder.labels(), Arrays.copyOf(refs, k), minTime, maxTime);
        return true;
      }
      current = null;
      return false;
    }

    @Override
    public Series at() {
      if (current == null) {
        throw new IllegalStateException("no current series");
      }
      return current;
    }
  }

  private record BlockSeries(
      BlockReader block, long seriesRef, Labels labels, long[] chunkRefs, long minTime, long maxTime)
      implements Series {
    @Override
    public ChunkIterator iterator() {
      return new SampleIterator(this);
    }
  }

  /** Walks the chunks of one series, decoding each with one reused {@link XorIterator}. */
  private static final class SampleIterator implements ChunkIterator {
    private final BlockSeries s;
    private final XorIterator xor = new XorIterator();
    private final boolean tombstoned;
    private int chunk = -1;
    private boolean inChunk;
    private boolean current;
    private boolean done;

    SampleIterator(BlockSeries s) {
      this.s = s;
      this.tombstoned = !s.block.tombstones().get(s.seriesRef).isEmpty();
    }

    @Override
    public boolean next() {
      if (done) {
        return false;
      }
      while (true) {
        if (!inChunk) {
          if (++chunk >= s.chunkRefs.length) {
            return finish();
          }
          openChunk(s.chunkRefs[chunk]);
          inChunk = true;
        }
        if (!xor.next()) {
          String err = xor.error();
          if (err != null) {
            throw corrupt(s.chunkRefs[chunk], err);
          }
          inChunk = false;
          continue;
        }
        long t = xor.timestamp();
        if (t < s.minTime) {
          continue;
        }
        if (t > s.maxTime) {
          inChunk = false;
          chunk = s.chunkRefs.length; // chunks are in time order: nothing later is in range
          return finish();
        }
        if (tombstoned && s.block.tombstones().isDeleted(s.seriesRef, t)) {
          continue;
        }
        current = true;
        return true;
      }
    }

    private boolean finish() {
      done = true;
      current = false;
      return false;
    }

    private void openChunk(long ref) {
      RawChunk raw;
      try {
        raw = s.block.chunk(ref);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (raw.encoding() != RawChunk.ENC_XOR) {
        throw new UnsupportedOperationException(
            "series " + s.labels + " in block " + s.block.id() + " has a chunk with encoding " + (raw.encoding() & 0xFF)
                + "; only float (XOR) chunks are supported so far");
      }
      xor.reset(raw.data(), 0, raw.data().length);
    }

    private UncheckedIOException corrupt(long ref, String err) {
      String file = String.format("chunks/%06d", (ref >>> 32) + 1);
      return new UncheckedIOException(
          new CorruptBlockException(s.block.id().toString(), file, ref & 0xFFFFFFFFL, "undecodable XOR chunk",
              "series " + s.labels + ": " + err));
    }

    @Override
    public boolean hasCurrent() {
      return current;
    }

    @Override
    public long timestamp() {
      return xor.timestamp();
    }

    @Override
    public double value() {
      return xor.value();
    }
  }
}
