package dev.hypnos.promql.engine;

import java.util.List;

/** An instant vector: samples of distinct series at one timestamp. Order is meaningful only after sort functions. */
public record Vector(List<Sample> samples) implements Value {
  public Vector {
    samples = List.copyOf(samples);
  }

  @Override
  public String typeName() {
    return "vector";
  }

  public int size() {
    return samples.size();
  }
}
