package dev.hypnos.promql.testscript;

import dev.hypnos.core.chunk.Values;

/** Float equality as Prometheus's test framework applies it ({@code util/almost.Equal} with epsilon 1e-6). */
public final class FloatCompare {
  static final double EPSILON = 1e-6;
  private static final double MIN_NORMAL = 2.2250738585072014E-308;

  private FloatCompare() {}

  public static boolean equal(double a, double b) {
    if (Values.isStaleNaN(a) || Values.isStaleNaN(b)) {
      return Values.isStaleNaN(a) && Values.isStaleNaN(b);
    }
    if (Double.isNaN(a) && Double.isNaN(b)) {
      return true;
    }
    if (a == b) {
      return true;
    }
    double absSum = Math.abs(a) + Math.abs(b);
    double diff = Math.abs(a - b);
    if (a == 0 || b == 0 || absSum < MIN_NORMAL) {
      return diff < EPSILON * MIN_NORMAL;
    }
    return diff / Math.min(absSum, Double.MAX_VALUE) < EPSILON;
  }

  static String format(double v) {
    if (Values.isStaleNaN(v)) {
      return "stale";
    }
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }
}
