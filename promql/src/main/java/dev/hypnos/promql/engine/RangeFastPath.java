package dev.hypnos.promql.engine;

import dev.hypnos.core.chunk.Values;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.promql.engine.Evaluator.Loaded;
import dev.hypnos.promql.engine.kernel.RangeKernels;
import dev.hypnos.promql.parser.AggregateOp;
import dev.hypnos.promql.parser.Expr;
import dev.hypnos.promql.parser.BinaryOp;
import dev.hypnos.promql.parser.Expr.AggregateExpr;
import dev.hypnos.promql.parser.Expr.BinaryExpr;
import dev.hypnos.promql.parser.Expr.NumberLiteral;
import dev.hypnos.promql.parser.Expr.Call;
import dev.hypnos.promql.parser.Expr.MatrixSelector;
import dev.hypnos.promql.parser.Expr.VectorSelector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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

  private static final int[] NO_RESETS = {0};

  static @Nullable List<RangeSeries> eval(Evaluator ev, Expr e, long start, long end, long step) {
    if (e instanceof AggregateExpr a) {
      return aggregate(ev, a, start, end, step);
    }
    if (e instanceof BinaryExpr b) {
      return binary(ev, b, start, end, step);
    }
    List<RangeSeries> out = seriesWise(ev, e, start, end, step, true);
    if (out != null) {
      out.sort((a, b) -> a.metric().compareTo(b.metric()));
    }
    return out;
  }

  /**
   * Selector or rate-like call series by series, in the order of the loaded series (the order
   * the step-wise path builds its vectors in). {@code top}: the result is the query's, so the
   * running total of output points is checked against the samples limit.
   */
  private static @Nullable List<RangeSeries> seriesWise(Evaluator ev, Expr e, long start, long end, long step,
      boolean top) {
    if (e instanceof VectorSelector vs && !vs.smoothed()) {
      return selector(ev, vs, start, end, step, top);
    }
    if (e instanceof Call c && c.args().size() == 1
        && Evaluator.unwrapParens(c.args().get(0)) instanceof MatrixSelector ms
        && !ms.selector().anchored() && !ms.selector().smoothed()) {
      String name = c.function().name();
      if (name.equals("rate") || name.equals("increase") || name.equals("delta")) {
        return rate(ev, c, ms, name, start, end, step, top);
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
      long step, boolean top) {
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
    checkLimits(ev, perStep, top ? total : 0);
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
      long end, long step, boolean top) {
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
      Loaded samples = s.withoutStaleMarkers();
      long[] t = samples.t();
      double[] v = samples.v();
      long[] ot = new long[steps];
      double[] ov = new double[steps];
      int n = 0;
      int lo = 0;
      int hi = 0;
      int[] resets = counter ? RangeKernels.resetPositions(v, v.length) : NO_RESETS;
      int nResets = resets[resets.length - 1];
      int r = 0;
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
          if (Functions.notCounterName(metricName)) {
            ev.annos.info(Annotations.possibleNonCounter(metricName), argPos);
          }
        }
        if (vs.at() != null) {
          r = 0;
        }
        while (r < nResets && resets[r] <= lo) {
          r++;
        }
        ot[n] = ts;
        ov[n] = RangeKernels.slidingRate(t, v, lo, hi, resets, r, from, ref, counter, isRate, rangeSeconds);
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
    checkLimits(ev, perStep, top ? total : 0);
    return out;
  }

  /**
   * sum, avg, count, max and min (no parameter) of a selector or rate-like call, series by
   * series: each input series adds its points into its group's per-step primitive accumulators.
   * Input series come in the step-wise path's vector order, so every group and step sees the same
   * values in the same order and the results are equal bit for bit. Left to the step-wise path:
   * other operators, grouping by labels starting with "__", histograms (the input's fast path
   * declines them), rate inputs carrying __type__ / __unit__ labels.
   */
  private static @Nullable List<RangeSeries> aggregate(Evaluator ev, AggregateExpr a, long start, long end,
      long step) {
    AggregateOp op = a.op();
    if (a.param() != null || !(op == AggregateOp.SUM || op == AggregateOp.AVG || op == AggregateOp.COUNT
        || op == AggregateOp.MAX || op == AggregateOp.MIN)) {
      return null;
    }
    if (!a.without()) {
      for (String g : a.grouping()) {
        if (g.startsWith("__")) {
          return null;
        }
      }
    }
    Expr inner = Evaluator.unwrapParens(a.expr());
    if (inner instanceof Call c) {
      if (!(c.args().size() == 1 && Evaluator.unwrapParens(c.args().get(0)) instanceof MatrixSelector ms)) {
        return null;
      }
      if (a.without()) {
        // the step-wise path keeps __type__ / __unit__ in the group key until the end
        for (Loaded s : ev.loadedFor(ms.selector())) {
          if (s.labels().get("__type__") != null || s.labels().get("__unit__") != null) {
            return null;
          }
        }
      }
    }
    List<RangeSeries> in = seriesWise(ev, inner, start, end, step, false);
    if (in == null) {
      return null;
    }
    int steps = steps(start, end, step);
    Map<Labels, Integer> groupIndex = new HashMap<>();
    List<Labels> groupLabels = new ArrayList<>();
    int[] groupOf = new int[in.size()];
    for (int i = 0; i < in.size(); i++) {
      Labels key = ev.groupKey(a, in.get(i).metric());
      Integer g = groupIndex.get(key);
      if (g == null) {
        g = groupLabels.size();
        groupIndex.put(key, g);
        groupLabels.add(key);
      }
      groupOf[i] = g;
    }
    int cells = Math.multiplyExact(groupLabels.size(), steps);
    double[] value = new double[cells];
    double[] count = new double[cells];
    boolean avg = op == AggregateOp.AVG;
    double[] comp = op == AggregateOp.SUM || avg ? new double[cells] : NO_DOUBLES;
    double[] mean = avg ? new double[cells] : NO_DOUBLES;
    boolean[] incremental = avg ? new boolean[cells] : NO_BOOLEANS;
    for (int i = 0; i < in.size(); i++) {
      ev.checkDeadline();
      FPointList pts = (FPointList) in.get(i).points();
      int base = groupOf[i] * steps;
      for (int j = 0, n = pts.size(); j < n; j++) {
        int cell = base + (int) ((pts.timestamp(j) - start) / step);
        double f = pts.value(j);
        double cnt = count[cell];
        if (cnt == 0) {
          value[cell] = f;
          count[cell] = 1;
          if (avg) {
            mean[cell] = f;
          }
          continue;
        }
        switch (op) {
          case SUM -> {
            double sum = value[cell];
            double t = sum + f;
            if (Double.isInfinite(t)) {
              comp[cell] = 0;
            } else if (Math.abs(sum) >= Math.abs(f)) {
              comp[cell] += (sum - t) + f;
            } else {
              comp[cell] += (f - t) + sum;
            }
            value[cell] = t;
          }
          case AVG -> avgAdd(cell, f, value, count, comp, mean, incremental);
          case COUNT -> count[cell] = cnt + 1;
          case MAX -> {
            if (value[cell] < f || Double.isNaN(value[cell])) {
              value[cell] = f;
            }
          }
          case MIN -> {
            if (value[cell] > f || Double.isNaN(value[cell])) {
              value[cell] = f;
            }
          }
          default -> throw new IllegalStateException("unexpected aggregation " + op);
        }
      }
    }
    List<RangeSeries> out = new ArrayList<>(groupLabels.size());
    long total = 0;
    int[] perStep = new int[steps];
    for (int g = 0; g < groupLabels.size(); g++) {
      int base = g * steps;
      int n = 0;
      for (int k = 0; k < steps; k++) {
        if (count[base + k] != 0) {
          n++;
        }
      }
      if (n == 0) {
        continue;
      }
      long[] ot = new long[n];
      double[] ov = new double[n];
      int j = 0;
      for (int k = 0; k < steps; k++) {
        int cell = base + k;
        double cnt = count[cell];
        if (cnt == 0) {
          continue;
        }
        ot[j] = start + k * step;
        ov[j++] = switch (op) {
          case AVG -> incremental[cell] ? mean[cell] + comp[cell] : value[cell] / cnt + comp[cell] / cnt;
          case COUNT -> cnt;
          case SUM -> value[cell] + comp[cell];
          default -> value[cell];
        };
        perStep[k]++;
      }
      total += n;
      out.add(new RangeSeries(groupLabels.get(g), new FPointList(ot, ov, n)));
    }
    checkLimits(ev, perStep, total);
    out.sort((x, y) -> x.metric().compareTo(y.metric()));
    return out;
  }

  private static final double[] NO_DOUBLES = {};
  private static final boolean[] NO_BOOLEANS = {};

  /** One more value into an avg cell: a compensated sum, switching to an incremental mean on overflow. */
  private static void avgAdd(int cell, double f, double[] value, double[] count, double[] comp, double[] mean,
      boolean[] incremental) {
    double cnt = count[cell] + 1;
    count[cell] = cnt;
    if (!incremental[cell]) {
      double sum = value[cell];
      double c = comp[cell];
      double t = sum + f;
      if (Double.isInfinite(t)) {
        c = 0;
      } else if (Math.abs(sum) >= Math.abs(f)) {
        c += (sum - t) + f;
      } else {
        c += (f - t) + sum;
      }
      if (!Double.isInfinite(t)) {
        value[cell] = t;
        comp[cell] = c;
        return;
      }
      incremental[cell] = true;
      mean[cell] = value[cell] / (cnt - 1);
      comp[cell] /= cnt - 1;
    }
    double q = (cnt - 1) / cnt;
    double c = q * comp[cell];
    double sum = q * mean[cell];
    double inc = f / cnt;
    double t = sum + inc;
    if (Double.isInfinite(t)) {
      c = 0;
    } else if (Math.abs(sum) >= Math.abs(inc)) {
      c += (sum - t) + inc;
    } else {
      c += (inc - t) + sum;
    }
    mean[cell] = t;
    comp[cell] = c;
  }

  private static boolean arithmetic(BinaryOp op) {
    return switch (op) {
      case ADD, SUB, MUL, DIV, POW, MOD, ATAN2 -> true;
      default -> false;
    };
  }

  private static boolean comparison(BinaryOp op) {
    return switch (op) {
      case EQLC, NEQ, GTR, LSS, GTE, LTE -> true;
      default -> false;
    };
  }

  /** A selector or rate-like call whose loaded series carry no __type__ / __unit__ label (else null). */
  private static @Nullable VectorSelector plainOperand(Evaluator ev, Expr e) {
    VectorSelector vs;
    if (e instanceof VectorSelector v) {
      vs = v;
    } else if (e instanceof Call c && c.args().size() == 1
        && Evaluator.unwrapParens(c.args().get(0)) instanceof MatrixSelector ms) {
      vs = ms.selector();
    } else {
      return null;
    }
    for (Loaded s : ev.loadedFor(vs)) {
      if (s.labels().get("__type__") != null || s.labels().get("__unit__") != null) {
        return null;
      }
    }
    return vs;
  }

  /**
   * Binary operators series by series: vector-scalar (number literal) arithmetic and filtering
   * comparisons, and vector-vector arithmetic with one-to-one matching, where each side's match
   * signatures are unique over the whole query and the result label sets never collide; the
   * pairs are matched once per query and their points merged by timestamp. Anything else (bool
   * modifiers, group_left/right, fill values, set operators, signatures or results that could
   * collide at some step, whose errors depend on the step) is left to the step-wise path.
   */
  private static @Nullable List<RangeSeries> binary(Evaluator ev, BinaryExpr b, long start, long end, long step) {
    BinaryOp op = b.op();
    if (b.returnBool()) {
      return null;
    }
    Expr lhs = Evaluator.unwrapParens(b.lhs());
    Expr rhs = Evaluator.unwrapParens(b.rhs());
    boolean scalarLeft = lhs instanceof NumberLiteral;
    boolean scalarRight = rhs instanceof NumberLiteral;
    if (scalarLeft != scalarRight) {
      if (!arithmetic(op) && !comparison(op)) {
        return null;
      }
      Expr vecSide = scalarLeft ? rhs : lhs;
      double k = ((NumberLiteral) (scalarLeft ? lhs : rhs)).value();
      if (plainOperand(ev, vecSide) == null) {
        return null;
      }
      List<RangeSeries> in = seriesWise(ev, vecSide, start, end, step, false);
      if (in == null) {
        return null;
      }
      List<RangeSeries> out = new ArrayList<>(in.size());
      Set<Labels> seen = new HashSet<>();
      int steps = steps(start, end, step);
      int[] perStep = new int[steps];
      long total = 0;
      boolean arith = arithmetic(op);
      for (RangeSeries rs : in) {
        ev.checkDeadline();
        Labels metric = arith ? Evaluator.dropMetadata(rs.metric()) : rs.metric();
        if (!seen.add(metric)) {
          return null;
        }
        FPointList pts = (FPointList) rs.points();
        int n = pts.size();
        long[] ot = new long[n];
        double[] ov = new double[n];
        int m = 0;
        for (int j = 0; j < n; j++) {
          double f = pts.value(j);
          double l = scalarLeft ? k : f;
          double r = scalarLeft ? f : k;
          if (arith) {
            ov[m] = BinaryOps.scalar(op, l, r);
          } else if (BinaryOps.scalar(op, l, r) == 1) {
            ov[m] = f;
          } else {
            continue;
          }
          ot[m] = pts.timestamp(j);
          perStep[(int) ((ot[m] - start) / step)]++;
          m++;
        }
        if (m > 0) {
          out.add(new RangeSeries(metric, new FPointList(ot, ov, m)));
          total += m;
        }
      }
      checkLimits(ev, perStep, total);
      out.sort((x, y) -> x.metric().compareTo(y.metric()));
      return out;
    }
    if (scalarLeft || !arithmetic(op)) {
      return null;
    }
    Expr.VectorMatching m = b.matching();
    if (m == null) {
      m = new Expr.VectorMatching(Expr.Cardinality.ONE_TO_ONE, List.of(), false, List.of(), Expr.FillValues.NONE);
    }
    if (m.card() != Expr.Cardinality.ONE_TO_ONE || m.fill().lhs() != null || m.fill().rhs() != null
        || !m.include().isEmpty()) {
      return null;
    }
    for (String name : m.matchingLabels()) {
      if (name.startsWith("__")) {
        return null;
      }
    }
    if (plainOperand(ev, lhs) == null || plainOperand(ev, rhs) == null) {
      return null;
    }
    List<RangeSeries> left = seriesWise(ev, lhs, start, end, step, false);
    if (left == null) {
      return null;
    }
    List<RangeSeries> right = seriesWise(ev, rhs, start, end, step, false);
    if (right == null) {
      return null;
    }
    Map<Labels, RangeSeries> bySig = new HashMap<>();
    for (RangeSeries rs : right) {
      if (bySig.put(BinaryOps.signature(rs.metric(), m), rs) != null) {
        return null;
      }
    }
    Set<Labels> leftSigs = new HashSet<>();
    Set<Labels> results = new HashSet<>();
    int steps = steps(start, end, step);
    int[] perStep = new int[steps];
    long total = 0;
    List<RangeSeries> out = new ArrayList<>();
    for (RangeSeries ls : left) {
      ev.checkDeadline();
      Labels sig = BinaryOps.signature(ls.metric(), m);
      if (!leftSigs.add(sig)) {
        return null;
      }
      RangeSeries rs = bySig.get(sig);
      if (rs == null) {
        continue;
      }
      Labels metric = BinaryOps.resultMetric(ev, ls.metric(), rs.metric(), op, m, false);
      if (!results.add(metric)) {
        return null;
      }
      FPointList lp = (FPointList) ls.points();
      FPointList rp = (FPointList) rs.points();
      int ln = lp.size();
      int rn = rp.size();
      long[] ot = new long[Math.min(ln, rn)];
      double[] ov = new double[ot.length];
      int n = 0;
      int i = 0;
      int j = 0;
      while (i < ln && j < rn) {
        long lt = lp.timestamp(i);
        long rt = rp.timestamp(j);
        if (lt < rt) {
          i++;
        } else if (rt < lt) {
          j++;
        } else {
          ot[n] = lt;
          ov[n] = BinaryOps.scalar(op, lp.value(i), rp.value(j));
          perStep[(int) ((lt - start) / step)]++;
          n++;
          i++;
          j++;
        }
      }
      if (n > 0) {
        out.add(new RangeSeries(metric, new FPointList(ot, ov, n)));
        total += n;
      }
    }
    checkLimits(ev, perStep, total);
    out.sort((x, y) -> x.metric().compareTo(y.metric()));
    return out;
  }
}
