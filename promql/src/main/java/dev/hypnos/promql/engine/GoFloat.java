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

  /**
   * Appends what {@link #formatF} returns, without building a {@link BigDecimal} for the common
   * cases: integers below 2^53 are written as such (every other integer is another double, so
   * their digits are already the shortest), other normal doubles are {@link Double#toString}'s
   * shortest digits moved out of scientific notation. {@code scratch} is overwritten.
   */
  public static void appendF(StringBuilder out, double v, StringBuilder scratch) {
    if (Double.isNaN(v) || Double.isInfinite(v) || v == 0 || Math.abs(v) < Double.MIN_NORMAL) {
      out.append(formatF(v));
      return;
    }
    if (Math.abs(v) < 0x1p53 && v == Math.rint(v)) {
      out.append((long) v);
      return;
    }
    scratch.setLength(0);
    scratch.append(v);
    int n = scratch.length();
    int i = 0;
    if (scratch.charAt(0) == '-') {
      out.append('-');
      i = 1;
    }
    int e = scratch.indexOf("E", i);
    int mantissaEnd = e < 0 ? n : e;
    int exponent = e < 0 ? 0 : Integer.parseInt(scratch, e + 1, n, 10);
    // Collect the significant digits into the tail of scratch and find where the point goes.
    int digitsStart = n;
    int point = 0;
    boolean seenPoint = false;
    for (int k = i; k < mantissaEnd; k++) {
      char c = scratch.charAt(k);
      if (c == '.') {
        seenPoint = true;
        continue;
      }
      if (!seenPoint) {
        point++;
      }
      scratch.append(c);
    }
    int digitsEnd = scratch.length();
    point += exponent;
    while (digitsStart < digitsEnd && scratch.charAt(digitsStart) == '0') {
      digitsStart++;
      point--;
    }
    while (digitsEnd > digitsStart && scratch.charAt(digitsEnd - 1) == '0') {
      digitsEnd--;
    }
    int len = digitsEnd - digitsStart;
    if (point <= 0) {
      out.append("0.");
      for (int k = point; k < 0; k++) {
        out.append('0');
      }
      out.append(scratch, digitsStart, digitsEnd);
    } else if (point >= len) {
      out.append(scratch, digitsStart, digitsEnd);
      for (int k = len; k < point; k++) {
        out.append('0');
      }
    } else {
      out.append(scratch, digitsStart, digitsStart + point).append('.').append(scratch, digitsStart + point, digitsEnd);
    }
  }

  /**
   * The most bytes {@link #writeF} writes for any double: {@code -0.}, 307 zeros and 17 digits for
   * values just above {@code -Double.MIN_NORMAL}.
   */
  public static final int MAX_F_BYTES = 327;

  /**
   * The most bytes {@link #writeF} writes for {@code 1e-6 <= |v| < 1e21} (where Prometheus's API
   * uses this form), and for NaN, ±Inf and ±0: {@code -0.00000} and 17 digits.
   */
  public static final int MAX_F_BYTES_BELOW_1E21 = 25;

  /**
   * Writes {@link #formatF}{@code (v)} as ASCII bytes at {@code dst[off]} and returns the offset
   * after them. The caller leaves room: {@value #MAX_F_BYTES_BELOW_1E21} bytes when {@code 1e-6 <=
   * |v| < 1e21}, {@value #MAX_F_BYTES} for any value; bytes of that room after the returned offset
   * may be overwritten. Normal non-integer values take the same digits as {@link #appendF} without
   * building strings ({@link ShortestDecimal}).
   */
  public static int writeF(byte[] dst, int off, double v) {
    double a = Math.abs(v);
    if (!(a >= Double.MIN_NORMAL) || Double.isInfinite(v)) {
      // NaN, ±Inf, ±0 and subnormals
      String s = formatF(v);
      for (int i = 0; i < s.length(); i++) {
        dst[off++] = (byte) s.charAt(i);
      }
      return off;
    }
    if (a < 0x1p53 && v == Math.rint(v)) {
      if (v < 0) {
        dst[off++] = '-';
      }
      return ShortestDecimal.writePlain(dst, off, (long) a, 0);
    }
    return ShortestDecimal.writeF(dst, off, v);
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
