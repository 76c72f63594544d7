package dev.hypnos.promql.testscript;

import dev.hypnos.core.histogram.FloatHistogram;
import dev.hypnos.core.labels.Labels;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One series line of a {@code load} block or an expected result: labels and one value per time
 * slot. A slot is either absent ({@code _}) or a float (possibly the stale marker).
 *
 * @param labels the label set, including {@code __name__} when written
 * @param values value per slot; meaningful only where {@code present} is true
 * @param present whether the slot holds a value
 * @param histogram true when the line uses native-histogram notation
 * @param histograms per slot the native histogram, null for float or absent slots
 * @param hintSet per slot whether the histogram notation gave a counter_reset_hint
 */
public record SeriesLine(Labels labels, double[] values, boolean[] present, boolean histogram,
    @Nullable FloatHistogram[] histograms, boolean[] hintSet) {
  public SeriesLine {
    Objects.requireNonNull(labels, "labels");
    values = values.clone();
    present = present.clone();
    histograms = histograms.clone();
    hintSet = hintSet.clone();
    if (values.length != present.length || values.length != histograms.length || values.length != hintSet.length) {
      throw new IllegalArgumentException("values, present, histograms and hintSet differ in length");
    }
  }

  /** A line of float (or absent) slots only. */
  public SeriesLine(Labels labels, double[] values, boolean[] present) {
    this(labels, values, present, false, new FloatHistogram[values.length], new boolean[values.length]);
  }

  /** The histogram of slot i, or null. */
  public @Nullable FloatHistogram histogramAt(int i) {
    return histograms[i];
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
        && histogram == s.histogram
        && Arrays.equals(histograms, s.histograms);
  }

  @Override
  public int hashCode() {
    return labels.hashCode() * 31 + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(labels.toString());
    for (int i = 0; i < values.length; i++) {
      sb.append(' ').append(!present[i] ? "_" : histograms[i] != null ? histograms[i].toString()
          : FloatCompare.format(values[i]));
    }
    return sb.toString();
  }
}
