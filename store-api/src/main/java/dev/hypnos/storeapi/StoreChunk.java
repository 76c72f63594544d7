package dev.hypnos.storeapi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One chunk of a series as the Store API carries it ({@code thanos.AggrChunk}): the time range it
 * covers and either raw data or, for downsampled data, some of the aggregates count, sum, min,
 * max and counter. At least one part is present.
 *
 * <p>{@code [minTime, maxTime]} is inclusive and may extend beyond the requested range; a client
 * filters the samples itself.
 *
 * @param minTime timestamp of the first sample, milliseconds
 * @param maxTime timestamp of the last sample, milliseconds
 */
public record StoreChunk(
    long minTime,
    long maxTime,
    @Nullable ChunkData raw,
    @Nullable ChunkData count,
    @Nullable ChunkData sum,
    @Nullable ChunkData min,
    @Nullable ChunkData max,
    @Nullable ChunkData counter) {

  public StoreChunk {
    if (minTime > maxTime) {
      throw new IllegalArgumentException(
          "build store chunk: min time " + minTime + " is after max time " + maxTime);
    }
    if (raw == null && count == null && sum == null && min == null && max == null && counter == null) {
      throw new IllegalArgumentException(
          "build store chunk [" + minTime + ", " + maxTime + "]: it has neither raw data nor an aggregate");
    }
  }

  /** A raw chunk. */
  public static StoreChunk raw(long minTime, long maxTime, ChunkData data) {
    return new StoreChunk(minTime, maxTime, Objects.requireNonNull(data, "data"), null, null, null, null, null);
  }

  /** The part for an aggregate ({@link Aggregate#RAW} gives {@link #raw}), or null when absent. */
  public @Nullable ChunkData part(Aggregate aggregate) {
    return switch (aggregate) {
      case RAW -> raw;
      case COUNT -> count;
      case SUM -> sum;
      case MIN -> min;
      case MAX -> max;
      case COUNTER -> counter;
    };
  }
}
