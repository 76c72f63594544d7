package dev.hypnos.promql.engine;

import dev.hypnos.core.chunk.Values;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.promql.engine.Evaluator.Loaded;
import dev.hypnos.promql.engine.kernel.BucketQuantile;
import dev.hypnos.promql.engine.kernel.Kahan;
import dev.hypnos.promql.engine.kernel.RangeKernels;
import dev.hypnos.promql.parser.AggregateOp;
import dev.hypnos.promql.parser.BinaryOp;
import dev.hypnos.promql.parser.Expr;
import dev.hypnos.promql.parser.Expr.AggregateExpr;
import dev.hypnos.promql.parser.Expr.BinaryExpr;
import dev.hypnos.promql.parser.Expr.Call;
import dev.hypnos.promql.parser.Expr.MatrixSelector;
import dev.hypnos.promql.parser.Expr.NumberLiteral;
import dev.hypnos.promql.parser.Expr.VectorSelector;
import dev.hypnos.promql.parser.UnaryOp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Range queries evaluated column by column: every node of the expression tree is evaluated for
 * all steps at once into one value array per series (a column: the series' labels, its value at
 * each step and whether it has one), and the nodes compose. Label work (output labels, group
 * keys, match signatures, result labels) is done once per series per query instead of once per
 * series per step, and no per-step objects are made.
 *
 * <p>Covered: instant selectors; rate, increase, delta, irate, idelta, resets, changes, deriv and
 * the {@code *_over_time} functions avg, sum, min, max, count, last, first, present, stddev and
 * stdvar of a matrix selector; sum, avg, count, group, min, max, stddev, stdvar and quantile (a
 * literal in [0, 1]) aggregations; unary minus; vector-scalar (number literal) operators;
 * vector-vector arithmetic and comparisons with one-to-one, group_left and group_right matching
 * (no fill values); histogram_quantile (a literal in [0, 1]) of classic buckets.
 *
 * <p>The result equals the step-wise evaluation's exactly: each node takes its inputs in the
 * order the step-wise path builds its vectors in, uses the same kernels and label functions, and
 * annotations are raised in the step-wise order (by step, then node, then series). Whenever an
 * outcome could depend on the step in ways not reproduced here, the whole query is left to the
 * step-wise path (null): native histograms, delayed name removal, {@code __type__} / {@code
 * __unit__} labels, match signatures or result label sets that are not unique over the whole
 * query (the step-wise errors depend on which series are present at a step), an input whose
 * order can change from step to step where order matters, selectors whose samples could exceed
 * the samples limit at one step, invalid quantile parameters, unparsable {@code le} labels.
 * Nothing is recorded on the evaluator before the query is known to be covered.
 */
final class ColumnarRange {
  /** A series of a node's result: value at step k in {@code v[k]} when {@code has[k]}. */
  private static final class Col {
    final Labels metric;
    final double[] v;
    final boolean[] has;

    Col(Labels metric, int steps) {
      this.metric = metric;
      this.v = new double[steps];
      this.has = new boolean[steps];
    }
  }

  /**
   * A node's result. {@code stable}: at every step, the present columns in list order are the
   * step-wise vector's order; when false, only order-insensitive consumers (the query result)
   * may use it.
   */
  private record Block(List<Col> cols, boolean stable) {}

  /** An annotation raised at {@code step} by node {@code node} for series {@code series}. */
  private record Event(int step, int node, int series, boolean warning, String message, int position) {}

  /** Thrown to leave the query to the step-wise path. */
  private static final class Decline extends RuntimeException {
    Decline() {
      super(null, null, false, false);
    }
  }

  private static final Decline DECLINE = new Decline();
  private static final int[] NO_RESETS = {0};

  private final Evaluator ev;
  private final long start;
  private final long step;
  private final int steps;
  private final List<Event> events = new ArrayList<>();
  private int nodeCounter;
  /** Step cells allocated so far; past {@link #MAX_CELLS} the query is left to the step-wise path. */
  private long cells;
  private static final long MAX_CELLS = 1L << 26;

  private ColumnarRange(Evaluator ev, long start, long end, long step) {
    this.ev = ev;
    this.start = start;
    this.step = step;
    long n = (end - start) / step + 1;
    if (n > 1_000_000) {
      throw DECLINE;
    }
    this.steps = (int) n;
  }

