package dev.hypnos.promql.engine;

/** One float point of a range-vector series: timestamp in milliseconds and value. */
public record FPoint(long t, double f) {
  @Override
  public String toString() {
    return Sample.formatFloat(f) + " @[" + t + "]";
  }
}
