package dev.hypnos.promql.parser;

import java.util.Objects;

/**
 * The {@code @} modifier of a selector or subquery: a fixed timestamp ({@code @ 100} = 100 s
 * after the epoch, kept in milliseconds) or the query's {@code start()} / {@code end()}.
 */
public record AtModifier(Kind kind, long timestampMs) {
  /** What the modifier refers to. */
  public enum Kind {
    TIMESTAMP,
    START,
    END
  }

  public static final AtModifier START = new AtModifier(Kind.START, 0);
  public static final AtModifier END = new AtModifier(Kind.END, 0);

  public AtModifier {
    Objects.requireNonNull(kind, "kind");
    if (kind != Kind.TIMESTAMP && timestampMs != 0) {
      throw new IllegalArgumentException("@ " + kind + " carries no timestamp, got " + timestampMs);
    }
  }

  public static AtModifier at(long timestampMs) {
    return new AtModifier(Kind.TIMESTAMP, timestampMs);
  }
}
