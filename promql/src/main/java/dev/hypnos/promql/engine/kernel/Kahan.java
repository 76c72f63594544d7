package dev.hypnos.promql.engine.kernel;

/**
 * Kahan-Babuska (Neumaier) compensated summation as Prometheus applies it. State is a pair (sum,
 * compensation); {@link #inc} returns the new sum and stores the new compensation in {@code c[0]}.
 */
public final class Kahan {
  private Kahan() {}

  /** Adds {@code inc} to {@code sum} with compensation {@code c[0]}; returns the new sum. */
  public static double inc(double inc, double sum, double[] c) {
    double t = sum + inc;
    if (Double.isInfinite(t)) {
      c[0] = 0;
    } else if (Math.abs(sum) >= Math.abs(inc)) {
      c[0] += (sum - t) + inc;
    } else {
      c[0] += (inc - t) + sum;
    }
    return t;
  }
}
