package dev.hypnos.core.chunk;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads counter samples from an ordered sequence of chunks (raw counter chunks or the counter
 * sub-chunks of downsampled aggregate chunks) as one monotonic series, adding up across counter
 * resets, as Thanos's {@code ApplyCounterResetsSeriesIterator} does.
 *
 * <ul>
 *   <li>NaN samples (stale markers included) are skipped.
 *   <li>The first sample starts the total at its value.
 *   <li>A later sample with a higher timestamp adds {@code v - last} when {@code v >= last}, else
 *       {@code v} (a reset).
 *   <li>A sample with the same timestamp as the previous one only replaces the last raw value: in
 *       aggregate counter chunks this duplicate carries the true last raw value of the chunk, so
 *       that a reset between two chunks is seen.
 *   <li>Samples going back in time (overlapping chunks) are skipped.
 * </ul>
 *
 * <p>The output never decreases, so resets cannot be counted from it.
 *
 * <p>Concurrency: not thread-safe.
 */
public final class CounterResetsIterator implements ChunkIterator {
  private final ChunkIterator[] chunks;
  private int index;
  private long total;
  private long lastT;
  private double lastV;
  private double totalV;
  private boolean current;
  private @Nullable String error;

  public CounterResetsIterator(List<? extends ChunkIterator> chunks) {
    this.chunks = chunks.toArray(ChunkIterator[]::new);
  }

  @Override
  public boolean next() {
    while (index < chunks.length) {
      ChunkIterator it = chunks[index];
      if (!it.next()) {
        String e = it.error();
        if (e != null) {
          error = "counter chunk " + index + ": " + e;
          current = false;
          index = chunks.length;
          return false;
        }
        index++;
        continue;
      }
      double v = it.value();
      if (Double.isNaN(v)) {
        continue;
      }
      long t = it.timestamp();
      if (total == 0) {
        total = 1;
        lastT = t;
        lastV = v;
        totalV = v;
        current = true;
        return true;
      }
      if (t > lastT) {
        totalV += v >= lastV ? v - lastV : v;
        lastT = t;
        lastV = v;
        total++;
        current = true;
        return true;
      }
      if (t == lastT) {
        lastV = v;
      }
    }
    current = false;
    return false;
  }

  @Override
  public boolean hasCurrent() {
    return current;
  }

  @Override
  public long timestamp() {
    return lastT;
  }

  /** The counter total with resets applied up to the current sample. */
  @Override
  public double value() {
    return totalV;
  }

  /**
   * The last raw value seen, including the duplicate-timestamp "true last value" of an aggregate
   * chunk; after the end of iteration it is the series' last raw value.
   */
  public double lastRawValue() {
    return lastV;
  }

  @Override
  public @Nullable String error() {
    return error;
  }
}
