package dev.hypnos.promql.parser;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Aggregation operators; some take a parameter before the vector ({@code topk(3, x)}). */
public enum AggregateOp {
  SUM(null, false),
  AVG(null, false),
  COUNT(null, false),
  MIN(null, false),
  MAX(null, false),
  GROUP(null, false),
  STDDEV(null, false),
  STDVAR(null, false),
  TOPK(ValueType.SCALAR, false),
  BOTTOMK(ValueType.SCALAR, false),
  QUANTILE(ValueType.SCALAR, false),
  COUNT_VALUES(ValueType.STRING, false),
  LIMITK(ValueType.SCALAR, true),
  LIMIT_RATIO(ValueType.SCALAR, true);

  private final @Nullable ValueType paramType;
  private final boolean experimental;
  private final String text;

  AggregateOp(@Nullable ValueType paramType, boolean experimental) {
    this.paramType = paramType;
    this.experimental = experimental;
    this.text = name().toLowerCase(Locale.ROOT);
  }

  /** The operator as printed ("sum", "count_values", ...). */
  public String text() {
    return text;
  }

  public boolean hasParam() {
    return paramType != null;
  }

  /** The type of the parameter, null for operators without one. */
  public @Nullable ValueType paramType() {
    return paramType;
  }

  /** Needs the {@code promql-experimental-functions} feature. */
  public boolean isExperimental() {
    return experimental;
  }

  /** The operator for a case-insensitive keyword, or null. */
  public static @Nullable AggregateOp fromKeyword(String word) {
    String lower = word.toLowerCase(Locale.ROOT);
    for (AggregateOp op : values()) {
      if (op.text.equals(lower)) {
        return op;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return text;
  }
}
