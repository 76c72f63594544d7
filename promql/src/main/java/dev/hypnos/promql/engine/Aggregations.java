package dev.hypnos.promql.engine;

import dev.hypnos.core.histogram.FloatHistogram;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.promql.engine.kernel.Kahan;
import dev.hypnos.promql.engine.kernel.RangeKernels;
import dev.hypnos.promql.parser.AggregateOp;
import dev.hypnos.promql.parser.Expr.AggregateExpr;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Aggregation operators (sum, avg, topk, quantile, count_values, ...) at one step. */
final class Aggregations {
  private Aggregations() {}

  private static final class Group {
    final Labels labels;
    double value;
    double mean;
    double[] c = {0};
    double count;
    boolean incrementalMean;
    boolean dropName;
    List<Sample> heap;
    double[] values;
    int n;

    Group(Labels labels) {
      this.labels = labels;
    }
  }

  static Labels groupingLabels(Labels metric, List<String> grouping, boolean without) {
    if (without) {
      List<String> drop = new ArrayList<>(grouping);
      drop.add("__name__");
      return metric.without(drop.toArray(new String[0]));
    }
    Map<String, String> keep = new HashMap<>();
    for (String g : grouping) {
      String v = metric.get(g);
      if (v != null) {
        keep.put(g, v);
      }
    }
    return Evaluator.labelsOf(keep);
  }

  static List<Sample> aggregate(Evaluator ev, AggregateExpr a, long ts) {
    AggregateOp op = a.op();
    double param = Double.NaN;
    String valueLabel = null;
    if (op == AggregateOp.COUNT_VALUES) {
      Object p = ev.eval(a.param(), ts);
      valueLabel = ((StringValue) p).s();
      if (!isValidLabelName(valueLabel)) {
        throw new QueryException(QueryException.Kind.EXECUTION, "invalid label name " + Annotations.goQuote(valueLabel));
      }
    } else if (a.param() != null) {
      param = ev.evalScalar(a.param(), ts);
    }
    List<Sample> all = ev.evalVector(a.expr(), ts);
    List<Sample> in = Evaluator.floatsOnly(all);
    boolean hasHistograms = in != all;
    switch (op) {
      case COUNT, GROUP, LIMITK, LIMIT_RATIO -> in = all;
      case QUANTILE, STDDEV, STDVAR, MIN, MAX -> {
        if (hasHistograms) {
          ev.annos.info(Annotations.histogramIgnoredInAggregation(op.text()), a.expr().position().start());
        }
      }
      default -> {}
    }
    switch (op) {
      case TOPK, BOTTOMK, LIMITK -> {
        if (param < 1) {
          return List.of();
        }
        if (Double.isNaN(param)) {
          throw new QueryException(QueryException.Kind.EXECUTION, "Parameter value is NaN");
        }
        if (param >= 9.223372036854775807E18) {
          throw new QueryException(QueryException.Kind.EXECUTION, "Scalar value " + Annotations.formatG(param) + " overflows int64");
        }
        if (op != AggregateOp.LIMITK && hasHistograms) {
          ev.annos.info(Annotations.histogramIgnoredInAggregation(op.text()), a.position().start());
        }
        return topk(ev, op, (long) param, in, a);
      }
      case LIMIT_RATIO -> {
        if (param == 0) {
          return List.of();
        }
        if (Double.isNaN(param)) {
          throw new QueryException(QueryException.Kind.EXECUTION, "Ratio value is NaN");
        }
        int pos = a.param().position().start();
        if (param > 1) {
          ev.annos.warn(Annotations.invalidRatio(param, 1), pos);
        }
        if (param < -1) {
          ev.annos.warn(Annotations.invalidRatio(param, -1), pos);
        }
        return limitRatio(Math.max(-1, Math.min(1, param)), in, a);
      }
      case QUANTILE -> {
        int pos = a.param().position().start();
        if (Double.isNaN(param) || param > 1 || param < 0) {
          ev.annos.warn(Annotations.invalidQuantile(param), pos);
        }
      }
      case COUNT_VALUES -> {
        return countValues(in, a, valueLabel, ts);
      }
      default -> {}
    }
    Map<Labels, Group> groups = new LinkedHashMap<>();
    for (Sample s : in) {
      Labels key = ev.groupKey(a, s.metric());
      Group g = groups.get(key);
      double f = s.f();
      if (g == null) {
        g = new Group(key);
        groups.put(key, g);
        g.value = f;
        g.mean = f;
        g.count = 1;
        g.dropName = s.dropName();
        switch (op) {
          case STDDEV, STDVAR -> g.value = Double.isNaN(f) || Double.isInfinite(f) ? Double.NaN : 0;
          case QUANTILE -> {
            g.values = new double[8];
            g.values[0] = f;
            g.n = 1;
          }
          case GROUP -> g.value = 1;
          default -> {}
        }
        continue;
      }
      if (s.dropName()) {
        g.dropName = true;
      }
      switch (op) {
        case SUM -> g.value = Kahan.inc(f, g.value, g.c);
        case AVG -> {
          g.count++;
          if (!g.incrementalMean) {
            double[] c2 = {g.c[0]};
            double nv = Kahan.inc(f, g.value, c2);
            if (!Double.isInfinite(nv)) {
              g.value = nv;
              g.c[0] = c2[0];
              break;
            }
            g.incrementalMean = true;
            g.mean = g.value / (g.count - 1);
            g.c[0] /= g.count - 1;
          }
          double q = (g.count - 1) / g.count;
          g.c[0] = q * g.c[0];
          g.mean = Kahan.inc(f / g.count, q * g.mean, g.c);
        }
        case GROUP -> {}
        case MAX -> {
          if (g.value < f || Double.isNaN(g.value)) {
            g.value = f;
          }
        }
        case MIN -> {
          if (g.value > f || Double.isNaN(g.value)) {
            g.value = f;
          }
        }
        case COUNT -> g.count++;
        case STDDEV, STDVAR -> {
          g.count++;
          double delta = f - g.mean;
          g.mean += delta / g.count;
          g.value += delta * (f - g.mean);
        }
        case QUANTILE -> {
          if (g.n == g.values.length) {
            g.values = java.util.Arrays.copyOf(g.values, g.n * 2);
          }
          g.values[g.n++] = f;
        }
        default -> throw new IllegalStateException("unexpected aggregation " + op);
      }
    }
    List<Sample> out = new ArrayList<>(groups.size());
    for (Group g : groups.values()) {
      double v = switch (op) {
        case AVG -> g.incrementalMean ? g.mean + g.c[0] : g.value / g.count + g.c[0] / g.count;
        case COUNT -> g.count;
        case STDVAR -> g.value / g.count;
        case STDDEV -> Math.sqrt(g.value / g.count);
        case QUANTILE -> RangeKernels.quantile(param, g.values, g.n);
        case SUM -> g.value + g.c[0];
        default -> g.value;
      };
      out.add(new Sample(g.labels, ts, v, g.dropName));
    }
    if (hasHistograms && (op == AggregateOp.SUM || op == AggregateOp.AVG)) {
      addHistogramGroups(ev, a, all, groups, out, ts);
    }
    return out;
  }

