package dev.hypnos.promql.parser;

import dev.hypnos.core.labels.Labels;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A parsed series description of a test-script {@code load} or expected-result line: the labels
 * and one entry per time slot.
 */
public record SeriesDesc(Labels labels, List<SeriesDesc.Value> values) {
  /** Bit pattern of Prometheus's staleness marker NaN. */
  public static final long STALE_NAN_BITS = 0x7ff0000000000002L;

  public SeriesDesc {
    Objects.requireNonNull(labels, "labels");
    values = List.copyOf(values);
  }

  /**
   * One slot: {@code omitted} for {@code _} (no sample), else a float {@code value} (the
   * staleness NaN for {@code stale}) or a {@code histogram}.
   */
  public record Value(boolean omitted, double value, @Nullable HistogramSpec histogram) {
    public static final Value OMITTED = new Value(true, 0, null);

    public static Value of(double v) {
      return new Value(false, v, null);
    }

    public static Value stale() {
      return new Value(false, Double.longBitsToDouble(STALE_NAN_BITS), null);
    }

    public static Value of(HistogramSpec h) {
      return new Value(false, 0, h);
    }

    /** A staleness marker (compares bits, as NaN values are otherwise indistinguishable). */
    public boolean isStale() {
      return !omitted
          && histogram == null
          && Double.doubleToRawLongBits(value) == STALE_NAN_BITS;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Value v
          && v.omitted == omitted
          && Double.doubleToRawLongBits(v.value) == Double.doubleToRawLongBits(value)
          && Objects.equals(v.histogram, histogram);
    }

    @Override
    public int hashCode() {
      return Objects.hash(omitted, Double.doubleToRawLongBits(value), histogram);
    }
  }
}