  /** The range query's result, or null when the query is left to the step-wise path. */
  static @Nullable List<RangeSeries> eval(Evaluator ev, Expr e, long start, long end, long step) {
    if (ev.delayedNameRemoval() || !covered(ev, e)) {
      return null;
    }
    Block b;
    ColumnarRange c;
    try {
      c = new ColumnarRange(ev, start, end, step);
      b = c.node(e);
    } catch (Decline d) {
      return null;
    }
    Set<Labels> seen = new HashSet<>();
    for (Col col : b.cols()) {
      if (!seen.add(col.metric)) {
        return null; // the step-wise path merges or rejects equal label sets depending on the steps
      }
    }
    c.raiseEvents();
    List<RangeSeries> out = new ArrayList<>(b.cols().size());
    long total = 0;
    for (Col col : b.cols()) {
      int n = 0;
      for (boolean h : col.has) {
        if (h) {
          n++;
        }
      }
      if (n == 0) {
        continue;
      }
      long[] ot = new long[n];
      double[] ov = new double[n];
      int j = 0;
      for (int k = 0; k < c.steps; k++) {
        if (col.has[k]) {
          ot[j] = start + k * step;
          ov[j++] = col.v[k];
        }
      }
      total += n;
      out.add(new RangeSeries(col.metric, new FPointList(ot, ov, n)));
    }
    ev.checkSamples((int) Math.min(total, Integer.MAX_VALUE));
    out.sort((x, y) -> x.metric().compareTo(y.metric()));
    return out;
  }

  /**
   * Whether every selector of {@code e} loaded float samples only, without __type__ / __unit__
   * labels, and few enough that no step can exceed the samples limit.
   */
  private static boolean covered(Evaluator ev, Expr e) {
    return switch (e) {
      case Expr.ParenExpr p -> covered(ev, p.expr());
      case NumberLiteral n -> true;
      case VectorSelector vs -> plainSeries(ev, vs);
      case MatrixSelector ms -> plainSeries(ev, ms.selector());
      case Expr.UnaryExpr u -> covered(ev, u.expr());
      case BinaryExpr b -> covered(ev, b.lhs()) && covered(ev, b.rhs());
      case AggregateExpr a -> covered(ev, a.expr()) && (a.param() == null || covered(ev, a.param()));
      case Call c -> {
        for (Expr x : c.args()) {
          if (!covered(ev, x)) {
            yield false;
          }
        }
        yield true;
      }
      default -> false;
    };
  }

  private static boolean plainSeries(Evaluator ev, VectorSelector vs) {
    if (vs.smoothed() || vs.anchored()) {
      return false;
    }
    long samples = 0;
    for (Loaded s : ev.loadedFor(vs)) {
      if (s.h() != null || s.labels().get("__type__") != null || s.labels().get("__unit__") != null) {
        return false;
      }
      samples += s.t().length;
    }
    return samples <= ev.maxSamples();
  }

  private void raiseEvents() {
    events.sort((a, b) -> {
      int c = Integer.compare(a.step, b.step);
      if (c == 0) {
        c = Integer.compare(a.node, b.node);
      }
      return c != 0 ? c : Integer.compare(a.series, b.series);
    });
    for (Event x : events) {
      if (x.warning) {
        ev.annos.warn(x.message, x.position);
      } else {
        ev.annos.info(x.message, x.position);
      }
    }
  }

  /** A new column of this query's steps (bounded in total, so wide queries keep the step-wise memory use). */
  private Col col(Labels metric) {
    cells += steps;
    if (cells > MAX_CELLS) {
      throw DECLINE;
    }
    return new Col(metric, steps);
  }

  // ---------------------------------------------------------------- nodes

  private Block node(Expr e) {
    ev.checkDeadline();
    return switch (e) {
      case Expr.ParenExpr p -> node(p.expr());
      case VectorSelector vs -> selector(vs);
      case Call c -> call(c);
      case AggregateExpr a -> aggregate(a);
      case BinaryExpr b -> binary(b);
      case Expr.UnaryExpr u -> unary(u);
      default -> throw DECLINE;
    };
  }

