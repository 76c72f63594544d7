package dev.hypnos.promql.engine.kernel;

/**
 * histogram_quantile over classic buckets (Prometheus {@code BucketQuantile}): sorts by upper
 * bound, merges equal bounds, forces monotonic cumulative counts (reporting it) and interpolates
 * linearly inside the bucket holding the rank.
 */
public final class BucketQuantile {
  private static final double SMALL_DELTA_TOLERANCE = 1e-12;

  /** Result: the quantile and whether counts had to be forced monotonic. */
  public record Result(double quantile, boolean forcedMonotonic, double minBucket, double maxBucket, double maxDiff) {}

  private BucketQuantile() {}

  /** {@code upper} and {@code counts} (length n) are modified in place. */
  public static Result quantile(double q, double[] upper, double[] counts, int n) {
    if (Double.isNaN(q)) {
      return new Result(Double.NaN, false, 0, 0, 0);
    }
    if (q < 0) {
      return new Result(Double.NEGATIVE_INFINITY, false, 0, 0, 0);
    }
    if (q > 1) {
      return new Result(Double.POSITIVE_INFINITY, false, 0, 0, 0);
    }
    // insertion sort by upper bound (stable, small n)
    for (int i = 1; i < n; i++) {
      double u = upper[i];
      double c = counts[i];
      int j = i - 1;
      while (j >= 0 && upper[j] > u) {
        upper[j + 1] = upper[j];
        counts[j + 1] = counts[j];
        j--;
      }
      upper[j + 1] = u;
      counts[j + 1] = c;
    }
    if (upper[n - 1] != Double.POSITIVE_INFINITY) {
      return new Result(Double.NaN, false, 0, 0, 0);
    }
    // coalesce equal bounds
    int m = 0;
    for (int i = 1; i < n; i++) {
      if (upper[i] == upper[m]) {
        counts[m] += counts[i];
      } else {
        m++;
        upper[m] = upper[i];
        counts[m] = counts[i];
      }
    }
    n = m + 1;
    boolean forced = false;
    double minBucket = Double.POSITIVE_INFINITY;
    double maxBucket = Double.NEGATIVE_INFINITY;
    double maxDiff = 0;
    double prev = counts[0];
    for (int i = 1; i < n; i++) {
      double curr = counts[i];
      if (curr == prev) {
        continue;
      }
      if (almostEqual(prev, curr, SMALL_DELTA_TOLERANCE)) {
        counts[i] = prev;
        continue;
      }
      if (curr < prev) {
        counts[i] = prev;
        forced = true;
        minBucket = Math.min(minBucket, upper[i]);
        maxBucket = Math.max(maxBucket, upper[i]);
        maxDiff = Math.max(maxDiff, prev - curr);
        continue;
      }
      prev = curr;
    }
    if (n < 2) {
      return new Result(Double.NaN, forced, minBucket, maxBucket, maxDiff);
    }
    double observations = counts[n - 1];
    if (observations == 0) {
      return new Result(Double.NaN, forced, minBucket, maxBucket, maxDiff);
    }
    double rank = q * observations;
    int b = 0;
    // first index in [0, n-1) with counts[i] >= rank, else n-1
    int lo = 0;
    int hi = n - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (counts[mid] >= rank) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    b = lo;
    double result;
    if (b == n - 1) {
      result = upper[n - 2];
    } else if (b == 0 && upper[0] <= 0) {
      result = upper[0];
    } else {
      double bucketStart = 0;
      double bucketEnd = upper[b];
      double count = counts[b];
      if (b > 0) {
        bucketStart = upper[b - 1];
        count -= counts[b - 1];
        rank -= counts[b - 1];
      }
      result = bucketStart + (bucketEnd - bucketStart) * (rank / count);
    }
    return new Result(result, forced, minBucket, maxBucket, maxDiff);
  }

  /** histogram_fraction over classic buckets (Prometheus {@code BucketFraction}); arrays modified in place. */
  public static double fraction(double lower, double upper, double[] ub, double[] counts, int n) {
    for (int i = 1; i < n; i++) {
      double u = ub[i];
      double c = counts[i];
      int j = i - 1;
      while (j >= 0 && ub[j] > u) {
        ub[j + 1] = ub[j];
        counts[j + 1] = counts[j];
        j--;
      }
      ub[j + 1] = u;
      counts[j + 1] = c;
    }
    if (ub[n - 1] != Double.POSITIVE_INFINITY) {
      return Double.NaN;
    }
    int m = 0;
    for (int i = 1; i < n; i++) {
      if (ub[i] == ub[m]) {
        counts[m] += counts[i];
      } else {
        m++;
        ub[m] = ub[i];
        counts[m] = counts[i];
      }
    }
    n = m + 1;
    double count = counts[n - 1];
    if (count == 0 || Double.isNaN(lower) || Double.isNaN(upper)) {
      return Double.NaN;
    }
    if (lower >= upper) {
      return 0;
    }
    double rank = 0;
    double lowerRank = 0;
    double upperRank = 0;
    boolean lowerSet = false;
    boolean upperSet = false;
    double lowerBound = ub[0] <= 0 ? Double.NEGATIVE_INFINITY : 0.0;
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        lowerBound = ub[i - 1];
      }
      double upperBound = ub[i];
      double bc = counts[i];
      if (!lowerSet && lowerBound >= lower) {
        lowerRank = rank;
        lowerSet = true;
      }
      if (!upperSet && lowerBound >= upper) {
        upperRank = rank;
        upperSet = true;
      }
      if (lowerSet && upperSet) {
        break;
      }
      if (!lowerSet && lowerBound < lower && upperBound > lower) {
        lowerRank = lowerBound == Double.NEGATIVE_INFINITY ? bc : rank + (bc - rank) * (lower - lowerBound) / (upperBound - lowerBound);
        lowerSet = true;
      }
      if (!upperSet && lowerBound < upper && upperBound > upper) {
        upperRank = lowerBound == Double.NEGATIVE_INFINITY ? bc : rank + (bc - rank) * (upper - lowerBound) / (upperBound - lowerBound);
        upperSet = true;
      }
      if (lowerSet && upperSet) {
        break;
      }
      rank = bc;
    }
    if (!lowerSet || lowerRank > count) {
      lowerRank = count;
    }
    if (!upperSet || upperRank > count) {
      upperRank = count;
    }
    return (upperRank - lowerRank) / count;
  }

  /** Prometheus {@code almost.Equal}. */
  public static boolean almostEqual(double a, double b, double epsilon) {
    if (Double.isNaN(a) && Double.isNaN(b)) {
      return true;
    }
    if (a == b) {
      return true;
    }
    double absSum = Math.abs(a) + Math.abs(b);
    double diff = Math.abs(a - b);
    double minNormal = Double.MIN_NORMAL;
    if (a == 0 || b == 0 || absSum < minNormal) {
      return diff < epsilon * minNormal;
    }
    return diff / Math.min(absSum, Double.MAX_VALUE) < epsilon;
  }
}
