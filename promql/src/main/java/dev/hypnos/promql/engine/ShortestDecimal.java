package dev.hypnos.promql.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigInteger;
import java.nio.ByteOrder;

/**
 * The shortest decimal that rounds back to a normal {@code double}, with the digits {@link
 * Double#toString} chooses (JDK 19 and later), computed with Giulietti's Schubfach method ("The
 * Schubfach way to render doubles"), and written as ASCII bytes without strings.
 *
 * <p>For {@code v = c * 2^q} (c the 53-bit significand) the rounding interval is {@code [(c - 1/2)
 * 2^q, (c + 1/2) 2^q]} ({@code c - 1/4} on the left when c is {@code 2^52}: the next double down
 * is closer), its ends included when c is even. With {@code k} chosen so that the interval's width
 * is at least {@code 10^k} and less than {@code 10^(k+1)}, the interval holds at most one multiple
 * of {@code 10^(k+1)} and at least one of {@code 10^k}: the answer is that multiple of {@code
 * 10^(k+1)} when there is one, otherwise whichever of {@code floor(v / 10^k)} and the next integer
 * lies in the interval (the closer one, even on a tie, when both do). The three scaled bounds
 * {@code 4 v / 10^k}, {@code 4 v_left / 10^k}, {@code 4 v_right / 10^k} come from a 126-bit
 * upper approximation of {@code 10^-k}, rounded to odd, which keeps every comparison with an
 * even integer exact.
 */
final class ShortestDecimal {
  private ShortestDecimal() {}

  /** Smallest and largest {@code k} of a normal double's decimal scale. */
  private static final int K_MIN = -324;
  private static final int K_MAX = 292;
  private static final long MASK_63 = (1L << 63) - 1;
  private static final long SIGNIFICAND_MASK = (1L << 52) - 1;
  private static final long HIDDEN_BIT = 1L << 52;

  /** By biased exponent (1..2046): {@code floor(q log10 2)} with {@code q = exponent - 1075}. */
  private static final int[] K_SYMMETRIC = new int[2047];
  /** By biased exponent: {@code floor(log10(3/4 * 2^q))}, for significand {@code 2^52}. */
  private static final int[] K_ASYMMETRIC = new int[2047];
  /** By {@code k - K_MIN}: {@code floor(log2(10^-k))}. */
  private static final int[] LOG2_POW10 = new int[K_MAX - K_MIN + 1];
  /** By {@code k - K_MIN}: the high 63 bits and low 63 bits of {@code g(k)}, see {@link #g}. */
  private static final long[] G_HIGH = new long[K_MAX - K_MIN + 1];
  private static final long[] G_LOW = new long[K_MAX - K_MIN + 1];
  /** {@code 10^i}, {@code i <= 18}. */
  private static final long[] POW10 = new long[19];

  static {
    BigInteger[] pow10 = new BigInteger[400];
    pow10[0] = BigInteger.ONE;
    for (int i = 1; i < pow10.length; i++) {
      pow10[i] = pow10[i - 1].multiply(BigInteger.TEN);
    }
    for (int bq = 1; bq <= 2046; bq++) {
      int q = bq - 1075;
      BigInteger two = BigInteger.ONE.shiftLeft(Math.abs(q));
      K_SYMMETRIC[bq] = q >= 0 ? floorLog10(two, BigInteger.ONE, pow10) : floorLog10(BigInteger.ONE, two, pow10);
      // 3/4 * 2^q = 3 * 2^(q-2)
      BigInteger three = BigInteger.valueOf(3);
      K_ASYMMETRIC[bq] = q >= 2 ? floorLog10(three.shiftLeft(q - 2), BigInteger.ONE, pow10)
          : floorLog10(three, BigInteger.ONE.shiftLeft(2 - q), pow10);
    }
    for (int k = K_MIN; k <= K_MAX; k++) {
      int i = k - K_MIN;
      // floor(log2(10^-k)): 10^j (j > 0) is never a power of two
      int r = k <= 0 ? pow10[-k].bitLength() - 1 : -pow10[k].bitLength();
      LOG2_POW10[i] = r;
      BigInteger g = g(k, r, pow10);
      if (g.bitLength() != 126) {
        throw new IllegalStateException("decimal scale table for k=" + k + ": g has " + g.bitLength() + " bits, not 126");
      }
      G_HIGH[i] = g.shiftRight(63).longValueExact();
      G_LOW[i] = g.longValue() & MASK_63;
    }
    POW10[0] = 1;
    for (int i = 1; i < POW10.length; i++) {
      POW10[i] = POW10[i - 1] * 10;
    }
  }