  private long ref(VectorSelector vs, int k) {
    return ev.refTime(vs.at(), vs.offsetMs(), start + k * step);
  }

  private Block selector(VectorSelector vs) {
    List<Loaded> series = ev.loadedFor(vs);
    long lookback = ev.lookback();
    List<Col> out = new ArrayList<>(series.size());
    for (Loaded s : series) {
      ev.checkDeadline();
      long[] t = s.t();
      double[] v = s.v();
      Col col = col(s.labels());
      int idx = -1;
      for (int k = 0; k < steps; k++) {
        long ref = ref(vs, k);
        if (vs.at() != null) {
          idx = Evaluator.lastAtOrBefore(t, ref);
        } else {
          while (idx + 1 < t.length && t[idx + 1] <= ref) {
            idx++;
          }
        }
        if (idx < 0 || t[idx] <= ref - lookback || Values.isStaleNaN(v[idx])) {
          continue;
        }
        col.v[k] = v[idx];
        col.has[k] = true;
      }
      out.add(col);
    }
    return new Block(out, true);
  }

  private Block unary(Expr.UnaryExpr u) {
    Block in = node(u.expr());
    if (u.op() == UnaryOp.ADD) {
      return in;
    }
    List<Col> out = new ArrayList<>(in.cols().size());
    for (Col c : in.cols()) {
      Col o = col(Evaluator.dropMetadata(c.metric));
      for (int k = 0; k < steps; k++) {
        if (c.has[k]) {
          o.v[k] = -c.v[k];
          o.has[k] = true;
        }
      }
      out.add(o);
    }
    return new Block(out, in.stable());
  }

  // ---------------------------------------------------------------- functions

  private enum RangeFn {
    RATE, INCREASE, DELTA, IRATE, IDELTA, RESETS, CHANGES, DERIV, AVG, SUM, MIN, MAX, COUNT, LAST, FIRST, PRESENT,
    STDDEV, STDVAR
  }

  private static @Nullable RangeFn rangeFn(String name) {
    return switch (name) {
      case "rate" -> RangeFn.RATE;
      case "increase" -> RangeFn.INCREASE;
      case "delta" -> RangeFn.DELTA;
      case "irate" -> RangeFn.IRATE;
      case "idelta" -> RangeFn.IDELTA;
      case "resets" -> RangeFn.RESETS;
      case "changes" -> RangeFn.CHANGES;
      case "deriv" -> RangeFn.DERIV;
      case "avg_over_time" -> RangeFn.AVG;
      case "sum_over_time" -> RangeFn.SUM;
      case "min_over_time" -> RangeFn.MIN;
      case "max_over_time" -> RangeFn.MAX;
      case "count_over_time" -> RangeFn.COUNT;
      case "last_over_time" -> RangeFn.LAST;
      case "first_over_time" -> RangeFn.FIRST;
      case "present_over_time" -> RangeFn.PRESENT;
      case "stddev_over_time" -> RangeFn.STDDEV;
      case "stdvar_over_time" -> RangeFn.STDVAR;
      default -> null;
    };
  }

