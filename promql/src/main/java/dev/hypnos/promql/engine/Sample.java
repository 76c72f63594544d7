package dev.hypnos.promql.engine;

import dev.hypnos.core.histogram.FloatHistogram;
import dev.hypnos.core.labels.Labels;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One element of an instant vector: a series' labels, the evaluation timestamp and the value,
 * a float or a native histogram.
 *
 * @param f the float value; meaningless (0) when {@code h} is set
 * @param h the native-histogram value, or null for a float sample
 * @param dropName true when the metric name is to be removed at the end of evaluation (delayed
 *     name removal); always false in final results
 */
public record Sample(Labels metric, long t, double f, @Nullable FloatHistogram h, boolean dropName) {
  public Sample {
    Objects.requireNonNull(metric, "metric");
  }

  public Sample(Labels metric, long t, double f, boolean dropName) {
    this(metric, t, f, null, dropName);
  }

  public Sample(Labels metric, long t, double f) {
    this(metric, t, f, null, false);
  }

  /** A histogram sample. */
  public static Sample histogram(Labels metric, long t, FloatHistogram h, boolean dropName) {
    return new Sample(metric, t, 0, Objects.requireNonNull(h, "h"), dropName);
  }

  public boolean isHistogram() {
    return h != null;
  }

  /** This sample with other labels and name-drop flag, same timestamp and value. */
  public Sample withMetric(Labels metric, boolean dropName) {
    return new Sample(metric, t, f, h, dropName);
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
    return metric + " => " + (h != null ? h.toString() : formatFloat(f)) + " @[" + t + "]";
  }
}
