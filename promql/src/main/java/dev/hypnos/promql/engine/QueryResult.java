package dev.hypnos.promql.engine;

import java.util.Objects;

/** The value of a query with the annotations raised while computing it. */
public record QueryResult(Value value, Annotations annotations) {
  public QueryResult {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(annotations, "annotations");
  }
}
