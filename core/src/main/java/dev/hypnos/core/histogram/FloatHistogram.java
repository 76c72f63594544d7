package dev.hypnos.core.histogram;

import java.util.Arrays;
import java.util.Objects;

/**
 * A native-histogram sample with float counts, immutable.
 *
 * <p>Two bucket layouts, as in Prometheus:
 *
 * <ul>
 *   <li>exponential (schema -4..8): positive bucket {@code i} covers {@code (b^(i-1), b^i]} with
 *       {@code b = 2^(2^-schema)}, negative bucket {@code i} the mirror image, plus a zero bucket
 *       {@code [-zeroThreshold, zeroThreshold]};
 *   <li>custom bounds ({@link #CUSTOM_BUCKETS_SCHEMA}, "NHCB"): positive bucket {@code i} covers
 *       {@code (bounds[i-1], bounds[i]]}, the first starting at -Inf and the one after the last
 *       bound ending at +Inf. No negative or zero buckets.
 * </ul>
 *
 * <p>Buckets are held densely: {@code positive[k]} is the count of bucket {@code positiveOffset + k}
 * (the same for negative buckets), so empty buckets inside the covered index range are zeros.
 */
public final class FloatHistogram {
  /** The schema number of histograms with custom bucket bounds. */
  public static final int CUSTOM_BUCKETS_SCHEMA = -53;

  private static final double[] NONE = new double[0];

  /** What the histogram says about counter resets (Prometheus's CounterResetHint). */
  public enum CounterResetHint {
    /** Nothing known: a reset is detected by comparing with the previous sample. */
    UNKNOWN,
    /** A counter reset happened just before this sample. */
    COUNTER_RESET,
    /** No counter reset happened just before this sample. */
    NOT_COUNTER_RESET,
    /** The histogram is a gauge, its counts go up and down. */
    GAUGE
  }

  private final int schema;
  private final double zeroThreshold;
  private final double zeroCount;
  private final double count;
  private final double sum;
  private final int positiveOffset;
  private final double[] positive;
  private final int negativeOffset;
  private final double[] negative;
  private final double[] customBounds;
  private CounterResetHint hint = CounterResetHint.UNKNOWN;

  /** Takes ownership of the arrays; empty buckets at either end are dropped (Prometheus's Compact). */
  private FloatHistogram(int schema, double zeroThreshold, double zeroCount, double count, double sum,
      int positiveOffset, double[] positive, int negativeOffset, double[] negative, double[] customBounds) {
    this.schema = schema;
    this.zeroThreshold = zeroThreshold;
    this.zeroCount = zeroCount;
    this.count = count;
    this.sum = sum;
    int pLo = firstNonZero(positive);
    int nLo = firstNonZero(negative);
    this.positiveOffset = pLo == positive.length ? 0 : positiveOffset + pLo;
    this.positive = trimmed(positive, pLo);
    this.negativeOffset = nLo == negative.length ? 0 : negativeOffset + nLo;
    this.negative = trimmed(negative, nLo);
    this.customBounds = customBounds;
  }

  private static int firstNonZero(double[] a) {
    int i = 0;
    while (i < a.length && a[i] == 0) {
      i++;
    }
    return i;
  }

  private static double[] trimmed(double[] a, int lo) {
    int hi = a.length;
    while (hi > lo && a[hi - 1] == 0) {
      hi--;
    }
    return lo == 0 && hi == a.length ? a : Arrays.copyOfRange(a, lo, hi);
  }

  /**
   * A histogram with custom bucket bounds: {@code counts[i]} observations fell into bucket
   * {@code i}, whose upper bound is {@code bounds[i]} ({@code +Inf} for {@code i == bounds.length}).
   *
   * @param bounds finite, strictly ascending upper bounds (without the implicit +Inf)
   * @param counts at most {@code bounds.length + 1} bucket counts
   */
  public static FloatHistogram customBuckets(double[] bounds, double[] counts, double count, double sum) {
    Objects.requireNonNull(bounds, "bounds");
    Objects.requireNonNull(counts, "counts");
    for (int i = 0; i < bounds.length; i++) {
      if (Double.isNaN(bounds[i]) || Double.isInfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
        throw new IllegalArgumentException(
            "custom bucket bounds must be finite and strictly ascending: " + Arrays.toString(bounds));
      }
    }
    if (counts.length > bounds.length + 1) {
      throw new IllegalArgumentException(
          counts.length + " bucket counts for " + bounds.length + " custom bounds (at most one more)");
    }
    return new FloatHistogram(CUSTOM_BUCKETS_SCHEMA, 0, 0, count, sum, 0, counts.clone(), 0, NONE, bounds.clone());
  }

