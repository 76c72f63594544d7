package dev.hypnos.promql.engine;

import dev.hypnos.core.histogram.FloatHistogram;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.promql.parser.BinaryOp;
import dev.hypnos.promql.parser.Expr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Binary operators on scalars and vectors with Prometheus's vector matching. */
final class BinaryOps {
  private BinaryOps() {}

  static double scalar(BinaryOp op, double l, double r) {
    return switch (op) {
      case ADD -> l + r;
      case SUB -> l - r;
      case MUL -> l * r;
      case DIV -> l / r;
      case POW -> pow(l, r);
      case MOD -> l % r;
      case EQLC -> l == r ? 1 : 0;
      case NEQ -> l != r ? 1 : 0;
      case GTR -> l > r ? 1 : 0;
      case LSS -> l < r ? 1 : 0;
      case GTE -> l >= r ? 1 : 0;
      case LTE -> l <= r ? 1 : 0;
      case ATAN2 -> Math.atan2(l, r);
      default -> throw new QueryException(QueryException.Kind.EXECUTION, "operator " + op + " not allowed for scalar operations");
    };
  }

  /** Go's math.Pow differs from Java's for a base of 1 or -1 with NaN/infinite exponents. */
  static double pow(double x, double y) {
    if (x == 1) {
      return 1;
    }
    if (x == -1 && Double.isInfinite(y)) {
      return 1;
    }
    return Math.pow(x, y);
  }

  /** Whether comparison {@code op} holds between {@code l} and {@code r}. */
  static boolean compare(BinaryOp op, double l, double r) {
    return switch (op) {
      case EQLC -> l == r;
      case NEQ -> l != r;
      case GTR -> l > r;
      case LSS -> l < r;
      case GTE -> l >= r;
      case LTE -> l <= r;
      default -> throw new IllegalStateException("not a comparison: " + op);
    };
  }

  static boolean changesMetricSchema(BinaryOp op) {
    return switch (op) {
      case ADD, SUB, MUL, DIV, POW, MOD, ATAN2 -> true;
      default -> false;
    };
  }

  static List<Sample> vectorScalar(Evaluator ev, BinaryOp op, List<Sample> vec, double scalar, boolean swap,
      boolean returnBool, long ts) {
    List<Sample> out = new ArrayList<>(vec.size());
    for (Sample s : vec) {
      FloatHistogram h = s.h();
      if (h != null) {
        HistResult hr = swap ? histogramOp(ev, op, scalar, 0, null, h) : histogramOp(ev, op, 0, scalar, h, null);
        if (hr.incompatible()) {
          incompatible(ev, op, swap ? "float" : "histogram", swap ? "histogram" : "float");
          continue;
        }
        Sample named = ev.withDroppedName(s.metric(), ts, 0);
        if (returnBool) {
          out.add(new Sample(named.metric(), ts, hr.keep() ? 1 : 0, named.dropName()));
        } else if (hr.keep()) {
          FloatHistogram v = op.isComparison() ? h : hr.h();
          if (changesMetricSchema(op)) {
            out.add(Sample.histogram(named.metric(), ts, v, named.dropName()));
          } else {
            out.add(Sample.histogram(s.metric(), ts, v, s.dropName()));
          }
        }
        continue;
      }
      double l = swap ? scalar : s.f();
      double r = swap ? s.f() : scalar;
      double value;
      boolean keep;
      if (op.isComparison()) {
        keep = compare(op, l, r);
        value = s.f();
      } else {
        value = scalar(op, l, r);
        keep = true;
      }
      if (returnBool) {
        value = keep ? 1 : 0;
        keep = true;
      }
      if (!keep) {
        continue;
      }
      if (changesMetricSchema(op) || returnBool) {
        out.add(ev.withDroppedName(s.metric(), ts, value));
      } else {
        out.add(new Sample(s.metric(), ts, value, s.dropName()));
      }
    }
    return out;
  }

  static Labels signature(Labels l, Expr.VectorMatching m) {
    if (m.on()) {
      Map<String, String> keep = new HashMap<>();
      for (String name : m.matchingLabels()) {
        String v = l.get(name);
        if (v != null) {
          keep.put(name, v);
        }
      }
      return Evaluator.labelsOf(keep);
    }
    List<String> drop = new ArrayList<>(m.matchingLabels());
    drop.add("__name__");
    return l.without(drop.toArray(new String[0]));
  }

