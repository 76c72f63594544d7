package dev.hypnos.promql.engine.kernel;

import java.util.Arrays;

/**
 * Functions over the float samples of one series in one range window: {@code t[from..to)} and
 * {@code v[from..to)}, ascending timestamps in milliseconds, no stale markers. Where Prometheus
 * drops the element (too few samples), the caller checks the precondition named in the method's
 * documentation; the kernels themselves allocate nothing unless stated.
 */
public final class RangeKernels {
  private RangeKernels() {}

  /**
   * rate / increase / delta with Prometheus's extrapolation ({@code extrapolatedRate}). Needs at
   * least two samples (caller checks).
   *
   * @param rangeStart window start (exclusive) in ms
   * @param rangeEnd window end (inclusive) in ms
   * @param rangeSeconds window length in seconds, used for rate
   */
  public static double extrapolatedRate(
      long[] t, double[] v, int from, int to, long rangeStart, long rangeEnd, boolean isCounter, boolean isRate,
      double rangeSeconds) {
    double result = v[to - 1] - v[from];
    if (isCounter) {
      for (int i = from + 1; i < to; i++) {
        if (v[i] < v[i - 1]) {
          result += v[i - 1];
        }
      }
    }
    return extrapolate(t, v, from, to, result, rangeStart, rangeEnd, isCounter, isRate, rangeSeconds);
  }

  /**
   * Positions {@code i} in {@code [1, n)} where {@code v[i] < v[i - 1]} (counter resets), in
   * order; the count is in the last slot of the returned array ({@code r[r.length - 1]}).
   */
  public static int[] resetPositions(double[] v, int n) {
    int c = 0;
    for (int i = 1; i < n; i++) {
      if (v[i] < v[i - 1]) {
        c++;
      }
    }
    int[] r = new int[c + 1];
    int j = 0;
    for (int i = 1; i < n; i++) {
      if (v[i] < v[i - 1]) {
        r[j++] = i;
      }
    }
    r[c] = c;
    return r;
  }

  /**
   * The same as {@link #extrapolatedRate} (bit for bit), for windows that slide forward: the
   * counter-reset corrections come from {@code resets} ({@link #resetPositions}), starting at
   * {@code resets[r]}, the first reset after {@code from} (the caller keeps r monotonic), so a
   * window without resets costs no scan.
   */
  public static double slidingRate(
      long[] t, double[] v, int from, int to, int[] resets, int r, long rangeStart, long rangeEnd,
      boolean isCounter, boolean isRate, double rangeSeconds) {
    double result = v[to - 1] - v[from];
    if (isCounter) {
      int nr = resets[resets.length - 1];
      for (int k = r; k < nr && resets[k] < to; k++) {
        result += v[resets[k] - 1];
      }
    }
    return extrapolate(t, v, from, to, result, rangeStart, rangeEnd, isCounter, isRate, rangeSeconds);
  }

  private static double extrapolate(
      long[] t, double[] v, int from, int to, double result, long rangeStart, long rangeEnd, boolean isCounter,
      boolean isRate, double rangeSeconds) {
    return result * histogramRateFactor(t, from, to, rangeStart, rangeEnd, isCounter, isRate, rangeSeconds,
        v[from], result);
  }

  /**
   * The factor rate/increase/delta multiply a difference by (floats and histograms alike): the
   * extrapolation of {@link #extrapolatedRate} for sample times {@code t[from..to)}, with a counter's
   * zero point estimated from the first value (a histogram's count) and the difference (its count).
   */
  public static double histogramRateFactor(
      long[] t, int from, int to, long rangeStart, long rangeEnd, boolean isCounter, boolean isRate,
      double rangeSeconds, double firstCount, double resultCount) {
    int n1 = to - from - 1;
    long firstT = t[from];
    long lastT = t[to - 1];
    double durationToStart = (firstT - rangeStart) / 1000.0;
    double durationToEnd = (rangeEnd - lastT) / 1000.0;
    double sampledInterval = (lastT - firstT) / 1000.0;
    double avg = n1 > 0 ? sampledInterval / n1 : 0;
    double threshold = avg * 1.1;
    if (durationToStart >= threshold) {
      durationToStart = avg / 2;
    }
    if (isCounter && resultCount > 0 && firstCount >= 0) {
      double durationToZero = sampledInterval * (firstCount / resultCount);
      if (durationToZero < durationToStart) {
        durationToStart = durationToZero;
      }
    }
    if (durationToEnd >= threshold) {
      durationToEnd = avg / 2;
    }
    double factor = 1.0;
    if (sampledInterval != 0) {
      factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
    }
    if (isRate) {
      factor /= rangeSeconds;
    }
    return factor;
  }

