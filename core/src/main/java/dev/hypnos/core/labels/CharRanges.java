package dev.hypnos.core.labels;

import java.util.Arrays;

/** An immutable set of code points as sorted, disjoint, non-adjacent closed ranges. */
final class CharRanges {
  static final CharRanges EMPTY = new CharRanges(new int[0]);
  static final CharRanges ALL = new CharRanges(new int[] {0, Character.MAX_CODE_POINT});

  /** lo0, hi0, lo1, hi1, ... */
  private final int[] r;

  private CharRanges(int[] r) {
    this.r = r;
  }

  int rangeCount() {
    return r.length / 2;
  }

  int lo(int i) {
    return r[2 * i];
  }

  int hi(int i) {
    return r[2 * i + 1];
  }

  /** Number of code points in the set. */
  long size() {
    long n = 0;
    for (int i = 0; i < r.length; i += 2) {
      n += r[i + 1] - r[i] + 1L;
    }
    return n;
  }

  boolean contains(int cp) {
    int lo = 0;
    int hi = rangeCount() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (cp < r[2 * mid]) {
        hi = mid - 1;
      } else if (cp > r[2 * mid + 1]) {
        lo = mid + 1;
      } else {
        return true;
      }
    }
    return false;
  }

  /** The complement over [0, U+10FFFF]. */
  CharRanges negate() {
    Builder b = new Builder();
    int next = 0;
    for (int i = 0; i < r.length; i += 2) {
      if (r[i] > next) {
        b.add(next, r[i] - 1);
      }
      next = r[i + 1] + 1;
    }
    if (next <= Character.MAX_CODE_POINT) {
      b.add(next, Character.MAX_CODE_POINT);
    }
    return b.build();
  }

  /** The set with every member's case variants added. */
  CharRanges fold() {
    Builder b = new Builder().addAll(this);
    for (int i = 0; i < r.length; i += 2) {
      CaseFolding.addFolded(b, r[i], r[i + 1]);
    }
    return b.build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CharRanges other && Arrays.equals(r, other.r);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(r);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < r.length; i += 2) {
      sb.append(String.format("%X-%X ", r[i], r[i + 1]));
    }
    return sb.append(']').toString();
  }

  /** Collects ranges in any order; {@link #build} sorts and merges them. */
  static final class Builder {
    private int[] buf = new int[16];
    private int n;

    Builder add(int lo, int hi) {
      if (n + 2 > buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      buf[n++] = lo;
      buf[n++] = hi;
      return this;
    }

    Builder addAll(CharRanges other) {
      for (int i = 0; i < other.r.length; i += 2) {
        add(other.r[i], other.r[i + 1]);
      }
      return this;
    }

    CharRanges build() {
      int count = n / 2;
      long[] packed = new long[count];
      for (int i = 0; i < count; i++) {
        packed[i] = ((long) buf[2 * i] << 32) | (buf[2 * i + 1] & 0xffffffffL);
      }
      Arrays.sort(packed);
      int[] out = new int[n];
      int m = 0;
      for (long p : packed) {
        int lo = (int) (p >>> 32);
        int hi = (int) p;
        if (m > 0 && lo <= out[m - 1] + 1) {
          out[m - 1] = Math.max(out[m - 1], hi);
        } else {
          out[m++] = lo;
          out[m++] = hi;
        }
      }
      return new CharRanges(Arrays.copyOf(out, m));
    }
  }
}
