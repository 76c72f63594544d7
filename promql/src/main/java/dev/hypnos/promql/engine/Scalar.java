package dev.hypnos.promql.engine;

/** A scalar value at time {@code t} (milliseconds). */
public record Scalar(long t, double v) implements Value {
  @Override
  public String typeName() {
    return "scalar";
  }

  @Override
  public String toString() {
    return "scalar: " + Sample.formatFloat(v) + " @[" + t + "]";
  }
}