  /**
   * irate / idelta over the last two samples. Callers check {@code to - from >= 2} and {@code
   * t[to-1] != t[to-2]} (Prometheus returns no element otherwise).
   */
  public static double instantValue(long[] t, double[] v, int from, int to, boolean isRate) {
    double prev = v[to - 2];
    double last = v[to - 1];
    long interval = t[to - 1] - t[to - 2];
    double result = last;
    if (!isRate || !(last < prev)) {
      result = last - prev;
    }
    if (isRate) {
      result /= interval / 1000.0;
    }
    return result;
  }

  public static double resets(double[] v, int from, int to) {
    int resets = 0;
    for (int i = from + 1; i < to; i++) {
      if (v[i] < v[i - 1]) {
        resets++;
      }
    }
    return resets;
  }

  public static double changes(double[] v, int from, int to) {
    int changes = 0;
    for (int i = from + 1; i < to; i++) {
      double c = v[i];
      double p = v[i - 1];
      if (c != p && !(Double.isNaN(c) && Double.isNaN(p))) {
        changes++;
      }
    }
    return changes;
  }

  /** Slope and intercept (at {@code interceptTime}) of the least-squares line; out[0]=slope, out[1]=intercept. */
  public static void linearRegression(long[] t, double[] v, int from, int to, long interceptTime, double[] out) {
    double n = 0;
    double sumX = 0;
    double sumY = 0;
    double sumXY = 0;
    double sumX2 = 0;
    double[] cX = {0};
    double[] cY = {0};
    double[] cXY = {0};
    double[] cX2 = {0};
    double initY = v[from];
    boolean constY = true;
    for (int i = from; i < to; i++) {
      double y = v[i];
      if (constY && i > from && y != initY) {
        constY = false;
      }
      n += 1.0;
      double x = (t[i] - interceptTime) / 1e3;
      sumX = Kahan.inc(x, sumX, cX);
      sumY = Kahan.inc(y, sumY, cY);
      sumXY = Kahan.inc(x * y, sumXY, cXY);
      sumX2 = Kahan.inc(x * x, sumX2, cX2);
    }
    if (constY) {
      if (Double.isInfinite(initY)) {
        out[0] = Double.NaN;
        out[1] = Double.NaN;
      } else {
        out[0] = 0;
        out[1] = initY;
      }
      return;
    }
    sumX += cX[0];
    sumY += cY[0];
    sumXY += cXY[0];
    sumX2 += cX2[0];
    double covXY = sumXY - sumX * sumY / n;
    double varX = sumX2 - sumX * sumX / n;
    double slope = covXY / varX;
    out[0] = slope;
    out[1] = sumY / n - slope * sumX / n;
  }

  public static double avg(double[] v, int from, int to) {
    double sum = v[from];
    double count = 1;
    double mean = 0;
    double[] c = {0};
    boolean incremental = false;
    for (int i = from + 1; i < to; i++) {
      count = i - from + 1;
      double f = v[i];
      if (!incremental) {
        double[] c2 = {c[0]};
        double newSum = Kahan.inc(f, sum, c2);
        if (!Double.isInfinite(newSum)) {
          sum = newSum;
          c[0] = c2[0];
          continue;
        }
        incremental = true;
        mean = sum / (count - 1);
        c[0] /= count - 1;
      }
      double q = (count - 1) / count;
      c[0] = q * c[0];
      mean = Kahan.inc(f / count, q * mean, c);
    }
    if (incremental) {
      return mean + c[0];
    }
    return sum / count + c[0] / count;
  }

  public static double sum(double[] v, int from, int to) {
    double sum = 0;
    double[] c = {0};
    for (int i = from; i < to; i++) {
      sum = Kahan.inc(v[i], sum, c);
    }
    if (Double.isInfinite(sum)) {
      return sum;
    }
    return sum + c[0];
  }