  /**
   * A histogram with exponential buckets.
   *
   * @param positive counts of the positive buckets {@code positiveOffset, positiveOffset+1, ...}
   * @param negative counts of the negative buckets {@code negativeOffset, negativeOffset+1, ...}
   */
  public static FloatHistogram exponential(int schema, double zeroThreshold, double zeroCount, double count,
      double sum, int positiveOffset, double[] positive, int negativeOffset, double[] negative) {
    if (schema < -4 || schema > 8) {
      throw new IllegalArgumentException("exponential histogram schema " + schema + " is outside -4..8");
    }
    if (!(zeroThreshold >= 0)) {
      throw new IllegalArgumentException("zero threshold " + zeroThreshold + " is negative or NaN");
    }
    return new FloatHistogram(schema, zeroThreshold, zeroCount, count, sum, positiveOffset, positive.clone(),
        negativeOffset, negative.clone(), NONE);
  }

  public int schema() {
    return schema;
  }

  public CounterResetHint counterResetHint() {
    return hint;
  }

  /** This histogram with another counter-reset hint (not part of {@link #equals}). */
  public FloatHistogram withCounterResetHint(CounterResetHint h) {
    java.util.Objects.requireNonNull(h, "h");
    if (h == hint) {
      return this;
    }
    FloatHistogram r = new FloatHistogram(schema, zeroThreshold, zeroCount, count, sum, positiveOffset, positive,
        negativeOffset, negative, customBounds);
    r.hint = h;
    return r;
  }

  public boolean usesCustomBuckets() {
    return schema == CUSTOM_BUCKETS_SCHEMA;
  }

  public double zeroThreshold() {
    return zeroThreshold;
  }

  public double zeroCount() {
    return zeroCount;
  }

  /** Total number of observations (may exceed the bucket total when NaN was observed). */
  public double count() {
    return count;
  }

  public double sum() {
    return sum;
  }

  /** Index of the first held positive bucket. */
  public int positiveOffset() {
    return positiveOffset;
  }

  /** Counts of the positive buckets from {@link #positiveOffset()} on (a copy). */
  public double[] positiveBuckets() {
    return positive.clone();
  }

  /** Index of the first held negative bucket. */
  public int negativeOffset() {
    return negativeOffset;
  }

  /** Counts of the negative buckets from {@link #negativeOffset()} on (a copy). */
  public double[] negativeBuckets() {
    return negative.clone();
  }

  /** The custom bucket bounds (a copy); empty for exponential schemas. */
  public double[] customBounds() {
    return customBounds.clone();
  }

  /** Whether both histograms have the same layout family and, for custom buckets, equal bounds. */
  public boolean sameBucketLayout(FloatHistogram o) {
    if (usesCustomBuckets() != o.usesCustomBuckets()) {
      return false;
    }
    return !usesCustomBuckets() || Arrays.equals(customBounds, o.customBounds);
  }

  // ---------------------------------------------------------------- buckets

  /**
   * Every bucket in ascending order of bounds: negative buckets, the zero bucket (exponential
   * schemas, when it has a threshold or a count), positive buckets. Empty buckets inside the held
   * index ranges are included.
   */
  public Buckets buckets() {
    int nz = !usesCustomBuckets() && (zeroThreshold > 0 || zeroCount > 0) ? 1 : 0;
    int n = negative.length + nz + positive.length;
    double[] lower = new double[n];
    double[] upper = new double[n];
    double[] counts = new double[n];
    int k = 0;
    for (int j = negative.length - 1; j >= 0; j--) {
      int idx = negativeOffset + j;
      lower[k] = -exponentialBound(idx);
      upper[k] = -exponentialBound(idx - 1);
      counts[k++] = negative[j];
    }
    if (nz == 1) {
      lower[k] = -zeroThreshold;
      upper[k] = zeroThreshold;
      counts[k++] = zeroCount;
    }
    for (int j = 0; j < positive.length; j++) {
      int idx = positiveOffset + j;
      if (usesCustomBuckets()) {
        lower[k] = idx == 0 ? Double.NEGATIVE_INFINITY : customBounds[idx - 1];
        upper[k] = idx == customBounds.length ? Double.POSITIVE_INFINITY : customBounds[idx];
      } else {
        lower[k] = exponentialBound(idx - 1);
        upper[k] = exponentialBound(idx);
      }
      counts[k++] = positive[j];
    }
    if (!usesCustomBuckets()) {
      // the zero bucket swallows the part of the first buckets below its threshold
      for (int i = 0; i < n; i++) {
        if (lower[i] < 0 && upper[i] > -zeroThreshold && upper[i] < 0) {
          upper[i] = -zeroThreshold;
        } else if (upper[i] > 0 && lower[i] < zeroThreshold && lower[i] > 0) {
          lower[i] = zeroThreshold;
        }
      }
    }
    return new Buckets(lower, upper, counts);
  }