  /**
   * {@code floor(10^-k * 2^(125 - r)) + 1} with {@code r = floor(log2(10^-k))}: a 126-bit integer
   * just above {@code 10^-k} scaled into {@code [2^125, 2^126)}.
   */
  private static BigInteger g(int k, int r, BigInteger[] pow10) {
    BigInteger scaled;
    if (k <= 0) {
      int shift = 125 - r;
      scaled = shift >= 0 ? pow10[-k].shiftLeft(shift) : pow10[-k].shiftRight(-shift);
    } else {
      scaled = BigInteger.ONE.shiftLeft(125 - r).divide(pow10[k]);
    }
    return scaled.add(BigInteger.ONE);
  }

  /** {@code floor(log10(num / den))} for positive integers. */
  private static int floorLog10(BigInteger num, BigInteger den, BigInteger[] pow10) {
    int k = (int) Math.floor((num.bitLength() - den.bitLength()) * Math.log10(2));
    while (!atLeastPow10(num, den, k, pow10)) {
      k--;
    }
    while (atLeastPow10(num, den, k + 1, pow10)) {
      k++;
    }
    return k;
  }

  /** Whether {@code num / den >= 10^k}. */
  private static boolean atLeastPow10(BigInteger num, BigInteger den, int k, BigInteger[] pow10) {
    return k >= 0 ? num.compareTo(den.multiply(pow10[k])) >= 0 : num.multiply(pow10[-k]).compareTo(den) >= 0;
  }

  /**
   * The decimal exponent of {@link #significand}'s result: {@code |v| = significand(v) *
   * 10^exponent(v)}. {@code v} must be finite and normal.
   */
  static int exponent(double v) {
    long bits = Double.doubleToRawLongBits(v);
    int bq = (int) (bits >>> 52) & 0x7ff;
    return (bits & SIGNIFICAND_MASK) == 0 && bq > 1 ? K_ASYMMETRIC[bq] : K_SYMMETRIC[bq];
  }

  /**
   * The digits of the shortest decimal in {@code |v|}'s rounding interval, closest to {@code |v|}
   * among those (even last digit on a tie), as an integer of up to 17 digits that may end in zeros,
   * scaled by {@code 10^exponent(v)}. {@code v} must be finite and normal
   * ({@code |v| >= Double.MIN_NORMAL}).
   */
  static long significand(double v) {
    long bits = Double.doubleToRawLongBits(v);
    int bq = (int) (bits >>> 52) & 0x7ff;
    long fraction = bits & SIGNIFICAND_MASK;
    long c = HIDDEN_BIT | fraction;
    int q = bq - 1075;
    long cb = c << 2;
    long cbr = cb + 2;
    long cbl;
    int k;
    if (fraction == 0 && bq > 1) {
      cbl = cb - 1;
      k = K_ASYMMETRIC[bq];
    } else {
      cbl = cb - 2;
      k = K_SYMMETRIC[bq];
    }
    int i = k - K_MIN;
    int h = q + LOG2_POW10[i] + 2;
    long g1 = G_HIGH[i];
    long g0 = G_LOW[i];
    long vb = scaleRoundOdd(g1, g0, cb << h);
    long vbl = scaleRoundOdd(g1, g0, cbl << h);
    long vbr = scaleRoundOdd(g1, g0, cbr << h);
    // 1 when the interval's ends are excluded (odd significand)
    long out = c & 1;
    long s = vb >> 2;
    // One digit shorter: the multiples of ten around s.
    long s10 = s / 10 * 10;
    long t10 = s10 + 10;
    boolean s10In = vbl + out <= s10 << 2;
    boolean t10In = (t10 << 2) + out <= vbr;
    if (s10In != t10In) {
      return s10In ? s10 : t10;
    }
    long t = s + 1;
    boolean sIn = vbl + out <= s << 2;
    boolean tIn = (t << 2) + out <= vbr;
    if (sIn != tIn) {
      return sIn ? s : t;
    }
    // Both in: the closer to v, s on a tie when it is even.
    long cmp = vb - ((s + t) << 1);
    return cmp < 0 || cmp == 0 && (s & 1) == 0 ? s : t;
  }

  /**
   * {@code g * cp / 2^127} for {@code g = g1 2^63 + g0}, rounded down with the lowest bit set when
   * the dropped part is not zero (round to odd).
   */
  private static long scaleRoundOdd(long g1, long g0, long cp) {
    long x1 = Math.multiplyHigh(g0, cp);
    long y0 = g1 * cp;
    long y1 = Math.multiplyHigh(g1, cp);
    long z = (y0 >>> 1) + x1;
    long vbp = y1 + (z >>> 63);
    return vbp | ((z & MASK_63) + MASK_63) >>> 63;
  }

  /**
   * Writes Go's {@code strconv.FormatFloat(v, 'f', -1, 64)} of a finite normal {@code v} at {@code
   * dst[off]} and returns the offset after it. Needs at most {@code 19 + |floor(log10|v|)|} bytes,
   * sign included.
   */
  static int writeF(byte[] dst, int off, double v) {
    if (v < 0) {
      dst[off++] = '-';
    }
    return writePlain(dst, off, significand(v), exponent(v));
  }