  public static double max(double[] v, int from, int to) {
    double m = v[from];
    for (int i = from; i < to; i++) {
      if (v[i] > m || Double.isNaN(m)) {
        m = v[i];
      }
    }
    return m;
  }

  public static double min(double[] v, int from, int to) {
    double m = v[from];
    for (int i = from; i < to; i++) {
      if (v[i] < m || Double.isNaN(m)) {
        m = v[i];
      }
    }
    return m;
  }

  /** Timestamp in seconds of the max (min when {@code min}) value, first occurrence. */
  public static double tsOfExtreme(long[] t, double[] v, int from, int to, boolean min) {
    double m = v[from];
    long ts = t[from];
    for (int i = from; i < to; i++) {
      boolean better = min ? v[i] < m : v[i] > m;
      if (better || Double.isNaN(m)) {
        m = v[i];
        ts = t[i];
      }
    }
    return ts / 1000.0;
  }

  /** Population variance with Kahan-compensated incremental mean. */
  public static double variance(double[] v, int from, int to) {
    double count = 0;
    double mean = 0;
    double aux = 0;
    double[] cMean = {0};
    double[] cAux = {0};
    for (int i = from; i < to; i++) {
      double f = v[i];
      count++;
      double delta = f - (mean + cMean[0]);
      mean = Kahan.inc(delta / count, mean, cMean);
      aux = Kahan.inc(delta * (f - (mean + cMean[0])), aux, cAux);
    }
    return (aux + cAux[0]) / count;
  }

