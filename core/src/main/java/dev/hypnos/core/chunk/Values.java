package dev.hypnos.core.chunk;

/**
 * Special sample values. Prometheus marks a series as stale with one particular NaN bit pattern
 * ({@code model/value.StaleNaN}); it must be recognised by its raw bits because every NaN compares
 * unequal, and it must be carried through encode and decode unchanged.
 */
public final class Values {
  /** Raw bits of Prometheus's stale marker NaN. */
  public static final long STALE_NAN_BITS = 0x7ff0000000000002L;

  /** The stale marker as a double (compare it with {@link #isStaleNaN}, never with ==). */
  public static final double STALE_NAN = Double.longBitsToDouble(STALE_NAN_BITS);

  /** Raw bits of the NaN that Prometheus uses for ordinary NaN values ({@code math.NaN()}). */
  public static final long NORMAL_NAN_BITS = 0x7ff8000000000001L;

  private Values() {}

  /** True when {@code v} has exactly the stale marker's bit pattern. */
  public static boolean isStaleNaN(double v) {
    return Double.doubleToRawLongBits(v) == STALE_NAN_BITS;
  }
}