  /**
   * sum and avg of native histograms, per group; a group holding floats and histograms gives no
   * result and a warning, one with unequal bucket layouts gives none.
   */
  private static void addHistogramGroups(
      Evaluator ev, AggregateExpr a, List<Sample> all, Map<Labels, Group> floatGroups, List<Sample> out, long ts) {
    Map<Labels, FloatHistogram> sums = new LinkedHashMap<>();
    Map<Labels, int[]> counts = new HashMap<>();
    Set<Labels> dropName = new HashSet<>();
    Set<Labels> incompatible = new HashSet<>();
    for (Sample s : all) {
      FloatHistogram h = s.h();
      if (h == null) {
        continue;
      }
      Labels key = ev.groupKey(a, s.metric());
      if (s.dropName()) {
        dropName.add(key);
      }
      FloatHistogram sum = sums.get(key);
      if (sum == null) {
        sums.put(key, h);
        counts.put(key, new int[] {1});
        continue;
      }
      counts.get(key)[0]++;
      if (!sum.addable(h)) {
        incompatible.add(key);
        continue;
      }
      if (sum.customBoundsDiffer(h)) {
        ev.annos.info(Annotations.mismatchedCustomBuckets("aggregation"), a.expr().position().start());
      }
      sums.put(key, sum.addScaled(h, 1));
    }
    for (Map.Entry<Labels, FloatHistogram> e : sums.entrySet()) {
      Labels key = e.getKey();
      if (floatGroups.containsKey(key)) {
        ev.annos.warn(Annotations.mixedFloatsHistogramsAggregation(), a.expr().position().start());
        out.removeIf(x -> x.metric().equals(key));
        continue;
      }
      if (incompatible.contains(key)) {
        continue;
      }
      FloatHistogram h = e.getValue();
      if (a.op() == AggregateOp.AVG) {
        h = h.div(counts.get(key)[0]);
      }
      out.add(Sample.histogram(key, ts, h, dropName.contains(key)));
    }
  }

  /** Go container/heap emulation so ties resolve as in Prometheus. */
  private static final class GoHeap {
    final List<Sample> items = new ArrayList<>();
    final Comparator<Sample> less; // less(a,b) < 0 means a is "less"

    GoHeap(Comparator<Sample> less) {
      this.less = less;
    }

    boolean lessAt(int i, int j) {
      return less.compare(items.get(i), items.get(j)) < 0;
    }

    void swap(int i, int j) {
      Sample t = items.get(i);
      items.set(i, items.get(j));
      items.set(j, t);
    }

    void push(Sample s) {
      items.add(s);
      up(items.size() - 1);
    }

    void up(int j) {
      while (true) {
        int i = (j - 1) / 2;
        if (i == j || !lessAt(j, i)) {
          break;
        }
        swap(i, j);
        j = i;
      }
    }

