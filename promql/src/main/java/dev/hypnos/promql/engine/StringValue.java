package dev.hypnos.promql.engine;

import java.util.Objects;

/** A string literal result at time {@code t} (milliseconds). */
public record StringValue(long t, String s) implements Value {
  public StringValue {
    Objects.requireNonNull(s, "s");
  }

  @Override
  public String typeName() {
    return "string";
  }
}
