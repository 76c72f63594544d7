package dev.hypnos.promql.engine.kernel;

import dev.hypnos.core.histogram.FloatHistogram;

/**
 * histogram_quantile, histogram_fraction and histogram_stddev/stdvar over native histograms
 * (Prometheus's {@code HistogramQuantile}, {@code HistogramFraction}, {@code histogramVariance}):
 * linear interpolation for custom buckets and inside the zero bucket, logarithmic interpolation
 * in exponential buckets.
 */
public final class NativeHistograms {
  private NativeHistograms() {}

  /** A value and which NaN-observation notice applies. */
  public record Result(double value, Notice notice) {}

  /** Info annotations the computations can give. */
  public enum Notice {
    NONE,
    /** histogram_quantile: NaN observations, result is NaN. */
    QUANTILE_NAN_RESULT,
    /** histogram_quantile: NaN observations, result skewed higher. */
    QUANTILE_NAN_SKEW,
    /** histogram_fraction: NaN observations are excluded. */
    FRACTION_NANS
  }

  /** The q-quantile of the observations in {@code h}. */
  public static Result quantile(double q, FloatHistogram h) {
    if (q < 0) {
      return new Result(Double.NEGATIVE_INFINITY, Notice.NONE);
    }
    if (q > 1) {
      return new Result(Double.POSITIVE_INFINITY, Notice.NONE);
    }
    if (h.count() == 0 || Double.isNaN(q)) {
      return new Result(Double.NaN, Notice.NONE);
    }
    FloatHistogram.Buckets b = h.buckets();
    int n = b.size();
    boolean forward = Double.isNaN(h.sum()) || q < 0.5;
    double rank = forward ? q * h.count() : (1 - q) * h.count();
    double count = 0;
    int i = forward ? -1 : n;
    int at = -1;
    while (true) {
      i += forward ? 1 : -1;
      if (i < 0 || i >= n) {
        break;
      }
      at = i;
      if (b.counts()[i] == 0) {
        continue;
      }
      count += b.counts()[i];
      if (count >= rank) {
        break;
      }
    }
    double lower = at < 0 ? 0 : b.lower()[at];
    double upper = at < 0 ? 0 : b.upper()[at];
    double bucketCount = at < 0 ? 0 : b.counts()[at];
    if (!h.usesCustomBuckets() && lower < 0 && upper > 0) {
      if (!h.hasNegativeBuckets() && h.hasPositiveBuckets()) {
        lower = 0;
      } else if (!h.hasPositiveBuckets() && h.hasNegativeBuckets()) {
        upper = 0;
      }
    } else if (h.usesCustomBuckets()) {
      if (lower == Double.NEGATIVE_INFINITY) {
        if (upper <= 0) {
          return new Result(upper, Notice.NONE);
        }
        lower = 0;
      } else if (upper == Double.POSITIVE_INFINITY) {
        return new Result(lower, Notice.NONE);
      }
    }
    if (count > h.count()) {
      count = h.count();
    }
    if (count < rank) {
      if (Double.isNaN(h.sum())) {
        return new Result(Double.NaN, Notice.QUANTILE_NAN_RESULT);
      }
      return new Result(upper, Notice.NONE);
    }
    if (forward) {
      rank -= count - bucketCount;
    } else {
      rank = count - rank;
    }
    Notice notice = Notice.NONE;
    if (Double.isNaN(h.sum())) {
      for (int j = i + 1; j < n; j++) {
        count += b.counts()[j];
      }
      if (count < h.count()) {
        notice = Notice.QUANTILE_NAN_SKEW;
      }
    }
    double fraction = rank / bucketCount;
    if (h.usesCustomBuckets() || (lower <= 0 && upper >= 0)) {
      return new Result(lower + (upper - lower) * fraction, notice);
    }
    double logLower = log2(Math.abs(lower));
    double logUpper = log2(Math.abs(upper));
    if (lower > 0) {
      return new Result(Math.pow(2, logLower + (logUpper - logLower) * fraction), notice);
    }
    return new Result(-Math.pow(2, logUpper + (logLower - logUpper) * (1 - fraction)), notice);
  }