  private Block call(Call c) {
    String name = c.function().name();
    if (name.equals("histogram_quantile")) {
      return histogramQuantile(c);
    }
    RangeFn fn = rangeFn(name);
    if (fn == null || c.args().size() != 1
        || !(Evaluator.unwrapParens(c.args().get(0)) instanceof MatrixSelector ms)) {
      throw DECLINE;
    }
    int node = nodeCounter++;
    VectorSelector vs = ms.selector();
    long range = ms.rangeMs();
    double rangeSeconds = range / 1000.0;
    int argPos = c.args().get(0).position().start();
    boolean keepName = fn == RangeFn.LAST || fn == RangeFn.FIRST;
    boolean counter = fn == RangeFn.RATE || fn == RangeFn.INCREASE;
    List<Loaded> series = ev.loadedFor(vs);
    List<Col> out = new ArrayList<>(series.size());
    double[] reg = new double[2];
    for (int si = 0; si < series.size(); si++) {
      ev.checkDeadline();
      Loaded s = series.get(si);
      Loaded samples = s.withoutStaleMarkers();
      long[] t = samples.t();
      double[] v = samples.v();
      Col col = col(keepName ? s.labels() : Evaluator.dropMetadata(s.labels()));
      String metricName = s.labels().getOrEmpty("__name__");
      boolean nonCounterName = counter && Functions.notCounterName(metricName);
      int lo = 0;
      int hi = 0;
      int[] resets = counter ? RangeKernels.resetPositions(v, v.length) : NO_RESETS;
      int nResets = resets[resets.length - 1];
      int r = 0;
      // min/max over windows that slide forward: a monotonic queue of sample positions
      boolean sliding = (fn == RangeFn.MIN || fn == RangeFn.MAX) && vs.at() == null;
      int[] queue = sliding ? new int[t.length] : NO_RESETS;
      int qHead = 0;
      int qTail = 0;
      int pushed = 0;
      for (int k = 0; k < steps; k++) {
        long ref = ref(vs, k);
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
        int n = hi - lo;
        if (n <= 0) {
          continue;
        }
        double x;
        switch (fn) {
          case RATE, INCREASE, DELTA -> {
            if (n < 2) {
              continue;
            }
            if (nonCounterName) {
              events.add(new Event(k, node, si, false, Annotations.possibleNonCounter(metricName), argPos));
              nonCounterName = false; // once per series is enough: later ones deduplicate
            }
            if (vs.at() != null) {
              r = 0;
            }
            while (r < nResets && resets[r] <= lo) {
              r++;
            }
            x = RangeKernels.slidingRate(t, v, lo, hi, resets, r, from, ref, counter, fn == RangeFn.RATE,
                rangeSeconds);
          }
          case IRATE, IDELTA -> {
            if (n < 2 || t[hi - 1] == t[hi - 2]) {
              continue;
            }
            x = RangeKernels.instantValue(t, v, lo, hi, fn == RangeFn.IRATE);
          }
          case RESETS -> x = RangeKernels.resets(v, lo, hi);
          case CHANGES -> x = RangeKernels.changes(v, lo, hi);
          case DERIV -> {
            if (n < 2) {
              continue;
            }
            RangeKernels.linearRegression(t, v, lo, hi, t[lo], reg);
            x = reg[0];
          }
          case AVG -> x = RangeKernels.avg(v, lo, hi);
          case SUM -> x = RangeKernels.sum(v, lo, hi);
          case MIN, MAX -> {
            if (!sliding) {
              x = fn == RangeFn.MIN ? RangeKernels.min(v, lo, hi) : RangeKernels.max(v, lo, hi);
              break;
            }
            // The kernels' result: the first of the extreme non-NaN values, NaN when all are NaN.
            // The queue holds the non-NaN positions whose value no later value beats, so its head
            // is the first extreme of the window.
            boolean max = fn == RangeFn.MAX;
            for (; pushed < hi; pushed++) {
              double y = v[pushed];
              if (Double.isNaN(y)) {
                continue;
              }
              while (qTail > qHead && (max ? v[queue[qTail - 1]] < y : v[queue[qTail - 1]] > y)) {
                qTail--;
              }
              queue[qTail++] = pushed;
            }
            while (qHead < qTail && queue[qHead] < lo) {
              qHead++;
            }
            x = qHead < qTail ? v[queue[qHead]] : v[hi - 1];
          }
          case COUNT -> x = n;
          case LAST -> x = v[hi - 1];
          case FIRST -> x = v[lo];
          case PRESENT -> x = 1;
          case STDDEV -> x = Math.sqrt(RangeKernels.variance(v, lo, hi));
          case STDVAR -> x = RangeKernels.variance(v, lo, hi);
          default -> throw new IllegalStateException("unexpected function " + fn);
        }
        col.v[k] = x;
        col.has[k] = true;
      }
      out.add(col);
    }
    return new Block(out, true);
  }

  /** A number literal argument in [0, 1] (else the query is declined). */
  private static double quantileParam(@Nullable Expr e) {
    if (e == null || !(Evaluator.unwrapParens(e) instanceof NumberLiteral n) || !(n.value() >= 0 && n.value() <= 1)) {
      throw DECLINE;
    }
    return n.value();
  }

