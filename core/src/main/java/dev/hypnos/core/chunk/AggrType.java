package dev.hypnos.core.chunk;

/**
 * The aggregates of a Thanos downsampled chunk, in their on-disk order (Thanos
 * {@code downsample.AggrType}). Not the same numbering as the Store API's {@code Aggr} enum, where
 * RAW is 0 and COUNT is 1.
 */
public enum AggrType {
  COUNT,
  SUM,
  MIN,
  MAX,
  COUNTER;

  private static final AggrType[] VALUES = values();

  /** Position of this aggregate inside an {@link AggrChunk} (0..4). */
  public int index() {
    return ordinal();
  }

  /** The aggregate at position {@code index} (0..4). */
  public static AggrType ofIndex(int index) {
    if (index < 0 || index >= VALUES.length) {
      throw new IllegalArgumentException("aggregate index " + index + ": must be 0..4");
    }
    return VALUES[index];
  }
}
