package dev.hypnos.core.labels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Simple case folding as RE2/Go's {@code (?i)} applies it: two code points are equal when they
 * belong to the same fold orbit. Orbits are derived from the JDK's case mappings (upper-case then
 * lower-case), except that the Turkish dotted capital I (U+0130) and dotless small i (U+0131) are
 * kept apart from i/I, because Unicode simple case folding (and Go) does not join them.
 */
final class CaseFolding {
  /** Sorted code points whose orbit has more than one member. */
  private static final int[] CASED;
  /** For each entry of CASED, its orbit (sorted, including itself). */
  private static final int[][] ORBITS;

  static {
    Map<Integer, List<Integer>> byKey = new HashMap<>();
    for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
      int k = key(cp);
      if (k != cp) {
        byKey.computeIfAbsent(k, x -> new ArrayList<>()).add(cp);
      }
    }
    Map<Integer, int[]> orbitOf = new HashMap<>();
    for (Map.Entry<Integer, List<Integer>> e : byKey.entrySet()) {
      List<Integer> members = new ArrayList<>(e.getValue());
      members.add(e.getKey());
      int[] orbit = members.stream().mapToInt(Integer::intValue).sorted().distinct().toArray();
      for (int m : orbit) {
        orbitOf.merge(m, orbit, CaseFolding::union);
      }
    }
    CASED = orbitOf.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
    ORBITS = new int[CASED.length][];
    for (int i = 0; i < CASED.length; i++) {
      ORBITS[i] = orbitOf.get(CASED[i]);
    }
  }

  private static int[] union(int[] a, int[] b) {
    int[] all = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return Arrays.stream(all).sorted().distinct().toArray();
  }

  private CaseFolding() {}

  /** The orbit representative of {@code cp}; equal keys mean equal under (?i). */
  static int key(int cp) {
    if (cp == 0x130 || cp == 0x131) {
      return cp;
    }
    return Character.toLowerCase(Character.toUpperCase(cp));
  }

  /** The code points equal to {@code cp} under (?i), including {@code cp}, sorted. */
  static int[] orbit(int cp) {
    int i = Arrays.binarySearch(CASED, cp);
    return i >= 0 ? ORBITS[i] : new int[] {cp};
  }

  /** Whether {@code cp} has case variants. */
  static boolean isCased(int cp) {
    return Arrays.binarySearch(CASED, cp) >= 0;
  }

  /** Adds to {@code set} the case variants of every code point in [lo, hi]. */
  static void addFolded(CharRanges.Builder set, int lo, int hi) {
    int i = Arrays.binarySearch(CASED, lo);
    if (i < 0) {
      i = -i - 1;
    }
    for (; i < CASED.length && CASED[i] <= hi; i++) {
      for (int m : ORBITS[i]) {
        set.add(m, m);
      }
    }
  }

  /** Whether two strings are equal under (?i), comparing code point by code point. */
  static boolean equalsFolded(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb && key(ca) != key(cb)) {
        return false;
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return i == a.length() && j == b.length();
  }
}