  private Block histogramQuantile(Call c) {
    if (c.args().size() != 2) {
      throw DECLINE;
    }
    double q = quantileParam(c.args().get(0));
    Block in = node(c.args().get(1));
    if (!in.stable()) {
      throw DECLINE;
    }
    int node = nodeCounter++;
    int argPos = c.args().get(1).position().start();
    List<Col> cols = in.cols();
    double[] upperOf = new double[cols.size()];
    int[] groupOf = new int[cols.size()];
    Map<Labels, Integer> index = new HashMap<>();
    List<Labels> keys = new ArrayList<>();
    List<int[]> members = new ArrayList<>();
    for (int i = 0; i < cols.size(); i++) {
      Labels metric = cols.get(i).metric;
      try {
        upperOf[i] = Functions.parseGoFloat(metric.getOrEmpty("le"));
      } catch (NumberFormatException e) {
        throw DECLINE;
      }
      Labels key = metric.without("le");
      Integer g = index.get(key);
      if (g == null) {
        g = keys.size();
        index.put(key, g);
        keys.add(key);
        members.add(new int[0]);
      }
      int[] mem = members.get(g);
      mem = Arrays.copyOf(mem, mem.length + 1);
      mem[mem.length - 1] = i;
      members.set(g, mem);
      groupOf[i] = g;
    }
    boolean stable = groupOrderStable(cols, groupOf, keys.size());
    String forced = Annotations.forcedMonotonicity("");
    List<Col> out = new ArrayList<>(keys.size());
    int maxMembers = 0;
    for (int[] mem : members) {
      maxMembers = Math.max(maxMembers, mem.length);
    }
    double[] upper = new double[maxMembers];
    double[] counts = new double[maxMembers];
    for (int g = 0; g < keys.size(); g++) {
      ev.checkDeadline();
      Col o = col(Evaluator.dropMetadata(keys.get(g)));
      int[] mem = members.get(g);
      for (int k = 0; k < steps; k++) {
        int n = 0;
        for (int i : mem) {
          Col x = cols.get(i);
          if (x.has[k]) {
            upper[n] = upperOf[i];
            counts[n++] = x.v[k];
          }
        }
        if (n == 0) {
          continue;
        }
        BucketQuantile.Result r = BucketQuantile.quantile(q, upper, counts, n);
        if (r.forcedMonotonic()) {
          events.add(new Event(k, node, g, false, forced, argPos));
        }
        o.v[k] = r.quantile();
        o.has[k] = true;
      }
      out.add(o);
    }
    return new Block(out, stable);
  }

