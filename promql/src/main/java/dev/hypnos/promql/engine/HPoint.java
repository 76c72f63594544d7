package dev.hypnos.promql.engine;

import dev.hypnos.core.histogram.FloatHistogram;
import java.util.Objects;

/** One native-histogram point of a range-vector series: timestamp in milliseconds and value. */
public record HPoint(long t, FloatHistogram h) {
  public HPoint {
    Objects.requireNonNull(h, "h");
  }

  @Override
  public String toString() {
    return h + " @[" + t + "]";
  }
}
