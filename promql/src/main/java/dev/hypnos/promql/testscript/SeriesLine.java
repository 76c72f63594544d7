package dev.hypnos.promql.testscript;

import dev.hypnos.core.labels.Labels;
import java.util.Arrays;
import java.util.Objects;

/**
 * One series line of a {@code load} block or an expected result: labels and one value per time
 * slot. A slot is either absent ({@code _}) or a float (possibly the stale marker).
 *
 * @param labels the label set, including {@code __name__} when written
 * @param values value per slot; meaningful only where {@code present} is true
 * @param present whether the slot holds a value
 * @param histogram true when the line uses native-histogram notation, which this runner does not
 *     support (its slots are then all absent)
 */
public record SeriesLine(Labels labels, double[] values, boolean[] present, boolean histogram) {
  public SeriesLine {
    Objects.requireNonNull(labels, "labels");
    values = values.clone();
    present = present.clone();
    if (values.length != present.length) {
      throw new IllegalArgumentException("values and present differ in length");
    }
  }

  public int slots() {
    return values.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SeriesLine s
        && labels.equals(s.labels)
        && Arrays.equals(values, s.values)
        && Arrays.equals(present, s.present)
        && histogram == s.histogram;
  }

  @Override
  public int hashCode() {
    return labels.hashCode() * 31 + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(labels.toString());
    for (int i = 0; i < values.length; i++) {
      sb.append(' ').append(present[i] ? FloatCompare.format(values[i]) : "_");
    }
    return sb.toString();
  }
}
