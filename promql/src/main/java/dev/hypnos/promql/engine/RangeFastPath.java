package dev.hypnos.promql.engine;

import dev.hypnos.core.chunk.Values;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.promql.engine.Evaluator.Loaded;
import dev.hypnos.promql.engine.kernel.RangeKernels;
import dev.hypnos.promql.parser.Expr;
import dev.hypnos.promql.parser.Expr.Call;
import dev.hypnos.promql.parser.Expr.MatrixSelector;
import dev.hypnos.promql.parser.Expr.VectorSelector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Range queries whose whole expression is a plain vector selector, or rate / increase / delta of
 * a plain matrix selector, evaluated series by series instead of step by step: two cursors walk
 * each loaded series across the steps, kernels run on the loaded arrays in place, and the points
 * go straight into primitive arrays. The result equals the step-wise evaluation's (same samples
 * limit per step, same annotations); anything else, including histograms and results whose label
 * sets collide, is left to the step-wise path (null).
 */
final class RangeFastPath {
  private RangeFastPath() {}

  static @Nullable List<RangeSeries> eval(Evaluator ev, Expr e, long start, long end, long step) {
    if (e instanceof VectorSelector vs && !vs.smoothed()) {
      return selector(ev, vs, start, end, step);
    }
    if (e instanceof Call c && c.args().size() == 1
        && Evaluator.unwrapParens(c.args().get(0)) instanceof MatrixSelector ms
        && !ms.selector().anchored() && !ms.selector().smoothed()) {
      String name = c.function().name();
      if (name.equals("rate") || name.equals("increase") || name.equals("delta")) {
        return rate(ev, c, ms, name, start, end, step);
      }
    }
    return null;
  }

  private static boolean hasHistograms(List<Loaded> series) {
    for (Loaded s : series) {
      if (s.h() != null) {
        return true;
      }
    }
    return false;
  }

  private static int steps(long start, long end, long step) {
    return (int) ((end - start) / step) + 1;
  }

  private static @Nullable List<RangeSeries> selector(Evaluator ev, VectorSelector vs, long start, long end,
      long step) {
    List<Loaded> series = ev.loadedFor(vs);
    if (hasHistograms(series)) {
      return null;
    }
    int steps = steps(start, end, step);
    long lookback = ev.lookback();
    List<RangeSeries> out = new ArrayList<>(series.size());
    int[] perStep = new int[steps];
    long total = 0;
    for (Loaded s : series) {
      long[] t = s.t();
      double[] v = s.v();
      long[] ot = new long[steps];
      double[] ov = new double[steps];
      int n = 0;
      int idx = -1;
      int k = 0;
      for (long ts = start; ts <= end; ts += step, k++) {
        ev.checkDeadline();
        long ref = ev.refTime(vs.at(), vs.offsetMs(), ts);
        if (vs.at() != null) {
          idx = Evaluator.lastAtOrBefore(t, ref);
        } else {
          while (idx + 1 < t.length && t[idx + 1] <= ref) {
            idx++;
          }
        }
        if (idx < 0 || t[idx] <= ref - lookback) {
          continue;
        }
        double x = v[idx];
        if (Values.isStaleNaN(x)) {
          continue;
        }
        ot[n] = ts;
        ov[n] = x;
        n++;
        perStep[k]++;
      }
      if (n > 0) {
        out.add(new RangeSeries(s.labels(), new FPointList(ot, ov, n)));
        total += n;
      }
    }
    checkLimits(ev, perStep, total);
    out.sort((a, b) -> a.metric().compareTo(b.metric()));
    return out;
  }

  /** The step-wise path checks each step's selection and the output's running total. */
  private static void checkLimits(Evaluator ev, int[] perStep, long total) {
    for (int c : perStep) {
      ev.checkSamples(c);
    }
    ev.checkSamples((int) Math.min(total, Integer.MAX_VALUE));
  }

  private static @Nullable List<RangeSeries> rate(Evaluator ev, Call c, MatrixSelector ms, String name, long start,
      long end, long step) {
    VectorSelector vs = ms.selector();
    List<Loaded> series = ev.loadedFor(vs);
    if (hasHistograms(series)) {
      return null;
    }
    List<Labels> outLabels = new ArrayList<>(series.size());
    Set<Labels> seen = new HashSet<>();
    for (Loaded s : series) {
      Labels l = Evaluator.dropMetadata(s.labels());
      if (!seen.add(l)) {
        return null; // colliding results: the step-wise path decides whether they overlap
      }
      outLabels.add(l);
    }
    boolean counter = !name.equals("delta");
    boolean isRate = name.equals("rate");
    long range = ms.rangeMs();
    double rangeSeconds = range / 1000.0;
    int argPos = c.args().get(0).position().start();
    int steps = steps(start, end, step);
    int[] selected = new int[steps];
    int[] perStep = new int[steps];
    long total = 0;
    List<RangeSeries> out = new ArrayList<>(series.size());
    for (int si = 0; si < series.size(); si++) {
      Loaded s = series.get(si);
      long[] t = s.t();
      double[] v = s.v();
      // stale markers are not samples of the window
      int m = 0;
      for (double x : v) {
        if (!Values.isStaleNaN(x)) {
          m++;
        }
      }
      if (m != v.length) {
        long[] t2 = new long[m];
        double[] v2 = new double[m];
        int j = 0;
        for (int i = 0; i < v.length; i++) {
          if (!Values.isStaleNaN(v[i])) {
            t2[j] = t[i];
            v2[j++] = v[i];
          }
        }
        t = t2;
        v = v2;
      }
      long[] ot = new long[steps];
      double[] ov = new double[steps];
      int n = 0;
      int lo = 0;
      int hi = 0;
      boolean noticed = false;
      int k = 0;
      for (long ts = start; ts <= end; ts += step, k++) {
        ev.checkDeadline();
        long ref = ev.refTime(vs.at(), vs.offsetMs(), ts);
        long from = ref - range;
        if (vs.at() != null) {
          lo = Evaluator.lastAtOrBefore(t, from) + 1;
          hi = Evaluator.lastAtOrBefore(t, ref) + 1;
        } else {
          while (lo < t.length && t[lo] <= from) {
            lo++;
          }
          if (hi < lo) {
            hi = lo;
          }
          while (hi < t.length && t[hi] <= ref) {
            hi++;
          }
        }
        int cnt = hi - lo;
        selected[k] += cnt;
        if (cnt < 2) {
          continue;
        }
        if (counter && !noticed) {
          noticed = true;
          String metricName = s.labels().getOrEmpty("__name__");
          if (!metricName.isEmpty() && !(metricName.endsWith("_total") || metricName.endsWith("_sum")
              || metricName.endsWith("_count") || metricName.endsWith("_bucket"))) {
            ev.annos.info(Annotations.possibleNonCounter(metricName), argPos);
          }
        }
        ot[n] = ts;
        ov[n] = RangeKernels.extrapolatedRate(t, v, lo, hi, from, ref, counter, isRate, rangeSeconds);
        n++;
        perStep[k]++;
      }
      if (n > 0) {
        out.add(new RangeSeries(outLabels.get(si), new FPointList(ot, ov, n)));
        total += n;
      }
    }
    for (int sel : selected) {
      ev.checkSamples(sel);
    }
    checkLimits(ev, perStep, total);
    out.sort((a, b) -> a.metric().compareTo(b.metric()));
    return out;
  }
}