  /**
   * Writes {@code f * 10^e} ({@code 0 < f < 10^17}) in positional notation without trailing zeros
   * after the point (and without the point when nothing follows it). Like {@link #writeF} it may
   * write (and overwrite) past the returned offset, but not past the room {@link #writeF} asks for.
   */
  static int writePlain(byte[] dst, int off, long f, int e) {
    int n = digitCount(f);
    int point = n + e;
    // Seventeen digits as one byte and two times eight ASCII bytes.
    long full = f * POW10[17 - n];
    // the two divisions side by side rather than one after the other
    long first = full / 10_000_000_000_000_000L;
    long upper = full / 100_000_000;
    long a = ascii8((int) (upper - first * 100_000_000));
    long b = ascii8((int) (full - upper * 100_000_000));
    byte d0 = (byte) ('0' + first);
    // Significant digits: seventeen less the trailing zeros, the high bytes that are '0'.
    long bz = b - ZEROS;
    long az = a - ZEROS;
    int sig = bz != 0 ? 17 - (Long.numberOfLeadingZeros(bz) >>> 3)
        : az != 0 ? 9 - (Long.numberOfLeadingZeros(az) >>> 3) : 1;
    if (point <= 0) {
      dst[off] = '0';
      dst[off + 1] = '.';
      int at = off + 2 - point;
      writeZeros(dst, off + 2, at);
      dst[at] = d0;
      LONGS.set(dst, at + 1, a);
      LONGS.set(dst, at + 9, b);
      return at + sig;
    }
    if (point >= sig) {
      dst[off] = d0;
      LONGS.set(dst, off + 1, a);
      LONGS.set(dst, off + 9, b);
      int end = off + point;
      writeZeros(dst, off + 17, end);
      return end;
    }
    // Digits 0 .. point-1, '.', digits point .. 16: the byte at off, two words, the byte at off+17.
    // Each word takes its bytes before the point from the digits as they are (a, b) and those
    // after it from the digits one place to the right (shiftedA, shiftedB).
    long shiftedA = (d0 & 0xff) | a << 8;
    long shiftedB = a >>> 56 | b << 8;
    long wordA;
    long wordB;
    if (point <= 8) {
      wordA = withPoint(a, shiftedA, point - 1);
      wordB = shiftedB;
    } else {
      wordA = a;
      wordB = withPoint(b, shiftedB, point - 9);
    }
    dst[off] = d0;
    LONGS.set(dst, off + 1, wordA);
    LONGS.set(dst, off + 9, wordB);
    dst[off + 17] = (byte) (b >>> 56);
    return off + sig + 1;
  }

  /**
   * {@code before}'s first {@code m} bytes ({@code m < 8}), a '.', then {@code after}'s bytes from
   * {@code m + 1} on.
   */
  private static long withPoint(long before, long after, int m) {
    long high = -1L << (m << 3);
    return (before & ~high) | (long) '.' << (m << 3) | (after & high << 8);
  }

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  /** Eight ASCII zeros as a little-endian long. */
  private static final long ZEROS = 0x3030_3030_3030_3030L;

  /** Writes '0' into {@code dst[from, to)}. */
  private static void writeZeros(byte[] dst, int from, int to) {
    int z = from;
    for (; z + 8 <= to; z += 8) {
      LONGS.set(dst, z, ZEROS);
    }
    for (; z < to; z++) {
      dst[z] = '0';
    }
  }

  /**
   * The eight decimal digits of {@code 0 <= y < 10^8}, zero-padded, as ASCII bytes of a
   * little-endian long (the first digit in the lowest byte). The two four-digit halves, then the
   * four two-digit quarters, then the eight digits are split in parallel lanes of the long, each
   * division by 100 or 10 done as a multiplication and a shift that is exact for the lane's range.
   */
  static long ascii8(int y) {
    int hi = y / 10_000;
    long x = hi | (long) (y - hi * 10_000) << 32;
    // per 32-bit lane (< 10000): n / 100 == n * 5243 >>> 19
    long hundreds = (x * 5243 >>> 19) & 0x0000_007F_0000_007FL;
    x = hundreds | (x - hundreds * 100) << 16;
    // per 16-bit lane (< 100): n / 10 == n * 103 >>> 10
    long tens = (x * 103 >>> 10) & 0x000F_000F_000F_000FL;
    x = tens | (x - tens * 10) << 8;
    return x | ZEROS;
  }

  /** The number of decimal digits of {@code 0 < f < 10^18}. */
  static int digitCount(long f) {
    // floor(log10(2^bits)) approximated by bits * 1233 / 4096, then one comparison
    int t = (64 - Long.numberOfLeadingZeros(f)) * 1233 >>> 12;
    return f >= POW10[t] ? t + 1 : t;
  }
}
