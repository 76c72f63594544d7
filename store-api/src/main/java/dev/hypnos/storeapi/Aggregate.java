package dev.hypnos.storeapi;

/**
 * The aggregates a Store API request can ask for ({@code thanos.Aggr}), numbered as on the wire:
 * {@code RAW = 0}, {@code COUNT = 1}, ... {@code COUNTER = 5}. Raw data is always sent in
 * {@link StoreChunk#raw()}; the others refer to the parts of a downsampled chunk.
 */
public enum Aggregate {
  RAW,
  COUNT,
  SUM,
  MIN,
  MAX,
  COUNTER;

  private static final Aggregate[] VALUES = values();

  /** The wire number of this aggregate. */
  public int number() {
    return ordinal();
  }

  /**
   * The aggregate for a wire number.
   *
   * @throws StoreApiException INVALID_ARGUMENT for an unknown number
   */
  public static Aggregate ofNumber(int number) {
    if (number < 0 || number >= VALUES.length) {
      throw StoreApiException.invalidArgument(
          "parse aggregate " + number + ": not a known aggregate (0 raw .. 5 counter)");
    }
    return VALUES[number];
  }
}