    boolean down(int i0, int n) {
      int i = i0;
      while (true) {
        int j1 = 2 * i + 1;
        if (j1 >= n || j1 < 0) {
          break;
        }
        int j = j1;
        int j2 = j1 + 1;
        if (j2 < n && lessAt(j2, j1)) {
          j = j2;
        }
        if (!lessAt(j, i)) {
          break;
        }
        swap(i, j);
        i = j;
      }
      return i > i0;
    }

    void fix(int i) {
      if (!down(i, items.size())) {
        up(i);
      }
    }
  }

  /** vectorByValueHeap Less: NaN is least, then ascending. */
  private static int byValue(Sample a, Sample b) {
    if (Double.isNaN(a.f())) {
      return -1;
    }
    return a.f() < b.f() ? -1 : 1;
  }

  /** vectorByReverseValueHeap Less: NaN is least, then descending. */
  private static int byReverseValue(Sample a, Sample b) {
    if (Double.isNaN(a.f())) {
      return -1;
    }
    return a.f() > b.f() ? -1 : 1;
  }

  private static List<Sample> topk(Evaluator ev, AggregateOp op, long kParam, List<Sample> in, AggregateExpr a) {
    long k = Math.min(kParam, in.size());
    Map<Labels, GoHeap> groups = new LinkedHashMap<>();
    for (Sample s : in) {
      Labels key = ev.groupKey(a, s.metric());
      GoHeap h = groups.get(key);
      if (h == null) {
        h = new GoHeap(op == AggregateOp.BOTTOMK ? Aggregations::byReverseValue : Aggregations::byValue);
        groups.put(key, h);
        h.push(s);
        continue;
      }
      switch (op) {
        case TOPK -> {
          if (h.items.size() < k) {
            h.push(s);
          } else if (h.items.get(0).f() < s.f() || (Double.isNaN(h.items.get(0).f()) && !Double.isNaN(s.f()))) {
            h.items.set(0, s);
            if (k > 1) {
              h.fix(0);
            }
          }
        }
        case BOTTOMK -> {
          if (h.items.size() < k) {
            h.push(s);
          } else if (h.items.get(0).f() > s.f() || (Double.isNaN(h.items.get(0).f()) && !Double.isNaN(s.f()))) {
            h.items.set(0, s);
            if (k > 1) {
              h.fix(0);
            }
          }
        }
        case LIMITK -> {
          if (h.items.size() < k) {
            h.push(s);
          }
        }
        default -> throw new IllegalStateException();
      }
    }
    List<Sample> out = new ArrayList<>();
    for (GoHeap h : groups.values()) {
      List<Sample> items = new ArrayList<>(h.items);
      if (op != AggregateOp.LIMITK && items.size() > 1) {
        Comparator<Sample> c = h.less;
        items.sort((x, y) -> -Integer.signum(c.compare(x, y) < 0 ? -1 : (c.compare(y, x) < 0 ? 1 : 0)));
      }
      out.addAll(items);
    }
    return out;
  }

  private static List<Sample> limitRatio(double r, List<Sample> in, AggregateExpr a) {
    List<Sample> out = new ArrayList<>();
    for (Sample s : in) {
      double sampleOffset = ratioOffset(s.metric());
      boolean add = r >= 0 ? sampleOffset < r : sampleOffset >= 1.0 + r;
      if (add) {
        out.add(s);
      }
    }
    return out;
  }

  /**
   * Where a series falls in [0, 1] for limit_ratio: its Prometheus label hash (xxHash64 over
   * name, 0xff, value, 0xff, ...) divided by the largest uint64, so the same series are chosen.
   */
  static double ratioOffset(Labels l) {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < l.size(); i++) {
      b.writeBytes(l.name(i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      b.write(0xff);
      b.writeBytes(l.value(i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      b.write(0xff);
    }
    long h = dev.hypnos.core.util.XxHash64.hash(b.toByteArray());
    double unsigned = new BigDecimal(Long.toUnsignedString(h)).doubleValue();
    return unsigned / 18446744073709551615.0;
  }

  private static List<Sample> countValues(List<Sample> in, AggregateExpr a, String valueLabel, long ts) {
    List<String> grouping = new ArrayList<>(a.grouping());
    if (!a.without()) {
      grouping.add(valueLabel);
    }
    Map<Labels, double[]> counts = new LinkedHashMap<>();
    for (Sample s : in) {
      Map<String, String> m = Evaluator.mapOf(s.metric());
      m.put(valueLabel, formatFloatF(s.f()));
      Labels metric = Evaluator.labelsOf(m);
      Labels key = groupingLabels(metric, grouping, a.without());
      counts.computeIfAbsent(key, k -> new double[1])[0]++;
    }
    List<Sample> out = new ArrayList<>();
    counts.forEach((l, c) -> out.add(new Sample(l, ts, c[0])));
    return out;
  }

  /** Go's {@code strconv.FormatFloat(f, 'f', -1, 64)}. */
  static String formatFloatF(double f) {
    return GoFloat.formatF(f);
  }

  static boolean isValidLabelName(String s) {
    return !s.isEmpty() && s.codePoints().allMatch(c -> c != 0xFFFD) && java.nio.charset.StandardCharsets.UTF_8
        .newEncoder().canEncode(s);
  }
}