  /** The fraction of observations in {@code h} between {@code lower} and {@code upper}. */
  public static Result fraction(double lower, double upper, FloatHistogram h) {
    if (h.count() == 0 || Double.isNaN(lower) || Double.isNaN(upper)) {
      return new Result(Double.NaN, Notice.NONE);
    }
    if (lower >= upper) {
      return new Result(0, Notice.NONE);
    }
    FloatHistogram.Buckets b = h.buckets();
    int n = b.size();
    double count = 0;
    double rank = 0;
    double lowerRank = 0;
    double upperRank = 0;
    boolean lowerSet = false;
    boolean upperSet = false;
    int i = 0;
    for (; i < n; i++) {
      double bl = b.lower()[i];
      double bu = b.upper()[i];
      double bc = b.counts()[i];
      count += bc;
      boolean zeroBucket = false;
      if (bl <= 0 && bu >= 0) {
        zeroBucket = true;
        if (!h.hasNegativeBuckets() && h.hasPositiveBuckets()) {
          bl = 0;
        } else if (!h.hasPositiveBuckets() && h.hasNegativeBuckets()) {
          bu = 0;
        }
      }
      if (!lowerSet && bl >= lower) {
        lowerRank = rank;
        lowerSet = true;
      }
      if (!upperSet && bl >= upper) {
        upperRank = rank;
        upperSet = true;
      }
      if (lowerSet && upperSet) {
        i++;
        break;
      }
      boolean linear = h.usesCustomBuckets() || zeroBucket;
      if (!lowerSet && bl < lower && bu > lower) {
        lowerRank = interpolate(rank, bc, bl, bu, lower, linear);
        lowerSet = true;
      }
      if (!upperSet && bl < upper && bu > upper) {
        upperRank = interpolate(rank, bc, bl, bu, upper, linear);
        upperSet = true;
      }
      if (lowerSet && upperSet) {
        i++;
        break;
      }
      rank += bc;
    }
    Notice notice = Notice.NONE;
    if (Double.isNaN(h.sum())) {
      for (; i < n; i++) {
        count += b.counts()[i];
      }
      if (count < h.count()) {
        notice = Notice.FRACTION_NANS;
      }
    } else {
      count = h.count();
    }
    if (!lowerSet || lowerRank > count) {
      lowerRank = count;
    }
    if (!upperSet || upperRank > count) {
      upperRank = count;
    }
    return new Result((upperRank - lowerRank) / h.count(), notice);
  }

  private static double interpolate(double rank, double count, double lower, double upper, double v, boolean linear) {
    if (linear) {
      if (lower == Double.NEGATIVE_INFINITY) {
        return count;
      }
      return rank + count * (v - lower) / (upper - lower);
    }
    double logLower = log2(Math.abs(lower));
    double logUpper = log2(Math.abs(upper));
    double logV = log2(Math.abs(v));
    double below;
    if (v > 0) {
      below = (logV - logLower) / (logUpper - logLower);
    } else {
      below = 1 - (logV - logUpper) / (logLower - logUpper);
    }
    return rank + count * below;
  }

  /**
   * The variance of the observations, each bucket's observations placed at the bucket's
   * arithmetic mean (custom buckets), zero (zero bucket) or geometric mean (exponential).
   */
  public static double variance(FloatHistogram h) {
    double mean = h.sum() / h.count();
    FloatHistogram.Buckets b = h.buckets();
    double variance = 0;
    double[] c = new double[1];
    for (int i = 0; i < b.size(); i++) {
      double bc = b.counts()[i];
      if (bc == 0) {
        continue;
      }
      double lo = b.lower()[i];
      double up = b.upper()[i];
      double val;
      if (h.usesCustomBuckets()) {
        val = (up + lo) / 2.0;
      } else if (lo <= 0 && up >= 0) {
        val = 0;
      } else {
        val = Math.sqrt(up * lo);
        if (up < 0) {
          val = -val;
        }
      }
      double delta = val - mean;
      variance = Kahan.inc(bc * delta * delta, variance, c);
    }
    variance += c[0];
    return variance / h.count();
  }

  /** Go's math.Log2: exact for powers of two (bucket bounds of exponential schemas). */
  static double log2(double x) {
    if (!(x > 0) || Double.isInfinite(x) || x < Double.MIN_NORMAL) {
      return Math.log(x) * LOG2E;
    }
    int exp = Math.getExponent(x) + 1;
    double frac = Math.scalb(x, -exp); // in [0.5, 1)
    if (frac == 0.5) {
      return exp - 1;
    }
    return Math.log(frac) * LOG2E + exp;
  }

  private static final double LOG2E = 1.4426950408889634;
}