  /**
   * Whether, at every step, the groups in order of their first present input are in increasing
   * group index (the order the step-wise path emits them in equals the block's order).
   */
  private boolean groupOrderStable(List<Col> cols, int[] groupOf, int groups) {
    boolean[] seen = new boolean[groups];
    for (int k = 0; k < steps; k++) {
      Arrays.fill(seen, false);
      int last = -1;
      for (int i = 0; i < cols.size(); i++) {
        if (!cols.get(i).has[k]) {
          continue;
        }
        int g = groupOf[i];
        if (seen[g]) {
          continue;
        }
        seen[g] = true;
        if (g < last) {
          return false;
        }
        last = g;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- aggregations

  private Block aggregate(AggregateExpr a) {
    AggregateOp op = a.op();
    double param = 0;
    switch (op) {
      case SUM, AVG, COUNT, GROUP, MIN, MAX, STDDEV, STDVAR -> {
        if (a.param() != null) {
          throw DECLINE;
        }
      }
      case QUANTILE -> param = quantileParam(a.param());
      default -> throw DECLINE;
    }
    Block in = node(a.expr());
    if (!in.stable()) {
      throw DECLINE;
    }
    nodeCounter++;
    List<Col> cols = in.cols();
    Map<Labels, Integer> index = new HashMap<>();
    List<Labels> keys = new ArrayList<>();
    int[] groupOf = new int[cols.size()];
    for (int i = 0; i < cols.size(); i++) {
      Labels key = ev.groupKey(a, cols.get(i).metric);
      Integer g = index.get(key);
      if (g == null) {
        g = keys.size();
        index.put(key, g);
        keys.add(key);
      }
      groupOf[i] = g;
    }
    int groups = keys.size();
    boolean stable = groupOrderStable(cols, groupOf, groups);
    List<Col> out = new ArrayList<>(groups);
    for (Labels key : keys) {
      out.add(col(key));
    }
    double[] value = new double[groups];
    double[] mean = new double[groups];
    double[] comp = new double[groups];
    double[] count = new double[groups];
    boolean[] incremental = new boolean[groups];
    double[][] values = op == AggregateOp.QUANTILE ? new double[groups][] : null;
    int[] nValues = op == AggregateOp.QUANTILE ? new int[groups] : null;
    double[] c = new double[1];
    for (int k = 0; k < steps; k++) {
      ev.checkDeadline();
      Arrays.fill(count, 0);
      for (int i = 0; i < cols.size(); i++) {
        Col x = cols.get(i);
        if (!x.has[k]) {
          continue;
        }
        double f = x.v[k];
        int g = groupOf[i];
        if (count[g] == 0) {
          value[g] = f;
          mean[g] = f;
          comp[g] = 0;
          count[g] = 1;
          incremental[g] = false;
          switch (op) {
            case STDDEV, STDVAR -> value[g] = Double.isNaN(f) || Double.isInfinite(f) ? Double.NaN : 0;
            case QUANTILE -> {
              if (values[g] == null) {
                values[g] = new double[8];
              }
              values[g][0] = f;
              nValues[g] = 1;
            }
            case GROUP -> value[g] = 1;
            default -> {}
          }
          continue;
        }
        switch (op) {
          case SUM -> {
            c[0] = comp[g];
            value[g] = Kahan.inc(f, value[g], c);
            comp[g] = c[0];
          }
          case AVG -> {
            count[g]++;
            if (!incremental[g]) {
              c[0] = comp[g];
              double nv = Kahan.inc(f, value[g], c);
              if (!Double.isInfinite(nv)) {
                value[g] = nv;
                comp[g] = c[0];
                break;
              }
              incremental[g] = true;
              mean[g] = value[g] / (count[g] - 1);
              comp[g] /= count[g] - 1;
            }
            double q = (count[g] - 1) / count[g];
            c[0] = q * comp[g];
            mean[g] = Kahan.inc(f / count[g], q * mean[g], c);
            comp[g] = c[0];
          }
          case GROUP -> {}
          case MAX -> {
            if (value[g] < f || Double.isNaN(value[g])) {
              value[g] = f;
            }
          }
          case MIN -> {
            if (value[g] > f || Double.isNaN(value[g])) {
              value[g] = f;
            }
          }
          case COUNT -> count[g]++;
          case STDDEV, STDVAR -> {
            count[g]++;
            double delta = f - mean[g];
            mean[g] += delta / count[g];
            value[g] += delta * (f - mean[g]);
          }
          case QUANTILE -> {
            if (nValues[g] == values[g].length) {
              values[g] = Arrays.copyOf(values[g], nValues[g] * 2);
            }
            values[g][nValues[g]++] = f;
          }
          default -> throw new IllegalStateException("unexpected aggregation " + op);
        }
      }
      for (int g = 0; g < groups; g++) {
        if (count[g] == 0) {
          continue;
        }
        Col o = out.get(g);
        o.has[k] = true;
        o.v[k] = switch (op) {
          case AVG -> incremental[g] ? mean[g] + comp[g] : value[g] / count[g] + comp[g] / count[g];
          case COUNT -> count[g];
          case STDVAR -> value[g] / count[g];
          case STDDEV -> Math.sqrt(value[g] / count[g]);
          case QUANTILE -> RangeKernels.quantile(param, values[g], nValues[g]);
          case SUM -> value[g] + comp[g];
          default -> value[g];
        };
      }
    }
    return new Block(out, stable);
  }

  // ---------------------------------------------------------------- binary operators

  private Block binary(BinaryExpr b) {
    BinaryOp op = b.op();
    if (op.isSetOperator() || !(op.isComparison() || BinaryOps.changesMetricSchema(op))) {
      throw DECLINE;
    }
    Expr lhs = Evaluator.unwrapParens(b.lhs());
    Expr rhs = Evaluator.unwrapParens(b.rhs());
    boolean scalarLeft = lhs instanceof NumberLiteral;
    boolean scalarRight = rhs instanceof NumberLiteral;
    if (scalarLeft && scalarRight) {
      throw DECLINE;
    }
    boolean returnBool = b.returnBool();
    if (scalarLeft || scalarRight) {
      double k = ((NumberLiteral) (scalarLeft ? lhs : rhs)).value();
      Block in = node(scalarLeft ? rhs : lhs);
      nodeCounter++;
      boolean dropName = BinaryOps.changesMetricSchema(op) || returnBool;
      List<Col> out = new ArrayList<>(in.cols().size());
      for (Col x : in.cols()) {
        Col o = col(dropName ? Evaluator.dropMetadata(x.metric) : x.metric);
        for (int s = 0; s < steps; s++) {
          if (!x.has[s]) {
            continue;
          }
          double f = x.v[s];
          double l = scalarLeft ? k : f;
          double r = scalarLeft ? f : k;
          double value;
          boolean keep;
          if (op.isComparison()) {
            keep = BinaryOps.compare(op, l, r);
            value = f;
          } else {
            value = BinaryOps.scalar(op, l, r);
            keep = true;
          }
          if (returnBool) {
            value = keep ? 1 : 0;
            keep = true;
          }
          if (keep) {
            o.v[s] = value;
            o.has[s] = true;
          }
        }
        out.add(o);
      }
      return new Block(out, in.stable());
    }
    Expr.VectorMatching m = b.matching();
    if (m == null) {
      m = new Expr.VectorMatching(Expr.Cardinality.ONE_TO_ONE, List.of(), false, List.of(), Expr.FillValues.NONE);
    }
    if (m.card() == Expr.Cardinality.MANY_TO_MANY || m.fill().lhs() != null || m.fill().rhs() != null) {
      throw DECLINE;
    }
    Block lb = node(lhs);
    Block rb = node(rhs);
    nodeCounter++;
    boolean swapped = m.card() == Expr.Cardinality.ONE_TO_MANY;
    Block many = swapped ? rb : lb;
    Block one = swapped ? lb : rb;
    if (!many.stable()) {
      throw DECLINE;
    }
    // the "one" side: signatures unique over the whole query, so no step can hold duplicates
    Map<Labels, Integer> oneBySig = new HashMap<>();
    for (int j = 0; j < one.cols().size(); j++) {
      if (oneBySig.put(BinaryOps.signature(one.cols().get(j).metric, m), j) != null) {
        throw DECLINE;
      }
    }
    Set<Labels> manySigs = new HashSet<>();
    Map<Labels, Set<Labels>> resultsBySig = new HashMap<>();
    IdentityHashMap<Col, Col> partner = new IdentityHashMap<>();
    List<Col> out = new ArrayList<>();
    List<Col> outMany = new ArrayList<>();
    for (Col x : many.cols()) {
      Labels sig = BinaryOps.signature(x.metric, m);
      if (m.card() == Expr.Cardinality.ONE_TO_ONE && !manySigs.add(sig)) {
        throw DECLINE;
      }
      Integer j = oneBySig.get(sig);
      if (j == null) {
        continue;
      }
      Col y = one.cols().get(j);
      Labels metric = BinaryOps.resultMetric(ev, x.metric, y.metric, op, m, returnBool);
      if (m.card() != Expr.Cardinality.ONE_TO_ONE
          && !resultsBySig.computeIfAbsent(sig, s -> new HashSet<>()).add(metric)) {
        throw DECLINE;
      }
      Col o = col(metric);
      partner.put(o, y);
      out.add(o);
      outMany.add(x);
    }
    boolean comparison = op.isComparison();
    for (int i = 0; i < out.size(); i++) {
      ev.checkDeadline();
      Col o = out.get(i);
      Col x = outMany.get(i);
      Col y = partner.get(o);
      for (int s = 0; s < steps; s++) {
        if (!x.has[s] || !y.has[s]) {
          continue;
        }
        double fl = swapped ? y.v[s] : x.v[s];
        double fr = swapped ? x.v[s] : y.v[s];
        double value;
        boolean keep;
        if (comparison) {
          keep = BinaryOps.compare(op, fl, fr);
          value = fl;
        } else {
          value = BinaryOps.scalar(op, fl, fr);
          keep = true;
        }
        if (returnBool) {
          value = keep ? 1 : 0;
        } else if (!keep) {
          continue;
        }
        o.v[s] = value;
        o.has[s] = true;
      }
    }
    return new Block(out, true);
  }
}
