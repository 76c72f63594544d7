package dev.hypnos.promql.engine;

import java.util.List;

/** A range vector: series with points over time, sorted by labels when produced by a range query. */
public record Matrix(List<RangeSeries> series) implements Value {
  public Matrix {
    series = List.copyOf(series);
  }

  @Override
  public String typeName() {
    return "matrix";
  }
}
