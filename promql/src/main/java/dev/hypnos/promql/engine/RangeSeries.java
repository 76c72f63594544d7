package dev.hypnos.promql.engine;

import dev.hypnos.core.labels.Labels;
import java.util.List;
import java.util.Objects;

/** One series of a {@link Matrix}: labels and float points in ascending time order. */
public record RangeSeries(Labels metric, List<FPoint> points) {
  public RangeSeries {
    Objects.requireNonNull(metric, "metric");
    points = List.copyOf(points);
  }

  @Override
  public String toString() {
    return metric + " => " + points;
  }
}