  /** Quantile of the values with Prometheus's interpolation; NaN values sort first. */
  public static double quantile(double q, double[] values, int n) {
    if (n == 0 || Double.isNaN(q)) {
      return Double.NaN;
    }
    if (q < 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (q > 1) {
      return Double.POSITIVE_INFINITY;
    }
    sortNaNFirst(values, n);
    double rank = q * (n - 1);
    double lower = Math.max(0, Math.floor(rank));
    double upper = Math.min(n - 1, lower + 1);
    double weight = rank - Math.floor(rank);
    return values[(int) lower] * (1 - weight) + values[(int) upper] * weight;
  }

  /** Sorts ascending with NaNs first, as Prometheus's value heap orders them. */
  public static void sortNaNFirst(double[] values, int n) {
    int nan = 0;
    for (int i = 0; i < n; i++) {
      if (Double.isNaN(values[i])) {
        double x = values[nan];
        values[nan] = values[i];
        values[i] = x;
        nan++;
      }
    }
    Arrays.sort(values, nan, n);
  }

  /** Median absolute deviation; NaN when any value is NaN. */
  public static double mad(double[] v, int from, int to) {
    int n = to - from;
    double[] vals = Arrays.copyOfRange(v, from, to);
    for (double d : vals) {
      if (Double.isNaN(d)) {
        return Double.NaN;
      }
    }
    double median = quantile(0.5, vals, n);
    for (int i = 0; i < n; i++) {
      vals[i] = Math.abs(vals[i] - median);
    }
    return quantile(0.5, vals, n);
  }

  /** double_exponential_smoothing (formerly holt_winters); caller checks at least two samples. */
  public static double doubleExponentialSmoothing(double[] v, int from, int to, double sf, double tf) {
    double s0 = 0;
    double s1 = v[from];
    double b = v[from + 1] - v[from];
    for (int i = 1; i < to - from; i++) {
      double x = sf * v[from + i];
      b = trend(i - 1, tf, s0, s1, b);
      double y = (1 - sf) * (s1 + b);
      s0 = s1;
      s1 = x + y;
    }
    return s1;
  }

  /** Smallest i in [0, n) with t[i] > x, else n. */
  private static int searchGreater(long[] t, int n, long x) {
    int lo = 0;
    int hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (t[mid] > x) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /** Smallest i in [0, n) with t[i] >= x, else n. */
  private static int searchAtLeast(long[] t, int n, long x) {
    int lo = 0;
    int hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (t[mid] >= x) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  private static double interpolate(long t1, double y1, long t2, double y2, long t, boolean isCounter) {
    if (isCounter && y2 < y1) {
      y1 = 0;
    }
    return y1 + (y2 - y1) * (double) (t - t1) / (double) (t2 - t1);
  }

  /**
   * rate / increase / delta over an {@code anchored} or {@code smoothed} range (Prometheus
   * {@code extendedRate}): samples {@code t[0..n)} cover the range extended by the lookback delta.
   * Returns null where Prometheus returns no element.
   */
  public static Double extendedRate(long[] t, double[] v, int n, long rangeStart, long rangeEnd, boolean smoothed,
      boolean isCounter, boolean isRate, double rangeSeconds) {
    int last = n - 1;
    int first = Math.max(0, searchGreater(t, last, rangeStart) - 1);
    if (smoothed) {
      last = searchAtLeast(t, last, rangeEnd);
    }
    if (t[last] <= rangeStart) {
      return null;
    }
    if (smoothed && t[first] > rangeEnd) {
      return null;
    }
    double left = smoothed && t[first] < rangeStart ? interpolate(t[first], v[first], t[first + 1], v[first + 1], rangeStart, isCounter) : v[first];
    double right = smoothed && last > 0 && t[last] > rangeEnd ? interpolate(t[last - 1], v[last - 1], t[last], v[last], rangeEnd, isCounter) : v[last];
    double result = right - left;
    if (isCounter) {
      if (t[first] <= rangeStart) {
        first++;
      }
      if (t[last] >= rangeEnd) {
        last--;
      }
      double correction = 0;
      double prev = left;
      for (int i = first; i <= last; i++) {
        if (v[i] < prev) {
          correction += prev;
        }
        prev = v[i];
      }
      if (right < prev) {
        correction += prev;
      }
      result += correction;
    }
    if (isRate) {
      result /= rangeSeconds;
    }
    return result;
  }

  /**
   * The points of an anchored/smoothed matrix selector as Prometheus returns them ({@code
   * extendFloats}): a point at each window edge (picked or interpolated) around the inner ones.
   * Returns {t[], v[]} or null for none.
   */
  public static Object[] extendFloats(long[] t, double[] v, int n, long mint, long maxt, boolean smoothed) {
    int last = n - 1;
    int first = Math.max(0, searchGreater(t, last, mint) - 1);
    if (smoothed) {
      last = searchAtLeast(t, last, maxt);
    }
    if (t[last] <= mint) {
      return null;
    }
    double left = smoothed && t[first] < mint ? interpolate(t[first], v[first], t[first + 1], v[first + 1], mint, false) : v[first];
    double right = smoothed && last > 0 && t[last] > maxt ? interpolate(t[last - 1], v[last - 1], t[last], v[last], maxt, false) : v[last];
    if (t[first] <= mint) {
      first++;
    }
    if (t[last] >= maxt) {
      last--;
    }
    int count = Math.max(last - first + 1, 0);
    long[] ot = new long[count + 2];
    double[] ov = new double[count + 2];
    ot[0] = mint;
    ov[0] = left;
    for (int i = 0; i < count; i++) {
      ot[i + 1] = t[first + i];
      ov[i + 1] = v[first + i];
    }
    ot[count + 1] = maxt;
    ov[count + 1] = right;
    return new Object[] {ot, ov};
  }

  /** Index of the first sample to use for anchored resets/changes: the last one at or before rangeStart; -1 when no sample is after it. */
  public static int anchoredFirst(long[] t, int n, long rangeStart) {
    int lastLE = searchGreater(t, n, rangeStart) - 1;
    if (lastLE + 1 >= n) {
      return -1;
    }
    return Math.max(lastLE, 0);
  }

  /**
   * Value of a smoothed instant selector at {@code dataTs} from the samples in (dataTs - lookback,
   * dataTs + lookback]: the sample at dataTs, else linear interpolation between its neighbours,
   * else the last one before; null when there is none.
   */
  public static Double smoothedValue(long[] t, double[] v, int from, int to, long dataTs) {
    int lo = from;
    int hi = to;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (t[mid] >= dataTs) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    int i = lo;
    if (i < to && t[i] == dataTs) {
      return v[i];
    }
    if (i > from && i < to) {
      return interpolate(t[i - 1], v[i - 1], t[i], v[i], dataTs, false);
    }
    if (i > from) {
      return v[i - 1];
    }
    return null;
  }

  private static double trend(int i, double tf, double s0, double s1, double b) {
    if (i == 0) {
      return b;
    }
    return tf * (s1 - s0) + (1 - tf) * b;
  }
}
