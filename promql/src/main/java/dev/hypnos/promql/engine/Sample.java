package dev.hypnos.promql.engine;

import dev.hypnos.core.labels.Labels;
import java.util.Objects;

/**
 * One element of an instant vector: a series' labels, the evaluation timestamp and the value.
 *
 * @param dropName true when the metric name is to be removed at the end of evaluation (delayed
 *     name removal); always false in final results
 */
public record Sample(Labels metric, long t, double f, boolean dropName) {
  public Sample {
    Objects.requireNonNull(metric, "metric");
  }

  public Sample(Labels metric, long t, double f) {
    this(metric, t, f, false);
  }

  /** Formats a float as Prometheus's text output does (Go {@code %g}-like, shortest repr). */
  public static String formatFloat(double v) {
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

  @Override
  public String toString() {
    return metric + " => " + formatFloat(f) + " @[" + t + "]";
  }
}
