package dev.hypnos.promql.engine;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Go's shortest round-trip decimal for a float64 (what {@code strconv.FormatFloat(v, fmt, -1, 64)}
 * prints). {@link Double#toString} gives the same digits for normal doubles, but it never gives
 * fewer than two significant digits, so for subnormals whose shortest form has one digit it picks
 * a closer two-digit decimal ({@code 4.9E-324} where Go prints {@code 5e-324}).
 */
public final class GoFloat {
  private GoFloat() {}

  /** The shortest decimal that parses back to {@code v}; {@code v} must be finite and not zero. */
  public static BigDecimal shortest(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v) || v == 0) {
      throw new IllegalArgumentException("shortest decimal of " + v + ": needs a finite non-zero value");
    }
    if (Math.abs(v) >= Double.MIN_NORMAL) {
      return new BigDecimal(Double.toString(v)).stripTrailingZeros();
    }
    BigDecimal exact = new BigDecimal(v);
    for (int digits = 1; digits < 17; digits++) {
      BigDecimal d = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
      if (d.doubleValue() == v) {
        return d.stripTrailingZeros();
      }
    }
    return new BigDecimal(Double.toString(v)).stripTrailingZeros();
  }

  /** Go {@code strconv.FormatFloat(v, 'f', -1, 64)}, with Prometheus's NaN and ±Inf spellings. */
  public static String formatF(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == 0) {
      return 1 / v < 0 ? "-0" : "0";
    }
    return shortest(v).toPlainString();
  }
}
