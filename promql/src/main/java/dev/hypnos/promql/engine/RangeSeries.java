package dev.hypnos.promql.engine;

import dev.hypnos.core.labels.Labels;
import java.util.List;
import java.util.Objects;

/**
 * One series of a {@link Matrix}: labels, float points and native-histogram points, each in
 * ascending time order (a timestamp has either a float or a histogram point).
 */
public record RangeSeries(Labels metric, List<FPoint> points, List<HPoint> histograms) {
  public RangeSeries {
    Objects.requireNonNull(metric, "metric");
    points = points instanceof FPointList ? points : List.copyOf(points);
    histograms = List.copyOf(histograms);
  }

  /** A series of float points only. */
  public RangeSeries(Labels metric, List<FPoint> points) {
    this(metric, points, List.of());
  }

  @Override
  public String toString() {
    return metric + " => " + (histograms.isEmpty() ? points.toString() : points + " " + histograms);
  }
}