  static List<Sample> vectorVector(Evaluator ev, BinaryOp op, List<Sample> lhs, List<Sample> rhs,
      Expr.VectorMatching m, boolean returnBool, long ts) {
    switch (op) {
      case AND -> {
        Set<Labels> rs = new HashSet<>();
        for (Sample s : rhs) {
          rs.add(ev.signatureOf(s.metric(), m));
        }
        List<Sample> out = new ArrayList<>();
        for (Sample s : lhs) {
          if (rs.contains(ev.signatureOf(s.metric(), m))) {
            out.add(s);
          }
        }
        return out;
      }
      case OR -> {
        Set<Labels> ls = new HashSet<>();
        List<Sample> out = new ArrayList<>(lhs);
        for (Sample s : lhs) {
          ls.add(ev.signatureOf(s.metric(), m));
        }
        for (Sample s : rhs) {
          if (!ls.contains(ev.signatureOf(s.metric(), m))) {
            out.add(s);
          }
        }
        return out;
      }
      case UNLESS -> {
        Set<Labels> rs = new HashSet<>();
        for (Sample s : rhs) {
          rs.add(ev.signatureOf(s.metric(), m));
        }
        List<Sample> out = new ArrayList<>();
        for (Sample s : lhs) {
          if (!rs.contains(ev.signatureOf(s.metric(), m))) {
            out.add(s);
          }
        }
        return out;
      }
      default -> {
        return arithmetic(ev, op, lhs, rhs, m, returnBool, ts);
      }
    }
  }

  private static List<Sample> arithmetic(Evaluator ev, BinaryOp op, List<Sample> lhs, List<Sample> rhs,
      Expr.VectorMatching m, boolean returnBool, long ts) {
    if (m.card() == Expr.Cardinality.MANY_TO_MANY) {
      throw new QueryException(QueryException.Kind.EXECUTION, "many-to-many only allowed for set operators");
    }
    Double fillL = m.fill().lhs();
    Double fillR = m.fill().rhs();
    if ((lhs.isEmpty() && rhs.isEmpty()) || ((lhs.isEmpty() || rhs.isEmpty()) && fillL == null && fillR == null)) {
      return List.of();
    }
    boolean swapped = m.card() == Expr.Cardinality.ONE_TO_MANY;
    if (swapped) {
      List<Sample> t = lhs;
      lhs = rhs;
      rhs = t;
      // As in Prometheus, the fill values keep their sides when the operands are swapped.
    }
    Map<Labels, Sample> right = new LinkedHashMap<>();
    for (Sample rs : rhs) {
      Labels sig = ev.signatureOf(rs.metric(), m);
      Sample dup = right.get(sig);
      if (dup != null) {
        String oneSide = swapped ? "left" : "right";
        String d1 = rs.metric().toString();
        String d2 = dup.metric().toString();
        if (d1.compareTo(d2) > 0) {
          String t = d1;
          d1 = d2;
          d2 = t;
        }
        throw new QueryException(QueryException.Kind.EXECUTION,
            "found duplicate series for the match group " + matchLabelsString(rs.metric(), m) + " on the " + oneSide
                + " hand-side of the operation: [" + d1 + ", " + d2
                + "];many-to-many matching not allowed: matching labels must be unique on one side");
      }
      right.put(sig, rs);
    }
    Set<Labels> matchedOneToOne = new HashSet<>();
    Map<Labels, Set<Labels>> matchedMany = new HashMap<>();
    List<Sample> out = new ArrayList<>();
    for (Sample ls : lhs) {
      Labels sig = ev.signatureOf(ls.metric(), m);
      Sample rs = right.get(sig);
      if (rs == null) {
        if (fillR == null) {
          continue;
        }
        rs = new Sample(sig, ts, fillR);
      }
      doOp(ev, op, ls, rs, sig, m, swapped, returnBool, ts, matchedOneToOne, matchedMany, out);
    }
    if (fillL != null) {
      for (Map.Entry<Labels, Sample> e : right.entrySet()) {
        Labels sig = e.getKey();
        boolean matched = m.card() == Expr.Cardinality.ONE_TO_ONE ? matchedOneToOne.contains(sig)
            : matchedMany.containsKey(sig) && !matchedMany.get(sig).isEmpty();
        if (matched) {
          continue;
        }
        Sample ls = new Sample(sig, ts, fillL);
        doOp(ev, op, ls, e.getValue(), sig, m, swapped, returnBool, ts, matchedOneToOne, matchedMany, out);
      }
    }
    return out;
  }

  private static String matchLabelsString(Labels l, Expr.VectorMatching m) {
    if (m.on()) {
      return signature(l, m).toString();
    }
    return l.without(m.matchingLabels().toArray(new String[0])).without("__name__").toString();
  }

