package dev.hypnos.core.chunk;

import org.jspecify.annotations.Nullable;

/**
 * A primitive pull iterator over the float samples of a chunk or series, in ascending timestamp
 * order. No boxing and no per-sample allocation: implementations are meant to be reused via a
 * {@code reset} method of their own.
 *
 * <p>Usage: {@code while (it.next()) { long t = it.timestamp(); double v = it.value(); }}. After
 * {@code next()} or {@code seek()} returned false, the iterator is exhausted and {@link #error()}
 * tells whether it ended because of corrupt data.
 *
 * <p>Concurrency: not thread-safe.
 */
public interface ChunkIterator {
  /** Advances to the next sample; false when there is none. */
  boolean next();

  /**
   * Advances to the first sample with timestamp {@code >= t}; a no-op when the current sample
   * already qualifies. False when no such sample exists.
   */
  default boolean seek(long t) {
    if (hasCurrent() && timestamp() >= t) {
      return true;
    }
    while (next()) {
      if (timestamp() >= t) {
        return true;
      }
    }
    return false;
  }

  /**
   * Reads up to {@code max} next samples into {@code ts[off..]} and {@code values[off..]} and
   * returns how many it wrote; fewer than {@code max} only at the end (or on corrupt data, see
   * {@link #error()}). Afterwards the current sample is the last one written. Consumers that read
   * whole series (deduplication) use it to step an iterator once per batch instead of once per
   * sample; iterators that can decode in bulk override it.
   */
  default int next(long[] ts, double[] values, int off, int max) {
    java.util.Objects.checkFromIndexSize(off, max, ts.length);
    java.util.Objects.checkFromIndexSize(off, max, values.length);
    int n = 0;
    while (n < max && next()) {
      ts[off + n] = timestamp();
      values[off + n] = value();
      n++;
    }
    return n;
  }

  /** True when positioned on a sample (after a successful next or seek). */
  boolean hasCurrent();

  /** Timestamp in milliseconds of the current sample. */
  long timestamp();

  /** Value of the current sample (may be the stale marker NaN, see {@link Values#isStaleNaN}). */
  double value();

  /**
   * The native histogram of the current sample, or null for a float sample (the default: chunk
   * formats read so far hold floats only). For a histogram sample {@link #value()} means nothing.
   */
  default dev.hypnos.core.histogram.@Nullable FloatHistogram histogram() {
    return null;
  }

  /**
   * True when this iterator never yields a histogram sample, so a reader may take its samples with
   * the bulk {@link #next(long[], double[], int, int)}, which carries floats only. False (the
   * default) when it cannot tell.
   */
  default boolean floatsOnly() {
    return false;
  }

  /** A description of why iteration stopped early on corrupt data, or null. */
  default @Nullable String error() {
    return null;
  }

  ChunkIterator EMPTY =
      new ChunkIterator() {
        @Override
        public boolean next() {
          return false;
        }

        @Override
        public boolean hasCurrent() {
          return false;
        }

        @Override
        public long timestamp() {
          throw new IllegalStateException("empty iterator");
        }

        @Override
        public double value() {
          throw new IllegalStateException("empty iterator");
        }
      };
}
