package dev.hypnos.promql.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link GoFloat#writeF} (Schubfach digits written as bytes) against {@link GoFloat#appendF}, which
 * takes its digits from {@link Double#toString} and moves them out of scientific notation.
 */
class ShortestDecimalTest {
  private final byte[] buf = new byte[GoFloat.MAX_F_BYTES + 8];
  private final StringBuilder expected = new StringBuilder(400);
  private final StringBuilder scratch = new StringBuilder(400);

  /** Checks {@code v} and {@code -v}; returns the longest length written. */
  private int check(double v, String context) {
    return Math.max(checkOne(v, context), checkOne(-v, context));
  }

  /**
   * Writes {@code v} at the offset that leaves exactly the room {@link GoFloat#writeF} asks for
   * before the end of the buffer, so that a write past it throws.
   */
  private int checkOne(double v, String context) {
    expected.setLength(0);
    GoFloat.appendF(expected, v, scratch);
    double a = Math.abs(v);
    int room = GoFloat.MAX_F_BYTES;
    if (a >= Double.MIN_NORMAL && Double.isFinite(v)) {
      long f = ShortestDecimal.significand(v);
      int log10 = ShortestDecimal.digitCount(f) - 1 + ShortestDecimal.exponent(v);
      room = 19 + Math.abs(log10);
    }
    if (!(a < 1e-6 || a >= 1e21)) {
      room = Math.min(room, GoFloat.MAX_F_BYTES_BELOW_1E21);
    }
    int off = buf.length - room;
    buf[off - 1] = 'x';
    int end = GoFloat.writeF(buf, off, v);
    int n = expected.length();
    boolean same = end - off == n && buf[off - 1] == 'x';
    for (int i = 0; same && i < n; i++) {
      same = buf[off + i] == expected.charAt(i);
    }
    if (!same) {
      fail("writeF(%s) (bits %x, %s) wrote %s, appendF wrote %s", Double.toString(v), Double.doubleToRawLongBits(v),
          context, new String(buf, off, Math.max(0, end - off), StandardCharsets.ISO_8859_1), expected);
    }
    return n;
  }

  /** {@code v} and its neighbours up to {@code steps} doubles away on each side. */
  private void checkAround(double v, int steps, String context) {
    check(v, context);
    double up = v;
    double down = v;
    for (int i = 0; i < steps; i++) {
      up = Math.nextUp(up);
      down = Math.nextDown(down);
      if (Double.isFinite(up)) {
        check(up, context);
      }
      if (down != 0) {
        check(down, context);
      }
    }
  }

  @Test
  void randomBitPatternsOverEveryExponent() {
    long fixedSeed = 0x5eedL;
    long runSeed = System.nanoTime();
    for (long seed : new long[] {fixedSeed, runSeed}) {
      SplittableRandom random = new SplittableRandom(seed);
      String context = "random bits, seed " + seed;
      for (int i = 0; i < 1_000_000; i++) {
        double v = Double.longBitsToDouble(random.nextLong());
        if (Double.isFinite(v)) {
          checkOne(v, context);
        }
      }
    }
  }

  /** Digits only (no positional form, which is long for large exponents), so that many more fit. */
  @Test
  void randomBitPatternsHaveDoubleToStringsDigits() {
    long fixedSeed = 0xd161L;
    long runSeed = System.nanoTime();
    for (long seed : new long[] {fixedSeed, runSeed}) {
      SplittableRandom random = new SplittableRandom(seed);
      for (int i = 0; i < 8_000_000; i++) {
        double v = Math.abs(Double.longBitsToDouble(random.nextLong()));
        if (!(v >= Double.MIN_NORMAL) || Double.isInfinite(v)) {
          continue;
        }
        String s = Double.toString(v);
        long f = 0;
        int e = 0;
        boolean fraction = false;
        int k = 0;
        for (; k < s.length() && s.charAt(k) != 'E'; k++) {
          char c = s.charAt(k);
          if (c == '.') {
            fraction = true;
          } else {
            f = f * 10 + (c - '0');
            e -= fraction ? 1 : 0;
          }
        }
        if (k < s.length()) {
          e += Integer.parseInt(s, k + 1, s.length(), 10);
        }
        long g = ShortestDecimal.significand(v);
        int ge = ShortestDecimal.exponent(v);
        long f0 = f;
        int e0 = e;
        while (f % 10 == 0) {
          f /= 10;
          e++;
        }
        while (g % 10 == 0) {
          g /= 10;
          ge++;
        }
        if (f != g || e != ge) {
          fail("digits of %s (bits %x, seed %d): got %de%d, want %de%d", s, Double.doubleToRawLongBits(v), seed,
              ShortestDecimal.significand(v), ShortestDecimal.exponent(v), f0, e0);
        }
      }
    }
  }

  @Test
  void randomValuesInPrometheusPlainRangeFitTheConstant() {
    long fixedSeed = 0xfeedL;
    long runSeed = System.nanoTime();
    int longest = 0;
    for (long seed : new long[] {fixedSeed, runSeed}) {
      SplittableRandom random = new SplittableRandom(seed);
      String context = "plain range, seed " + seed;
      for (int i = 0; i < 600_000; i++) {
        // uniform in the exponent between 1e-6 and 1e21, every significand
        int exp = random.nextInt(-20, 70);
        double v = Math.scalb(1 + random.nextDouble(), exp);
        if (v >= 1e-6 && v < 1e21) {
          longest = Math.max(longest, check(v, context));
        }
        // rates of realistic size
        longest = Math.max(longest, check(random.nextDouble(0.001, 10_000), context));
      }
    }
    for (double v : new double[] {Math.nextDown(1e21), 1e-6, Math.nextUp(1e-6), Math.nextDown(1e-5)}) {
      longest = Math.max(longest, check(v, "ends of the plain range"));
    }
    assertThat(longest).isEqualTo(GoFloat.MAX_F_BYTES_BELOW_1E21);
  }

  @Test
  void everyPowerOfTwoAndItsNeighbours() {
    // the significand 2^52 has the closer neighbour below: the asymmetric rounding interval
    for (int e = Double.MIN_EXPONENT; e <= Double.MAX_EXPONENT; e++) {
      checkAround(Math.scalb(1.0, e), 3, "2^" + e);
      // and the largest significand of each binade
      checkAround(Math.nextDown(Math.scalb(1.0, e)), 0, "below 2^" + e);
    }
  }

  @Test
  void everyPowerOfTenAndItsNeighbours() {
    for (int e = -307; e <= 308; e++) {
      double v = Double.parseDouble("1e" + e);
      checkAround(v, 5, "1e" + e);
      checkAround(Double.parseDouble("5e" + e), 1, "5e" + e);
      checkAround(Double.parseDouble("9.999999999999999e" + e), 1, "9.99..e" + e);
    }
  }

  @Test
  void edgesOfTheRangeAndOfPrometheusPlainForm() {
    checkAround(Double.MIN_NORMAL, 50, "MIN_NORMAL");
    checkAround(Double.MAX_VALUE, 50, "MAX_VALUE");
    checkAround(1e-6, 2000, "1e-6");
    checkAround(1e21, 2000, "1e21");
    checkAround(0x1p53, 100, "2^53");
    checkAround(0.1, 100, "0.1");
    checkAround(1.0 / 3, 100, "1/3");
    assertThat(check(Double.MIN_NORMAL, "MIN_NORMAL")).isEqualTo(GoFloat.MAX_F_BYTES);
    assertThat(check(Double.MAX_VALUE, "MAX_VALUE")).isEqualTo(310);
    // NaN, infinities, zeros, subnormals and small integers take their own paths
    for (double v : new double[] {Double.NaN, Double.POSITIVE_INFINITY, 0.0, Double.MIN_VALUE, 3 * Double.MIN_VALUE,
        Math.nextDown(Double.MIN_NORMAL), 1, 7, 1000, 123456789, 0x1p53 - 1, 0.5, 12.25}) {
      check(v, "special");
    }
  }

  @Test
  void fifteenToSeventeenSignificantDigits() {
    long seed = System.nanoTime();
    SplittableRandom random = new SplittableRandom(seed);
    String context = "15-17 digits, seed " + seed;
    for (int i = 0; i < 300_000; i++) {
      int digits = random.nextInt(15, 18);
      long f = random.nextLong(ShortestDecimalTest.pow10(digits - 1), ShortestDecimalTest.pow10(digits));
      int e = random.nextInt(-320, 300);
      double v = Double.parseDouble(f + "e" + e);
      if (v >= Double.MIN_NORMAL && Double.isFinite(v)) {
        check(v, context);
      }
    }
  }

  @Test
  void digitCountAtEveryPowerOfTen() {
    for (int d = 1; d <= 18; d++) {
      long p = pow10(d - 1);
      assertThat(ShortestDecimal.digitCount(p)).as("10^%d", d - 1).isEqualTo(d);
      assertThat(ShortestDecimal.digitCount(p * 10 - 1)).as("10^%d - 1", d).isEqualTo(d);
      assertThat(ShortestDecimal.digitCount(p + p / 2)).isEqualTo(d);
    }
    for (int b = 0; b < 60; b++) {
      long x = 1L << b;
      assertThat(ShortestDecimal.digitCount(x)).as("2^%d", b).isEqualTo(Long.toString(x).length());
    }
  }

  @Test
  void plainDecimalsFromSignificandAndExponent() {
    byte[] out = new byte[64];
    assertThat(plain(out, 1, -7)).isEqualTo("0.0000001");
    assertThat(plain(out, 12345, -2)).isEqualTo("123.45");
    assertThat(plain(out, 1234500, -4)).isEqualTo("123.45");
    assertThat(plain(out, 10000000000000000L, -16)).isEqualTo("1");
    assertThat(plain(out, 10000000000000000L, -17)).isEqualTo("0.1");
    assertThat(plain(out, 10000000000000000L, 4)).isEqualTo("100000000000000000000");
    assertThat(plain(out, 7, 0)).isEqualTo("7");
    assertThat(plain(out, 7, 30)).isEqualTo("7" + "0".repeat(30));
    assertThat(plain(out, 7, -30)).isEqualTo("0." + "0".repeat(29) + "7");
    // the point after every place of seventeen digits
    for (int p = 1; p < 17; p++) {
      String digits = "12345678901234567";
      assertThat(plain(out, 12345678901234567L, p - 17)).isEqualTo(digits.substring(0, p) + "." + digits.substring(p));
      assertThat(plain(out, 12345678901234560L, p - 17))
          .isEqualTo(p == 16 ? "1234567890123456" : digits.substring(0, p) + "." + digits.substring(p, 16));
    }
    assertThat(plain(out, 1234567, -3)).isEqualTo("1234.567");
    assertThat(plain(out, 12, 3)).isEqualTo("12000");
    assertThat(plain(out, 12345678901234567L, -1)).isEqualTo("1234567890123456.7");
    assertThat(plain(out, 12345678901234567L, -17)).isEqualTo("0.12345678901234567");
    assertThat(plain(out, 99999999999999999L, 4)).isEqualTo("999999999999999990000");
  }

  @Test
  void eightAsciiDigits() {
    SplittableRandom random = new SplittableRandom(8);
    byte[] out = new byte[8];
    for (int i = 0; i < 200_000; i++) {
      int y = i < 100_000 ? i * 1000 + i % 1000 : random.nextInt(100_000_000);
      long x = ShortestDecimal.ascii8(y);
      for (int j = 0; j < 8; j++) {
        out[j] = (byte) (x >>> (8 * j));
      }
      assertThat(new String(out, StandardCharsets.ISO_8859_1)).isEqualTo(String.format("%08d", y));
    }
  }

  private static String plain(byte[] out, long f, int e) {
    int end = ShortestDecimal.writePlain(out, 0, f, e);
    return new String(out, 0, end, StandardCharsets.ISO_8859_1);
  }

  private static long pow10(int n) {
    long p = 1;
    for (int i = 0; i < n; i++) {
      p *= 10;
    }
    return p;
  }
}
