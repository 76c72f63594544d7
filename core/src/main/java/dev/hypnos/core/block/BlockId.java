package dev.hypnos.core.block;

import java.time.InstantSource;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * A block id: a ULID, 128 bits written as 26 characters of Crockford base32 (uppercase, without
 * I, L, O, U). The first 48 bits are a Unix timestamp in milliseconds, the other 80 are random.
 * Ordering is that of the 128-bit unsigned value, which is also the order of the text form.
 *
 * <p>Concurrency: immutable.
 */
public final class BlockId implements Comparable<BlockId> {
  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
  private static final byte[] DECODE = new byte[128];

  static {
    java.util.Arrays.fill(DECODE, (byte) -1);
    for (int i = 0; i < ALPHABET.length; i++) {
      DECODE[ALPHABET[i]] = (byte) i;
      DECODE[Character.toLowerCase(ALPHABET[i])] = (byte) i;
    }
  }

  public static final int LENGTH = 26;
  public static final long MAX_TIME = (1L << 48) - 1;

  private final long hi;
  private final long lo;

  private BlockId(long hi, long lo) {
    this.hi = hi;
    this.lo = lo;
  }

  /** From the two 64-bit halves, most significant first. */
  public static BlockId of(long hi, long lo) {
    return new BlockId(hi, lo);
  }

  /** A new id with the time of {@code clock} and 80 random bits from {@code random}. */
  public static BlockId generate(InstantSource clock, RandomGenerator random) {
    return of(clock.millis(), random);
  }

  /** An id with timestamp {@code millis} and 80 random bits from {@code random}. */
  public static BlockId of(long millis, RandomGenerator random) {
    if (millis < 0 || millis > MAX_TIME) {
      throw new IllegalArgumentException("ULID timestamp " + millis + " is outside 0.." + MAX_TIME);
    }
    long r1 = random.nextLong() & 0xFFFF;
    long r2 = random.nextLong();
    return new BlockId((millis << 16) | r1, r2);
  }

  /** True when {@code s} is a valid ULID text. */
  public static boolean isValid(String s) {
    return validate(s) == null;
  }

  private static @Nullable String validate(String s) {
    if (s.length() != LENGTH) {
      return "has " + s.length() + " characters, a ULID has " + LENGTH;
    }
    for (int i = 0; i < LENGTH; i++) {
      char c = s.charAt(i);
      if (c >= 128 || DECODE[c] < 0) {
        return "has character '" + c + "' at position " + i + ", not in Crockford base32";
      }
    }
    if (DECODE[s.charAt(0)] > 7) {
      return "starts with '" + s.charAt(0) + "', which overflows 128 bits (at most '7')";
    }
    return null;
  }

  /**
   * Parses a 26-character ULID (case-insensitive).
   *
   * @throws IllegalArgumentException naming the text and what is wrong with it
   */
  public static BlockId parse(String s) {
    Objects.requireNonNull(s, "s");
    String problem = validate(s);
    if (problem != null) {
      throw new IllegalArgumentException("parse block id \"" + s + "\": " + problem);
    }
    // 26 chars * 5 bits = 130 bits; the top 2 bits are zero (checked above).
    long hi = 0;
    long lo = 0;
    for (int i = 0; i < LENGTH; i++) {
      long v = DECODE[s.charAt(i)];
      // shift the 128-bit (hi, lo) left by 5 and add v
      hi = (hi << 5) | (lo >>> 59);
      lo = (lo << 5) | v;
    }
    return new BlockId(hi, lo);
  }

  /** Timestamp in Unix milliseconds. */
  public long timestamp() {
    return hi >>> 16;
  }

  public long mostSignificantBits() {
    return hi;
  }

  public long leastSignificantBits() {
    return lo;
  }

  /** The 16 bytes, big-endian. */
  public byte[] toBytes() {
    byte[] b = new byte[16];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (hi >>> (56 - 8 * i));
      b[8 + i] = (byte) (lo >>> (56 - 8 * i));
    }
    return b;
  }

  @Override
  public int compareTo(BlockId o) {
    int c = Long.compareUnsigned(hi, o.hi);
    return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BlockId other && other.hi == hi && other.lo == lo;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(hi) * 31 + Long.hashCode(lo);
  }

  /** The canonical 26-character uppercase text. */
  @Override
  public String toString() {
    char[] out = new char[LENGTH];
    long h = hi;
    long l = lo;
    for (int i = LENGTH - 1; i >= 0; i--) {
      out[i] = ALPHABET[(int) (l & 31)];
      l = (l >>> 5) | (h << 59);
      h >>>= 5;
    }
    return new String(out);
  }
}