  /** Whether the histogram has positive buckets (held, possibly empty). */
  public boolean hasPositiveBuckets() {
    return positive.length > 0;
  }

  /** Whether the histogram has negative buckets (held, possibly empty). */
  public boolean hasNegativeBuckets() {
    return negative.length > 0;
  }

  private double exponentialBound(int idx) {
    // b^idx with b = 2^(2^-schema)
    return Math.pow(2, Math.scalb((double) idx, -schema));
  }

  /**
   * The buckets of a histogram in ascending order: {@code counts[i]} observations in
   * {@code (lower[i], upper[i]]}.
   */
  public record Buckets(double[] lower, double[] upper, double[] counts) {
    public int size() {
      return counts.length;
    }
  }

  // ---------------------------------------------------------------- arithmetic

  /** This histogram with every count and the sum multiplied by {@code f}. */
  public FloatHistogram mul(double f) {
    return new FloatHistogram(schema, zeroThreshold, zeroCount * f, count * f, sum * f, positiveOffset,
        scaled(positive, f), negativeOffset, scaled(negative, f), customBounds).withCounterResetHint(hint);
  }

  /** This histogram with every count and the sum divided by {@code d}. */
  public FloatHistogram div(double d) {
    return new FloatHistogram(schema, zeroThreshold, zeroCount / d, count / d, sum / d, positiveOffset,
        divided(positive, d), negativeOffset, divided(negative, d), customBounds).withCounterResetHint(hint);
  }