  private static void doOp(Evaluator ev, BinaryOp op, Sample ls, Sample rs, Labels sig, Expr.VectorMatching m,
      boolean swapped, boolean returnBool, long ts, Set<Labels> matchedOneToOne, Map<Labels, Set<Labels>> matchedMany,
      List<Sample> out) {
    double fl = ls.f();
    double fr = rs.f();
    FloatHistogram hl = ls.h();
    FloatHistogram hr = rs.h();
    if (swapped) {
      double t = fl;
      fl = fr;
      fr = t;
      FloatHistogram th = hl;
      hl = hr;
      hr = th;
    }
    double value;
    boolean keep;
    FloatHistogram hv = null;
    if (hl != null || hr != null) {
      HistResult res = histogramOp(ev, op, fl, fr, hl, hr);
      if (res.incompatible()) {
        incompatible(ev, op, hl != null ? "histogram" : "float", hr != null ? "histogram" : "float");
        return;
      }
      keep = res.keep();
      value = keep ? 1 : 0;
      hv = returnBool || !keep ? null : res.h();
    } else if (op.isComparison()) {
      keep = compare(op, fl, fr);
      value = fl;
    } else {
      value = scalar(op, fl, fr);
      keep = true;
    }
    if (returnBool) {
      value = keep ? 1 : 0;
    }
    Labels metric = ev.resultMetricOf(ls.metric(), rs.metric(),
        () -> resultMetric(ev, ls.metric(), rs.metric(), op, m, returnBool));
    if (m.card() == Expr.Cardinality.ONE_TO_ONE) {
      if (!matchedOneToOne.add(sig)) {
        throw new QueryException(QueryException.Kind.EXECUTION,
            "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
      }
    } else {
      Set<Labels> inserted = matchedMany.computeIfAbsent(sig, k -> new HashSet<>());
      if (!inserted.add(metric)) {
        throw new QueryException(QueryException.Kind.EXECUTION,
            "multiple matches for labels: grouping labels must ensure unique matches");
      }
    }
    if (hv != null) {
      out.add(Sample.histogram(metric, ts, hv, false));
      return;
    }
    if (!keep && !returnBool) {
      return;
    }
    out.add(new Sample(metric, ts, value, returnBool && ev.delayedNameRemoval()));
  }

  /** Result of an operator with a histogram operand: value, whether kept, or incompatible types. */
  private record HistResult(@Nullable FloatHistogram h, boolean keep, boolean incompatible) {
    static final HistResult INCOMPATIBLE = new HistResult(null, false, true);
    static final HistResult DROPPED = new HistResult(null, false, false);

    static HistResult of(@Nullable FloatHistogram h) {
      return h == null ? DROPPED : new HistResult(h, true, false);
    }
  }

  /**
   * {@code op} with at least one histogram side, as Prometheus's vectorElemBinop: histogram +/-
   * histogram, ==/!= between histograms, histogram * float, float * histogram, histogram / float;
   * everything else is an incompatible combination. Histograms of different bucket layouts give
   * no result.
   */
  private static HistResult histogramOp(Evaluator ev,
      BinaryOp op, double fl, double fr, @Nullable FloatHistogram hl, @Nullable FloatHistogram hr) {
    if (hl != null && hr != null) {
      return switch (op) {
        case ADD -> HistResult.of(addOrNull(ev, hl, hr, 1));
        case SUB -> {
          FloatHistogram d = addOrNull(ev, hl, hr, -1);
          yield HistResult.of(d == null ? null : d.withCounterResetHint(FloatHistogram.CounterResetHint.GAUGE));
        }
        case EQLC -> new HistResult(hl, hl.equals(hr), false);
        case NEQ -> new HistResult(hl, !hl.equals(hr), false);
        default -> HistResult.INCOMPATIBLE;
      };
    }
    if (hl != null) {
      return switch (op) {
        case MUL -> HistResult.of(hl.mul(fr));
        case DIV -> HistResult.of(hl.div(fr));
        default -> HistResult.INCOMPATIBLE;
      };
    }
    if (hr != null && op == BinaryOp.MUL) {
      return HistResult.of(hr.mul(fl));
    }
    return HistResult.INCOMPATIBLE;
  }

  private static void incompatible(Evaluator ev, BinaryOp op, String lhsType, String rhsType) {
    String o = op.text();
    ev.annos.info("incompatible sample types encountered for binary operator " + Annotations.goQuote(o) + ": "
        + lhsType + " " + o + " " + rhsType, ev.binaryPosition);
  }

  private static @Nullable FloatHistogram addOrNull(Evaluator ev, FloatHistogram a, FloatHistogram b, double sign) {
    if (!a.addable(b)) {
      return null;
    }
    if (a.customBoundsDiffer(b)) {
      ev.annos.info(Annotations.mismatchedCustomBuckets(sign > 0 ? "addition" : "subtraction"), ev.binaryPosition);
    }
    return a.addScaled(b, sign);
  }

  static Labels resultMetric(Evaluator ev, Labels lhs, Labels rhs, BinaryOp op, Expr.VectorMatching m,
      boolean returnBool) {
    Map<String, String> b = Evaluator.mapOf(lhs);
    if ((!ev.delayedNameRemoval() && returnBool) || changesMetricSchema(op)) {
      b.remove("__name__");
      b.remove("__type__");
      b.remove("__unit__");
    }
    if (m.card() == Expr.Cardinality.ONE_TO_ONE) {
      if (m.on()) {
        b.keySet().retainAll(new HashSet<>(m.matchingLabels()));
      } else {
        m.matchingLabels().forEach(b::remove);
      }
    }
    for (String ln : m.include()) {
      String v = rhs.get(ln);
      if (v != null && !v.isEmpty()) {
        b.put(ln, v);
      } else {
        b.remove(ln);
      }
    }
    return Evaluator.labelsOf(b);
  }
}
