package dev.hypnos.cli.tools;

import dev.hypnos.promql.engine.GoFloat;
import java.math.BigDecimal;
import java.time.Duration;

/**
 * Number and duration formatting that matches Go's, so our tool output can be compared with
 * promtool's and thanos's line by line.
 */
final class GoFormat {
  private GoFormat() {}

  /**
   * Go's {@code fmt} verb {@code %g} for a float64: the shortest decimal that reads back as the
   * same double, in exponent form ({@code 1e+06}, {@code 1.5e-05}) when the decimal exponent is
   * below -4 or at least 6 (Go's fixed rule for the shortest form), else plain ({@code 0.001},
   * {@code 123456}). Specials print as
   * {@code NaN}, {@code +Inf}, {@code -Inf}.
   */
  static String formatG(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == 0) {
      return (Double.doubleToRawLongBits(v) < 0) ? "-0" : "0";
    }
    BigDecimal bd = GoFloat.shortest(Math.abs(v));
    String digits = bd.unscaledValue().toString();
    // value = digits * 10^-scale; decimal exponent of the first digit:
    int exp = digits.length() - 1 - bd.scale();
    StringBuilder sb = new StringBuilder(24);
    if (v < 0) {
      sb.append('-');
    }
    if (exp < -4 || exp >= 6) {
      sb.append(digits.charAt(0));
      if (digits.length() > 1) {
        sb.append('.').append(digits, 1, digits.length());
      }
      sb.append('e').append(exp < 0 ? '-' : '+');
      int a = Math.abs(exp);
      if (a < 10) {
        sb.append('0');
      }
      sb.append(a);
    } else if (exp < 0) {
      sb.append("0.");
      sb.append("0".repeat(-exp - 1));
      sb.append(digits);
    } else if (digits.length() <= exp + 1) {
      sb.append(digits);
      sb.append("0".repeat(exp + 1 - digits.length()));
    } else {
      sb.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length());
    }
    return sb.toString();
  }

  /** Go's {@code time.Duration.String()}: {@code 2h0m0s}, {@code 1m30s}, {@code 1.5s}, {@code 0s}. */
  static String duration(Duration d) {
    long nanos;
    try {
      nanos = d.toNanos();
    } catch (ArithmeticException e) {
      nanos = d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    if (nanos == 0) {
      return "0s";
    }
    boolean neg = nanos < 0;
    // Work in unsigned magnitude; Long.MIN_VALUE negates to itself, handled via unsigned ops.
    long u = neg ? -nanos : nanos;
    StringBuilder sb = new StringBuilder();
    if (Long.compareUnsigned(u, 1_000_000_000L) < 0) {
      // Sub-second: use the largest unit that keeps a leading non-zero digit.
      String unit;
      long scale;
      if (u < 1_000L) {
        return (neg ? "-" : "") + u + "ns";
      } else if (u < 1_000_000L) {
        unit = "µs";
        scale = 1_000L;
      } else {
        unit = "ms";
        scale = 1_000_000L;
      }
      sb.append(neg ? "-" : "").append(fraction(u, scale)).append(unit);
      return sb.toString();
    }
    long totalSeconds = Long.divideUnsigned(u, 1_000_000_000L);
    long fracNanos = Long.remainderUnsigned(u, 1_000_000_000L);
    long hours = totalSeconds / 3600;
    long minutes = (totalSeconds % 3600) / 60;
    long seconds = totalSeconds % 60;
    if (neg) {
      sb.append('-');
    }
    if (hours > 0) {
      sb.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      sb.append(minutes).append('m');
    }
    sb.append(fraction(seconds * 1_000_000_000L + fracNanos, 1_000_000_000L)).append('s');
    return sb.toString();
  }

  /** {@code value/scale} with the fractional part's trailing zeros removed. */
  private static String fraction(long value, long scale) {
    long whole = value / scale;
    long frac = value % scale;
    if (frac == 0) {
      return Long.toString(whole);
    }
    int width = Long.toString(scale).length() - 1;
    String f = String.format("%0" + width + "d", frac).replaceAll("0+$", "");
    return whole + "." + f;
  }

  /** Go's {@code message.NewPrinter(language.English).Sprintf("%d", n)}: digits grouped by commas. */
  static String grouped(long n) {
    return String.format(java.util.Locale.ROOT, "%,d", n);
  }
}