  private static double[] divided(double[] a, double d) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i] / d;
    }
    return r;
  }

  /**
   * Whether {@link #addScaled} can combine the two: both custom-bucket histograms (bounds may
   * differ, see {@link #customBoundsDiffer}), or exponential ones of equal schema and zero
   * threshold.
   */
  public boolean addable(FloatHistogram o) {
    if (usesCustomBuckets() || o.usesCustomBuckets()) {
      return usesCustomBuckets() && o.usesCustomBuckets();
    }
    return schema == o.schema && zeroThreshold == o.zeroThreshold;
  }

  /** Both use custom buckets, with different bounds (adding them reconciles the bounds). */
  public boolean customBoundsDiffer(FloatHistogram o) {
    return usesCustomBuckets() && o.usesCustomBuckets() && !Arrays.equals(customBounds, o.customBounds);
  }

  /** The bounds both arrays hold, ascending. */
  static double[] intersectBounds(double[] a, double[] b) {
    double[] r = new double[Math.min(a.length, b.length)];
    int n = 0;
    int i = 0;
    int j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] == b[j]) {
        r[n++] = a[i];
        i++;
        j++;
      } else if (a[i] < b[j]) {
        i++;
      } else {
        j++;
      }
    }
    return Arrays.copyOf(r, n);
  }

  /**
   * This custom-bucket histogram over {@code bounds}, a subset of its own: each bucket's count
   * goes to the first new bucket whose upper bound is at least the old one's (Prometheus's
   * reconciliation of mismatched custom buckets).
   */
  FloatHistogram withCustomBoundsSubset(double[] bounds) {
    double[] counts = new double[bounds.length + 1];
    int target = 0;
    for (int j = 0; j < positive.length; j++) {
      int idx = positiveOffset + j;
      int k = bounds.length;
      if (idx < customBounds.length) {
        double src = customBounds[idx];
        while (target < bounds.length && bounds[target] < src) {
          target++;
        }
        k = target;
      }
      counts[k] += positive[j];
    }
    FloatHistogram r = new FloatHistogram(schema, 0, 0, count, sum, 0, counts, 0, NONE, bounds.clone());
    r.hint = hint;
    return r;
  }

  /**
   * This histogram plus {@code o} times {@code sign} (1 or -1); they must be {@link #addable}.
   * Custom buckets with different bounds are first reduced to the bounds both have. The result
   * keeps this histogram's counter-reset hint.
   */
  public FloatHistogram addScaled(FloatHistogram o, double sign) {
    if (!addable(o)) {
      throw new IllegalArgumentException("add histograms of different bucket layouts");
    }
    if (customBoundsDiffer(o)) {
      double[] common = intersectBounds(customBounds, o.customBounds);
      return withCustomBoundsSubset(common).addScaled(o.withCustomBoundsSubset(common), sign);
    }
    int pLo = Math.min(positiveOffset, o.positiveOffset);
    int pHi = Math.max(positiveOffset + positive.length, o.positiveOffset + o.positive.length);
    double[] p = new double[positive.length == 0 && o.positive.length == 0 ? 0 : pHi - pLo];
    for (int i = 0; i < positive.length; i++) {
      p[positiveOffset - pLo + i] += positive[i];
    }
    for (int i = 0; i < o.positive.length; i++) {
      p[o.positiveOffset - pLo + i] += sign * o.positive[i];
    }
    int nLo = Math.min(negativeOffset, o.negativeOffset);
    int nHi = Math.max(negativeOffset + negative.length, o.negativeOffset + o.negative.length);
    double[] ng = new double[negative.length == 0 && o.negative.length == 0 ? 0 : nHi - nLo];
    for (int i = 0; i < negative.length; i++) {
      ng[negativeOffset - nLo + i] += negative[i];
    }
    for (int i = 0; i < o.negative.length; i++) {
      ng[o.negativeOffset - nLo + i] += sign * o.negative[i];
    }
    return new FloatHistogram(schema, zeroThreshold, zeroCount + sign * o.zeroCount, count + sign * o.count,
        sum + sign * o.sum, p.length == 0 ? 0 : pLo, p, ng.length == 0 ? 0 : nLo, ng, customBounds)
        .withCounterResetHint(hint);
  }

  /**
   * Whether {@code this} (the later sample) shows a counter reset against {@code prev}: a lower
   * count, zero count or bucket count, or a different bucket layout.
   */
  public boolean detectReset(FloatHistogram prev) {
    if (hint == CounterResetHint.COUNTER_RESET) {
      return true;
    }
    if (hint == CounterResetHint.NOT_COUNTER_RESET) {
      return false;
    }
    if (!sameBucketLayout(prev) || schema > prev.schema || zeroThreshold != prev.zeroThreshold) {
      return true;
    }
    if (count < prev.count || zeroCount < prev.zeroCount) {
      return true;
    }
    if (schema != prev.schema) {
      return false; // a coarser schema here; the merged buckets are not compared
    }
    return decreased(prev.positiveOffset, prev.positive, positiveOffset, positive)
        || decreased(prev.negativeOffset, prev.negative, negativeOffset, negative);
  }

  private static boolean decreased(int prevOff, double[] prev, int off, double[] cur) {
    for (int i = 0; i < prev.length; i++) {
      if (prev[i] == 0) {
        continue;
      }
      int j = prevOff + i - off;
      double c = j >= 0 && j < cur.length ? cur[j] : 0;
      if (c < prev[i]) {
        return true;
      }
    }
    return false;
  }

  private static double[] scaled(double[] a, double f) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i] * f;
    }
    return r;
  }

  // ---------------------------------------------------------------- object

  @Override
  public boolean equals(Object o) {
    return o instanceof FloatHistogram h
        && schema == h.schema
        && Double.compare(zeroThreshold, h.zeroThreshold) == 0
        && Double.compare(zeroCount, h.zeroCount) == 0
        && Double.compare(count, h.count) == 0
        && Double.compare(sum, h.sum) == 0
        && positiveOffset == h.positiveOffset
        && Arrays.equals(positive, h.positive)
        && negativeOffset == h.negativeOffset
        && Arrays.equals(negative, h.negative)
        && Arrays.equals(customBounds, h.customBounds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(schema, count, sum, Arrays.hashCode(positive), Arrays.hashCode(negative));
  }

  /** Prometheus's test notation, e.g. {@code {{schema:-53 count:3 sum:2 custom_values:[1 2] buckets:[1 2]}}}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{{");
    sb.append("schema:").append(schema);
    sb.append(" count:").append(fmt(count)).append(" sum:").append(fmt(sum));
    if (hint != CounterResetHint.UNKNOWN) {
      sb.append(" counter_reset_hint:").append(switch (hint) {
        case COUNTER_RESET -> "reset";
        case NOT_COUNTER_RESET -> "not_reset";
        default -> "gauge";
      });
    }
    if (usesCustomBuckets()) {
      sb.append(" custom_values:[");
      for (int i = 0; i < customBounds.length; i++) {
        sb.append(i > 0 ? " " : "").append(fmt(customBounds[i]));
      }
      sb.append(']');
    } else {
      sb.append(" z_bucket:").append(fmt(zeroCount)).append(" z_bucket_w:").append(fmt(zeroThreshold));
      if (negative.length > 0) {
        sb.append(" n_offset:").append(negativeOffset).append(" n_buckets:").append(list(negative));
      }
    }
    if (positive.length > 0) {
      if (!usesCustomBuckets()) {
        sb.append(" offset:").append(positiveOffset);
      }
      sb.append(" buckets:").append(list(positive));
    }
    return sb.append("}}").toString();
  }

  private static String list(double[] a) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < a.length; i++) {
      sb.append(i > 0 ? " " : "").append(fmt(a[i]));
    }
    return sb.append(']').toString();
  }

  private static String fmt(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }
}
