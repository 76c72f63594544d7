package dev.hypnos.promql.engine;

import dev.hypnos.core.histogram.FloatHistogram;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.RegexTemplates;
import dev.hypnos.core.labels.MatchType;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.labels.Re2Regex;
import dev.hypnos.promql.engine.Evaluator.Points;
import dev.hypnos.promql.engine.Evaluator.RangeVal;
import dev.hypnos.promql.engine.Evaluator.VecVal;
import dev.hypnos.promql.engine.kernel.BucketQuantile;
import dev.hypnos.promql.engine.kernel.NativeHistograms;
import dev.hypnos.promql.engine.kernel.RangeKernels;
import dev.hypnos.promql.parser.Expr;
import dev.hypnos.promql.parser.Expr.Call;
import dev.hypnos.promql.parser.Expr.MatrixSelector;
import dev.hypnos.promql.parser.Expr.SubqueryExpr;
import dev.hypnos.promql.parser.Expr.VectorSelector;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.DoubleUnaryOperator;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** PromQL functions at one step. */
final class Functions {
  private Functions() {}

  static Object call(Evaluator ev, Call c, long ts) {
    String name = c.function().name();
    List<Expr> args = c.args();
    return switch (name) {
      case "time" -> new Scalar(ts, ts / 1000.0);
      case "pi" -> new Scalar(ts, Math.PI);
      case "start" -> new Scalar(ts, ev.queryStart() / 1000.0);
      case "end" -> new Scalar(ts, ev.queryEnd() / 1000.0);
      case "range" -> new Scalar(ts, (ev.queryEnd() - ev.queryStart()) / 1000.0);
      case "step" -> new Scalar(ts, ev.queryStep() / 1000.0);
      case "min_of" -> new Scalar(ts, Math.min(ev.evalScalar(args.get(0), ts), ev.evalScalar(args.get(1), ts)));
      case "max_of" -> new Scalar(ts, Math.max(ev.evalScalar(args.get(0), ts), ev.evalScalar(args.get(1), ts)));
      case "scalar" -> {
        List<Sample> v = Evaluator.floatsOnly(ev.evalVector(args.get(0), ts));
        yield new Scalar(ts, v.size() == 1 ? v.get(0).f() : Double.NaN);
      }
      case "vector" -> new VecVal(List.of(new Sample(Labels.EMPTY, ts, ev.evalScalar(args.get(0), ts))));
      case "abs" -> simple(ev, args, ts, Math::abs);
      case "ceil" -> simple(ev, args, ts, Math::ceil);
      case "floor" -> simple(ev, args, ts, Math::floor);
      case "exp" -> simple(ev, args, ts, Math::exp);
      case "sqrt" -> simple(ev, args, ts, Math::sqrt);
      case "ln" -> simple(ev, args, ts, Math::log);
      case "log2" -> simple(ev, args, ts, x -> Math.log(x) / Math.log(2));
      case "log10" -> simple(ev, args, ts, Math::log10);
      case "sin" -> simple(ev, args, ts, Math::sin);
      case "cos" -> simple(ev, args, ts, Math::cos);
      case "tan" -> simple(ev, args, ts, Math::tan);
      case "asin" -> simple(ev, args, ts, Math::asin);
      case "acos" -> simple(ev, args, ts, Math::acos);
      case "atan" -> simple(ev, args, ts, Math::atan);
      case "sinh" -> simple(ev, args, ts, Math::sinh);
      case "cosh" -> simple(ev, args, ts, Math::cosh);
      case "tanh" -> simple(ev, args, ts, Math::tanh);
      case "asinh" -> simple(ev, args, ts, Functions::asinh);
      case "acosh" -> simple(ev, args, ts, Functions::acosh);
      case "atanh" -> simple(ev, args, ts, Functions::atanh);
      case "rad" -> simple(ev, args, ts, x -> x * Math.PI / 180);
      case "deg" -> simple(ev, args, ts, x -> x * 180 / Math.PI);
      case "sgn" -> simple(ev, args, ts, x -> x < 0 ? -1 : x > 0 ? 1 : x);
      case "round" -> {
        double to = args.size() > 1 ? ev.evalScalar(args.get(1), ts) : 1;
        double inv = 1.0 / to;
        yield simple(ev, args, ts, x -> Math.floor(x * inv + 0.5) / inv);
      }
      case "clamp" -> {
        double min = ev.evalScalar(args.get(1), ts);
        double max = ev.evalScalar(args.get(2), ts);
        if (max < min) {
          ev.evalVector(args.get(0), ts);
          yield new VecVal(List.of());
        }
        yield simple(ev, args, ts, x -> Math.max(min, Math.min(max, x)));
      }
      case "clamp_max" -> {
        double max = ev.evalScalar(args.get(1), ts);
        yield simple(ev, args, ts, x -> Math.min(max, x));
      }
      case "clamp_min" -> {
        double min = ev.evalScalar(args.get(1), ts);
        yield simple(ev, args, ts, x -> Math.max(min, x));
      }
      case "timestamp" -> timestamp(ev, args.get(0), ts);
      case "days_in_month", "day_of_month", "day_of_week", "day_of_year", "hour", "minute", "month", "year" ->
          date(ev, name, args, ts);
      case "sort" -> sortByValue(ev, c, ts, false);
      case "sort_desc" -> sortByValue(ev, c, ts, true);
      case "sort_by_label", "sort_by_label_desc" -> sortByLabel(ev, c, ts, name.endsWith("_desc"));
      case "label_replace" -> labelReplace(ev, args, ts);
      case "label_join" -> labelJoin(ev, args, ts);
      case "absent" -> {
        List<Sample> v = ev.evalVector(args.get(0), ts);
        yield new VecVal(v.isEmpty() ? List.of(new Sample(absentLabels(args.get(0)), ts, 1)) : List.of());
      }
      case "histogram_quantile" -> histogramQuantile(ev, c, ts);
      case "histogram_fraction" -> histogramFraction(ev, c, ts);
      case "info" -> Info.info(ev, c, ts);
      case "histogram_quantiles" -> histogramQuantiles(ev, c, ts);
      case "histogram_count", "histogram_sum", "histogram_avg", "histogram_stddev", "histogram_stdvar" ->
          simpleHistogram(ev, name, args.get(0), ts);
      default -> rangeFunction(ev, c, ts);
    };
  }

  private static double asinh(double x) {
    if (Double.isInfinite(x)) {
      return x;
    }
    return Math.log(x + Math.sqrt(x * x + 1));
  }

  private static double acosh(double x) {
    return Math.log(x + Math.sqrt(x * x - 1));
  }

  private static double atanh(double x) {
    return 0.5 * Math.log((1 + x) / (1 - x));
  }

  /** A float per native-histogram sample; float samples give nothing. */
  private static VecVal simpleHistogram(Evaluator ev, String name, Expr arg, long ts) {
    List<Sample> in = ev.evalVector(arg, ts);
    List<Sample> out = new ArrayList<>();
    for (Sample s : in) {
      FloatHistogram h = s.h();
      if (h == null) {
        continue;
      }
      double v = switch (name) {
        case "histogram_count" -> h.count();
        case "histogram_sum" -> h.sum();
        case "histogram_avg" -> h.sum() / h.count();
        case "histogram_stddev" -> Math.sqrt(NativeHistograms.variance(h));
        default -> NativeHistograms.variance(h);
      };
      out.add(ev.withDroppedName(s.metric(), ts, v));
    }
    return new VecVal(out);
  }

  private static VecVal simple(Evaluator ev, List<Expr> args, long ts, DoubleUnaryOperator f) {
    List<Sample> in = Evaluator.floatsOnly(ev.evalVector(args.get(0), ts));
    List<Sample> out = new ArrayList<>(in.size());
    for (Sample s : in) {
      out.add(ev.withDroppedName(s.metric(), ts, f.applyAsDouble(s.f())));
    }
    return new VecVal(out);
  }

  private static VecVal timestamp(Evaluator ev, Expr arg, long ts) {
    Expr a = Evaluator.unwrapParens(arg);
    List<Sample> in = a instanceof VectorSelector vs ? ev.selectInstant(vs, ts, true) : ev.evalVector(a, ts);
    List<Sample> out = new ArrayList<>(in.size());
    for (Sample s : in) {
      out.add(ev.withDroppedName(s.metric(), ts, s.t() / 1000.0));
    }
    return new VecVal(out);
  }

  private static VecVal date(Evaluator ev, String name, List<Expr> args, long ts) {
    if (args.isEmpty()) {
      return new VecVal(List.of(new Sample(Labels.EMPTY, ts, dateField(name, ts / 1000.0))));
    }
    List<Sample> in = Evaluator.floatsOnly(ev.evalVector(args.get(0), ts));
    List<Sample> out = new ArrayList<>(in.size());
    for (Sample s : in) {
      out.add(ev.withDroppedName(s.metric(), ts, dateField(name, s.f())));
    }
    return new VecVal(out);
  }

  private static double dateField(String name, double seconds) {
    if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
      // Go converts NaN/Inf to int64 min; reproduce the year-of-min behaviour loosely.
      seconds = -9.223372036854775808E18 / 1e9;
    }
    ZonedDateTime t = Instant.ofEpochSecond((long) seconds).atZone(ZoneOffset.UTC);
    return switch (name) {
      case "days_in_month" -> t.toLocalDate().lengthOfMonth();
      case "day_of_month" -> t.getDayOfMonth();
      case "day_of_week" -> t.getDayOfWeek().getValue() % 7;
      case "day_of_year" -> t.getDayOfYear();
      case "hour" -> t.getHour();
      case "minute" -> t.getMinute();
      case "month" -> t.getMonthValue();
      case "year" -> t.getYear();
      default -> throw new IllegalStateException(name);
    };
  }

  private static VecVal sortByValue(Evaluator ev, Call c, long ts, boolean desc) {
    List<Sample> in = new ArrayList<>(Evaluator.floatsOnly(ev.evalVector(c.args().get(0), ts)));
    if (ev.isRangeQuery()) {
      ev.annos.warn(Annotations.sortInRangeQuery(), c.position().start());
    }
    in.sort((a, b) -> {
      boolean an = Double.isNaN(a.f());
      boolean bn = Double.isNaN(b.f());
      if (an || bn) {
        return an == bn ? 0 : an ? 1 : -1;
      }
      return desc ? Double.compare(b.f(), a.f()) : Double.compare(a.f(), b.f());
    });
    return new VecVal(in);
  }

  private static VecVal sortByLabel(Evaluator ev, Call c, long ts, boolean desc) {
    List<Expr> args = c.args();
    List<Sample> in = new ArrayList<>(ev.evalVector(args.get(0), ts));
    if (ev.isRangeQuery()) {
      ev.annos.warn(Annotations.sortInRangeQuery(), c.position().start());
    }
    List<String> names = new ArrayList<>();
    for (int i = 1; i < args.size(); i++) {
      names.add(((StringValue) ev.eval(args.get(i), ts)).s());
    }
    in.sort((a, b) -> {
      for (String l : names) {
        String x = a.metric().getOrEmpty(l);
        String y = b.metric().getOrEmpty(l);
        if (x.equals(y)) {
          continue;
        }
        int cmp = natCompare(x, y) ? -1 : 1;
        return desc ? -cmp : cmp;
      }
      int cmp = a.metric().compareTo(b.metric());
      return desc ? -cmp : cmp;
    });
    return new VecVal(in);
  }

  /** Natural-order "less than" (digits compared as numbers). */
  static boolean natCompare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      char ca = a.charAt(i);
      char cb = b.charAt(j);
      if (Character.isDigit(ca) && Character.isDigit(cb)) {
        int si = i;
        int sj = j;
        while (i < a.length() && Character.isDigit(a.charAt(i))) {
          i++;
        }
        while (j < b.length() && Character.isDigit(b.charAt(j))) {
          j++;
        }
        String na = a.substring(si, i).replaceFirst("^0+(?=.)", "");
        String nb = b.substring(sj, j).replaceFirst("^0+(?=.)", "");
        if (na.length() != nb.length()) {
          return na.length() < nb.length();
        }
        int c = na.compareTo(nb);
        if (c != 0) {
          return c < 0;
        }
      } else {
        if (ca != cb) {
          return ca < cb;
        }
        i++;
        j++;
      }
    }
    return a.length() - i < b.length() - j;
  }

  private static Pattern anchoredRegex(String re, String fn) {
    try {
      Re2Regex.compile("^(?s:" + re + ")$");
      try {
        return Pattern.compile("^(?s:" + re + ")$");
      } catch (java.util.regex.PatternSyntaxException e) {
        return Pattern.compile(Re2Regex.compile("^(?s:" + re + ")$").javaRegex());
      }
    } catch (RuntimeException e) {
      throw new QueryException(QueryException.Kind.EXECUTION, "invalid regular expression in " + fn + "(): " + re);
    }
  }

  private static VecVal labelReplace(Evaluator ev, List<Expr> args, long ts) {
    String dst = ((StringValue) ev.eval(args.get(1), ts)).s();
    String repl = ((StringValue) ev.eval(args.get(2), ts)).s();
    String src = ((StringValue) ev.eval(args.get(3), ts)).s();
    String re = ((StringValue) ev.eval(args.get(4), ts)).s();
    Pattern p = anchoredRegex(re, "label_replace");
    if (!Aggregations.isValidLabelName(dst)) {
      throw new QueryException(QueryException.Kind.EXECUTION, "invalid destination label name in label_replace(): " + dst);
    }
    List<Sample> in = ev.evalVector(args.get(0), ts);
    List<Sample> out = new ArrayList<>(in.size());
    for (Sample s : in) {
      String sv = s.metric().getOrEmpty(src);
      java.util.regex.Matcher m = p.matcher(sv);
      if (m.find()) {
        String res = RegexTemplates.expand(m, repl);
        Map<String, String> lm = Evaluator.mapOf(s.metric());
        lm.put(dst, res);
        boolean drop = dst.equals("__name__") ? false : s.dropName();
        out.add(s.withMetric(Evaluator.labelsOf(lm), drop));
      } else {
        out.add(s);
      }
    }
    checkNoDuplicates(out);
    return new VecVal(out);
  }

  private static void checkNoDuplicates(List<Sample> out) {
    Set<Labels> seen = new HashSet<>();
    for (Sample s : out) {
      if (!seen.add(s.metric())) {
        throw new QueryException(QueryException.Kind.EXECUTION, "vector cannot contain metrics with the same labelset");
      }
    }
  }

  private static VecVal labelJoin(Evaluator ev, List<Expr> args, long ts) {
    String dst = ((StringValue) ev.eval(args.get(1), ts)).s();
    String sep = ((StringValue) ev.eval(args.get(2), ts)).s();
    List<String> srcs = new ArrayList<>();
    for (int i = 3; i < args.size(); i++) {
      String s = ((StringValue) ev.eval(args.get(i), ts)).s();
      if (!Aggregations.isValidLabelName(s)) {
        throw new QueryException(QueryException.Kind.EXECUTION, "invalid source label name in label_join(): " + s);
      }
      srcs.add(s);
    }
    if (!Aggregations.isValidLabelName(dst)) {
      throw new QueryException(QueryException.Kind.EXECUTION, "invalid destination label name in label_join(): " + dst);
    }
    List<Sample> in = ev.evalVector(args.get(0), ts);
    List<Sample> out = new ArrayList<>(in.size());
    for (Sample s : in) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < srcs.size(); i++) {
        if (i > 0) {
          sb.append(sep);
        }
        sb.append(s.metric().getOrEmpty(srcs.get(i)));
      }
      Map<String, String> lm = Evaluator.mapOf(s.metric());
      lm.put(dst, sb.toString());
      boolean drop = dst.equals("__name__") ? false : s.dropName();
      out.add(s.withMetric(Evaluator.labelsOf(lm), drop));
    }
    checkNoDuplicates(out);
    return new VecVal(out);
  }

  static Labels absentLabels(Expr arg) {
    Expr a = Evaluator.unwrapParens(arg);
    List<Matcher> ms;
    if (a instanceof VectorSelector vs) {
      ms = vs.matchers();
    } else if (a instanceof MatrixSelector m) {
      ms = m.selector().matchers();
    } else {
      return Labels.EMPTY;
    }
    Map<String, String> out = new LinkedHashMap<>();
    Set<String> has = new HashSet<>();
    for (Matcher m : ms) {
      if (m.name().equals("__name__")) {
        continue;
      }
      if (m.type() == MatchType.EQ && !has.contains(m.name())) {
        out.put(m.name(), m.value());
        has.add(m.name());
      } else {
        out.remove(m.name());
      }
    }
    return Evaluator.labelsOf(out);
  }

  /**
   * Classic buckets grouped by series without {@code le}, in order of first appearance; the
   * native-histogram samples of {@code in} go to {@code natives}, except those whose labels equal
   * a classic group's: then neither is evaluated and a warning is given (Prometheus's
   * resetHistograms).
   */
  private static Map<Labels, List<double[]>> classicBuckets(
      Evaluator ev, List<Sample> in, Expr arg, List<Sample> natives) {
    Map<Labels, List<double[]>> groups = classicBuckets(ev, Evaluator.floatsOnly(in), arg);
    for (Sample s : in) {
      if (s.h() == null) {
        continue;
      }
      if (groups.containsKey(s.metric())) {
        String name = ev.delayedNameRemoval() ? s.metric().getOrEmpty("__name__") : "";
        ev.annos.warn(Annotations.mixedClassicNative(name), arg.position().start());
        groups.remove(s.metric());
        continue;
      }
      natives.add(s);
    }
    return groups;
  }

  private static void nativeNotice(Evaluator ev, NativeHistograms.Notice n, Sample s, Expr arg) {
    if (n == NativeHistograms.Notice.NONE) {
      return;
    }
    String name = ev.delayedNameRemoval() ? s.metric().getOrEmpty("__name__") : "";
    String msg = switch (n) {
      case QUANTILE_NAN_RESULT -> "input to histogram_quantile has NaN observations, result is NaN";
      case QUANTILE_NAN_SKEW -> "input to histogram_quantile has NaN observations, result is skewed higher";
      case FRACTION_NANS -> "input to histogram_fraction has NaN observations, which are excluded from all fractions";
      case NONE -> throw new IllegalStateException();
    };
    ev.annos.info(name.isEmpty() ? msg : msg + " for metric name " + Annotations.goQuote(name), arg.position().start());
  }

  private static Map<Labels, List<double[]>> classicBuckets(Evaluator ev, List<Sample> in, Expr arg) {
    Map<Labels, List<double[]>> groups = new LinkedHashMap<>();
    for (Sample s : in) {
      String le = s.metric().getOrEmpty("le");
      double upper;
      try {
        upper = parseGoFloat(le);
      } catch (NumberFormatException e) {
        String name = ev.delayedNameRemoval() ? s.metric().getOrEmpty("__name__") : "";
        ev.annos.warn(Annotations.badBucketLabel(name, le), arg.position().start());
        continue;
      }
      groups.computeIfAbsent(s.metric().without("le"), k -> new ArrayList<>()).add(new double[] {upper, s.f()});
    }
    return groups;
  }

  private static VecVal histogramQuantile(Evaluator ev, Call c, long ts) {
    double q = ev.evalScalar(c.args().get(0), ts);
    List<Sample> in = ev.evalVector(c.args().get(1), ts);
    if (Double.isNaN(q) || q < 0 || q > 1) {
      ev.annos.warn(Annotations.invalidQuantile(q), c.args().get(0).position().start());
    }
    List<Sample> out = new ArrayList<>();
    List<Sample> natives = new ArrayList<>();
    Map<Labels, List<double[]>> classic = classicBuckets(ev, in, c.args().get(1), natives);
    for (Sample s : natives) {
      NativeHistograms.Result r = NativeHistograms.quantile(q, s.h());
      nativeNotice(ev, r.notice(), s, c.args().get(1));
      out.add(ev.withDroppedName(s.metric(), ts, r.value()));
    }
    for (Map.Entry<Labels, List<double[]>> e : classic.entrySet()) {
      List<double[]> b = e.getValue();
      double[] upper = new double[b.size()];
      double[] counts = new double[b.size()];
      for (int i = 0; i < b.size(); i++) {
        upper[i] = b.get(i)[0];
        counts[i] = b.get(i)[1];
      }
      BucketQuantile.Result r = BucketQuantile.quantile(q, upper, counts, upper.length);
      if (r.forcedMonotonic()) {
        String name = ev.delayedNameRemoval() ? e.getKey().getOrEmpty("__name__") : "";
        ev.annos.info(Annotations.forcedMonotonicity(name), c.args().get(1).position().start());
      }
      out.add(ev.withDroppedName(e.getKey(), ts, r.quantile()));
    }
    return new VecVal(out);
  }

  private static VecVal histogramQuantiles(Evaluator ev, Call c, long ts) {
    List<Expr> args = c.args();
    List<Sample> in = ev.evalVector(args.get(0), ts);
    String label = ((StringValue) ev.eval(args.get(1), ts)).s();
    double[] qs = new double[args.size() - 2];
    for (int i = 2; i < args.size(); i++) {
      qs[i - 2] = ev.evalScalar(args.get(i), ts);
      if (Double.isNaN(qs[i - 2]) || qs[i - 2] < 0 || qs[i - 2] > 1) {
        ev.annos.warn(Annotations.invalidQuantile(qs[i - 2]), args.get(i).position().start());
      }
    }
    List<Sample> natives = new ArrayList<>();
    Map<Labels, List<double[]>> groups = classicBuckets(ev, in, args.get(0), natives);
    List<Sample> out = new ArrayList<>();
    for (double q : qs) {
      for (Sample s : natives) {
        NativeHistograms.Result r = NativeHistograms.quantile(q, s.h());
        nativeNotice(ev, r.notice(), s, args.get(0));
        Map<String, String> m = Evaluator.mapOf(s.metric());
        m.put(label, openMetricsFloat(q));
        out.add(ev.withDroppedName(Evaluator.labelsOf(m), ts, r.value()));
      }
      for (Map.Entry<Labels, List<double[]>> e : groups.entrySet()) {
        List<double[]> b = e.getValue();
        double[] upper = new double[b.size()];
        double[] counts = new double[b.size()];
        for (int i = 0; i < b.size(); i++) {
          upper[i] = b.get(i)[0];
          counts[i] = b.get(i)[1];
        }
        BucketQuantile.Result r = BucketQuantile.quantile(q, upper, counts, upper.length);
        if (r.forcedMonotonic()) {
          String name = ev.delayedNameRemoval() ? e.getKey().getOrEmpty("__name__") : "";
          ev.annos.info(Annotations.forcedMonotonicity(name), args.get(0).position().start());
        }
        Map<String, String> m = Evaluator.mapOf(e.getKey());
        m.put(label, openMetricsFloat(q));
        out.add(ev.withDroppedName(Evaluator.labelsOf(m), ts, r.quantile()));
      }
    }
    return new VecVal(out);
  }

  /** Prometheus's {@code labels.FormatOpenMetricsFloat}: integers get ".0". */
  static String openMetricsFloat(double f) {
    if (Double.isNaN(f)) {
      return "NaN";
    }
    if (Double.isInfinite(f)) {
      return f > 0 ? "+Inf" : "-Inf";
    }
    String s = Aggregations.formatFloatF(f);
    if (f == Math.rint(f) && !s.contains(".")) {
      return s + ".0";
    }
    return s;
  }

  private static VecVal histogramFraction(Evaluator ev, Call c, long ts) {
    double lower = ev.evalScalar(c.args().get(0), ts);
    double upperQ = ev.evalScalar(c.args().get(1), ts);
    List<Sample> in = ev.evalVector(c.args().get(2), ts);
    List<Sample> out = new ArrayList<>();
    List<Sample> natives = new ArrayList<>();
    Map<Labels, List<double[]>> classic = classicBuckets(ev, in, c.args().get(2), natives);
    for (Sample s : natives) {
      NativeHistograms.Result r = NativeHistograms.fraction(lower, upperQ, s.h());
      nativeNotice(ev, r.notice(), s, c.args().get(2));
      out.add(ev.withDroppedName(s.metric(), ts, r.value()));
    }
    for (Map.Entry<Labels, List<double[]>> e : classic.entrySet()) {
      List<double[]> b = e.getValue();
      double[] upper = new double[b.size()];
      double[] counts = new double[b.size()];
      for (int i = 0; i < b.size(); i++) {
        upper[i] = b.get(i)[0];
        counts[i] = b.get(i)[1];
      }
      out.add(ev.withDroppedName(e.getKey(), ts, BucketQuantile.fraction(lower, upperQ, upper, counts, upper.length)));
    }
    return new VecVal(out);
  }

  static double parseGoFloat(String s) {
    String t = s.trim();
    String lower = t.toLowerCase(java.util.Locale.ROOT);
    switch (lower) {
      case "+inf", "inf", "+infinity", "infinity" -> {
        return Double.POSITIVE_INFINITY;
      }
      case "-inf", "-infinity" -> {
        return Double.NEGATIVE_INFINITY;
      }
      case "nan", "+nan", "-nan" -> {
        return Double.NaN;
      }
      default -> {}
    }
    if (t.isEmpty() || t.endsWith("d") || t.endsWith("D") || t.endsWith("f") || t.endsWith("F")) {
      throw new NumberFormatException(s);
    }
    return Double.parseDouble(t);
  }

  // ---------------------------------------------------------------- range-vector functions

  /**
   * A range function over a series holding native histograms. True when the series is dealt
   * with (a result added or none due); false to go on with its float points alone.
   */
  private static boolean histogramRange(Evaluator ev, String name, Points p, long ts, long rangeStart, long rangeEnd,
      long rangeMs, int argPos, boolean extended, boolean keepName, List<Sample> out) {
    int hn = p.hn;
    FloatHistogram[] hs = p.hs;
    String metricName = p.metric.getOrEmpty("__name__");
    switch (name) {
      case "rate", "increase", "delta" -> {
        if (extended) {
          return true; // anchored/smoothed rates of histograms are not supported
        }
        if (p.n > 0) {
          ev.annos.warn(Annotations.mixedFloatsHistograms(metricName), argPos);
          return true;
        }
        if (hn < 2) {
          return true;
        }
        boolean counter = !name.equals("delta");
        FloatHistogram h = histogramDelta(ev, argPos, hs, hn, counter);
        if (counter) {
          for (int i = 0; i < hn; i++) {
            if (hs[i].counterResetHint() == FloatHistogram.CounterResetHint.GAUGE) {
              ev.annos.warn(Annotations.histogramNotCounter(metricName), argPos);
              break;
            }
          }
        } else if (!isGauge(hs[0]) || !isGauge(hs[hn - 1])) {
          ev.annos.warn(Annotations.histogramNotGauge(metricName), argPos);
        }
        if (h == null) {
          return true;
        }
        h = h.withCounterResetHint(FloatHistogram.CounterResetHint.GAUGE);
        double factor = RangeKernels.histogramRateFactor(p.ht, 0, hn, rangeStart, rangeEnd, counter,
            name.equals("rate"), rangeMs / 1000.0, hs[0].count(), h.count());
        addHistogram(ev, p, ts, h.mul(factor), false, out);
        return true;
      }
      case "count_over_time" -> {
        out.add(ev.withDroppedName(p.metric, ts, p.n + hn));
        return true;
      }
      case "present_over_time" -> {
        out.add(ev.withDroppedName(p.metric, ts, 1));
        return true;
      }
      case "last_over_time", "first_over_time" -> {
        boolean last = name.startsWith("last");
        long th = last ? p.ht[hn - 1] : p.ht[0];
        if (p.n > 0 && (last ? p.t[p.n - 1] > th : p.t[0] < th)) {
          return false;
        }
        addHistogram(ev, p, ts, last ? hs[hn - 1] : hs[0], keepName, out);
        return true;
      }
      case "ts_of_last_over_time", "ts_of_first_over_time" -> {
        long tt = name.equals("ts_of_last_over_time")
            ? Math.max(p.ht[hn - 1], p.n > 0 ? p.t[p.n - 1] : Long.MIN_VALUE)
            : Math.min(p.ht[0], p.n > 0 ? p.t[0] : Long.MAX_VALUE);
        out.add(ev.withDroppedName(p.metric, ts, tt / 1000.0));
        return true;
      }
      case "sum_over_time", "avg_over_time" -> {
        if (p.n > 0) {
          ev.annos.warn(Annotations.mixedFloatsHistograms(metricName), argPos);
          return true;
        }
        FloatHistogram sum = hs[0];
        for (int i = 1; i < hn; i++) {
          if (!sum.addable(hs[i])) {
            return true;
          }
          if (sum.customBoundsDiffer(hs[i])) {
            ev.annos.info(Annotations.mismatchedCustomBuckets("aggregation"), argPos);
          }
          sum = sum.addScaled(hs[i], 1);
        }
        addHistogram(ev, p, ts, name.equals("avg_over_time") ? sum.div(hn) : sum, false, out);
        return true;
      }
      case "resets", "changes" -> {
        if (p.n > 0 || extended) {
          return p.n == 0;
        }
        int c = 0;
        for (int i = 1; i < hn; i++) {
          if (name.equals("resets") ? hs[i].detectReset(hs[i - 1]) : !hs[i].equals(hs[i - 1])) {
            c++;
          }
        }
        out.add(ev.withDroppedName(p.metric, ts, c));
        return true;
      }
      case "irate", "idelta" -> {
        if (p.n > 0) {
          return false;
        }
        if (hn < 2 || p.ht[hn - 1] == p.ht[hn - 2]) {
          return true;
        }
        FloatHistogram last = hs[hn - 1];
        FloatHistogram prev = hs[hn - 2];
        boolean rate = name.equals("irate");
        if (rate && (isGauge(last) || isGauge(prev))) {
          ev.annos.warn(Annotations.histogramNotCounter(metricName), argPos);
        }
        if (!rate && (!isGauge(last) || !isGauge(prev))) {
          ev.annos.warn(Annotations.histogramNotGauge(metricName), argPos);
        }
        FloatHistogram r;
        if (rate && last.detectReset(prev)) {
          r = last;
        } else if (last.addable(prev)) {
          if (last.customBoundsDiffer(prev)) {
            ev.annos.info(Annotations.mismatchedCustomBuckets("subtraction"), argPos);
          }
          r = last.addScaled(prev, -1);
        } else {
          return true;
        }
        r = r.withCounterResetHint(FloatHistogram.CounterResetHint.GAUGE);
        if (rate) {
          r = r.div((p.ht[hn - 1] - p.ht[hn - 2]) / 1000.0);
        }
        addHistogram(ev, p, ts, r, false, out);
        return true;
      }
      default -> {
        // float-only functions: histograms are ignored, with a notice when floats remain
        if (p.n > 0) {
          ev.annos.info("ignored histograms in a range containing both floats and histograms for metric name "
              + Annotations.goQuote(metricName), argPos);
        }
        return p.n == 0;
      }
    }
  }

  private static boolean isGauge(FloatHistogram h) {
    return h.counterResetHint() == FloatHistogram.CounterResetHint.GAUGE;
  }

  /**
   * last minus first of {@code hs[0..n)}, plus (counters) the value before every reset; null
   * when the bucket layouts differ.
   */
  private static @Nullable FloatHistogram histogramDelta(
      Evaluator ev, int argPos, FloatHistogram[] hs, int n, boolean counter) {
    FloatHistogram prev = hs[0];
    FloatHistogram last = hs[n - 1];
    if (counter && hs[1].detectReset(prev)) {
      prev = hs[1].mul(0);
    }
    for (int i = 1; i < n; i++) {
      if (!hs[i].addable(last)) {
        return null;
      }
    }
    if (!prev.addable(last)) {
      return null;
    }
    if (last.customBoundsDiffer(prev)) {
      ev.annos.info(Annotations.mismatchedCustomBuckets("subtraction"), argPos);
    }
    FloatHistogram h = last.addScaled(prev, -1);
    if (counter) {
      for (int i = 1; i < n; i++) {
        if (hs[i].detectReset(prev)) {
          if (h.customBoundsDiffer(prev)) {
            ev.annos.info(Annotations.mismatchedCustomBuckets("addition"), argPos);
          }
          h = h.addScaled(prev, 1);
        }
        prev = hs[i];
      }
    }
    return h;
  }

  private static void addHistogram(Evaluator ev, Points p, long ts, FloatHistogram h, boolean keepName,
      List<Sample> out) {
    if (keepName && !p.dropName) {
      out.add(Sample.histogram(p.metric, ts, h, false));
    } else {
      Sample named = ev.withDroppedName(p.metric, ts, 0);
      out.add(Sample.histogram(named.metric(), ts, h, named.dropName()));
    }
  }

  private static Object rangeFunction(Evaluator ev, Call c, long ts) {
    String name = c.function().name();
    List<Expr> args = c.args();
    int matrixArg = -1;
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).type() == dev.hypnos.promql.parser.ValueType.MATRIX) {
        matrixArg = i;
        break;
      }
    }
    if (matrixArg < 0) {
      throw new QueryException(QueryException.Kind.EXECUTION, "function " + name + " is not supported");
    }
    double[] scalars = new double[args.size()];
    for (int i = 0; i < args.size(); i++) {
      if (i != matrixArg) {
        scalars[i] = ev.evalScalar(args.get(i), ts);
      }
    }
    Expr marg = Evaluator.unwrapParens(args.get(matrixArg));
    boolean anchored = marg instanceof MatrixSelector m0 && m0.selector().anchored();
    boolean smoothed = marg instanceof MatrixSelector m1 && m1.selector().smoothed();
    if (anchored && !Set.of("changes", "delta", "increase", "rate", "resets").contains(name)) {
      throw new QueryException(QueryException.Kind.EXECUTION,
          "anchored modifier can only be used with: changes, delta, increase, rate, resets - not with " + name);
    }
    if (smoothed && !Set.of("delta", "increase", "rate").contains(name)) {
      throw new QueryException(QueryException.Kind.EXECUTION,
          "smoothed modifier can only be used with: delta, increase, rate - not with " + name);
    }
    RangeVal rv = ev.evalRange(marg, ts);
    long rangeMs;
    long offsetMs;
    long ref;
    if (marg instanceof MatrixSelector ms) {
      rangeMs = ms.rangeMs();
      offsetMs = ms.selector().offsetMs();
      ref = ev.refTime(ms.selector().at(), offsetMs, ts);
    } else if (marg instanceof SubqueryExpr sq) {
      rangeMs = sq.rangeMs();
      offsetMs = sq.offsetMs();
      ref = ev.refTime(sq.at(), offsetMs, ts);
    } else {
      throw new QueryException(QueryException.Kind.EXECUTION, "unexpected range argument " + marg);
    }
    if (name.equals("absent_over_time")) {
      if (!rv.series().isEmpty()) {
        return new VecVal(List.of());
      }
      return new VecVal(List.of(new Sample(absentLabels(marg), ts, 1)));
    }
    boolean keepName = name.equals("last_over_time") || name.equals("first_over_time");
    int argPos = args.get(matrixArg).position().start();
    if (name.equals("quantile_over_time")) {
      double q = scalars[0];
      if ((Double.isNaN(q) || q < 0 || q > 1) && !rv.series().isEmpty()) {
        ev.annos.warn(Annotations.invalidQuantile(q), argPos);
      }
    }
    if (name.equals("double_exponential_smoothing") || name.equals("holt_winters")) {
      double sf = scalars[1];
      double tf = scalars[2];
      if (sf <= 0 || sf >= 1) {
        throw new QueryException(QueryException.Kind.EXECUTION,
            "invalid smoothing factor. Expected: 0 < sf < 1, got: " + String.format(java.util.Locale.ROOT, "%f", sf));
      }
      if (tf <= 0 || tf >= 1) {
        throw new QueryException(QueryException.Kind.EXECUTION,
            "invalid trend factor. Expected: 0 < tf < 1, got: " + String.format(java.util.Locale.ROOT, "%f", tf));
      }
    }
    List<Sample> out = new ArrayList<>(rv.series().size());
    double[] reg = new double[2];
    for (Points p : rv.series()) {
      int n = p.n;
      if (p.hn > 0 && histogramRange(ev, name, p, ts, ref - rangeMs, ref, rangeMs, argPos, anchored || smoothed,
          keepName, out)) {
        continue;
      }
      if (n == 0) {
        continue;
      }
      double v;
      switch (name) {
        case "rate", "increase", "delta" -> {
          boolean counter = !name.equals("delta");
          if (anchored || smoothed) {
            Double r = RangeKernels.extendedRate(p.t, p.v, n, ref - rangeMs, ref, smoothed, counter, name.equals("rate"),
                rangeMs / 1000.0);
            if (r == null) {
              continue;
            }
            v = r;
            break;
          }
          if (n < 2) {
            continue;
          }
          if (counter) {
            String metricName = p.metric.getOrEmpty("__name__");
            if (notCounterName(metricName)) {
              ev.annos.info(Annotations.possibleNonCounter(metricName), argPos);
            }
          }
          v = RangeKernels.extrapolatedRate(p.t, p.v, 0, n, ref - rangeMs, ref, counter, name.equals("rate"),
              rangeMs / 1000.0);
        }
        case "irate", "idelta" -> {
          if (n < 2 || p.t[n - 1] == p.t[n - 2]) {
            continue;
          }
          v = RangeKernels.instantValue(p.t, p.v, 0, n, name.equals("irate"));
        }
        case "resets", "changes" -> {
          int first = 0;
          if (anchored) {
            first = RangeKernels.anchoredFirst(p.t, n, ref - rangeMs);
            if (first < 0) {
              continue;
            }
          }
          v = name.equals("resets") ? RangeKernels.resets(p.v, first, n) : RangeKernels.changes(p.v, first, n);
        }
        case "deriv" -> {
          if (n < 2) {
            continue;
          }
          RangeKernels.linearRegression(p.t, p.v, 0, n, p.t[0], reg);
          v = reg[0];
        }
        case "predict_linear" -> {
          if (n < 2) {
            continue;
          }
          RangeKernels.linearRegression(p.t, p.v, 0, n, ts, reg);
          v = reg[0] * scalars[1] + reg[1];
        }
        case "avg_over_time" -> v = RangeKernels.avg(p.v, 0, n);
        case "sum_over_time" -> v = RangeKernels.sum(p.v, 0, n);
        case "min_over_time" -> v = RangeKernels.min(p.v, 0, n);
        case "max_over_time" -> v = RangeKernels.max(p.v, 0, n);
        case "count_over_time" -> v = n;
        case "last_over_time" -> v = p.v[n - 1];
        case "first_over_time" -> v = p.v[0];
        case "present_over_time" -> v = 1;
        case "stddev_over_time" -> v = Math.sqrt(RangeKernels.variance(p.v, 0, n));
        case "stdvar_over_time" -> v = RangeKernels.variance(p.v, 0, n);
        case "mad_over_time" -> v = RangeKernels.mad(p.v, 0, n);
        case "quantile_over_time" -> v = RangeKernels.quantile(scalars[0], java.util.Arrays.copyOf(p.v, n), n);
        case "ts_of_max_over_time" -> v = RangeKernels.tsOfExtreme(p.t, p.v, 0, n, false);
        case "ts_of_min_over_time" -> v = RangeKernels.tsOfExtreme(p.t, p.v, 0, n, true);
        case "ts_of_first_over_time" -> v = p.t[0] / 1000.0;
        case "ts_of_last_over_time" -> v = p.t[n - 1] / 1000.0;
        case "double_exponential_smoothing", "holt_winters" -> {
          if (n < 2) {
            continue;
          }
          v = RangeKernels.doubleExponentialSmoothing(p.v, 0, n, scalars[1], scalars[2]);
        }
        default -> throw new QueryException(QueryException.Kind.EXECUTION, "function " + name + " is not supported");
      }
      if (keepName && !p.dropName) {
        out.add(new Sample(p.metric, ts, v, false));
      } else {
        out.add(ev.withDroppedName(p.metric, ts, v));
      }
    }
    return new VecVal(out);
  }

  /**
   * True for a metric name that does not look like a counter's (Prometheus's "possible non-counter"
   * info for rate and increase): not empty and not ending in _total, _sum, _count or _bucket.
   */
  static boolean notCounterName(String metricName) {
    return !metricName.isEmpty() && !(metricName.endsWith("_total") || metricName.endsWith("_sum")
        || metricName.endsWith("_count") || metricName.endsWith("_bucket"));
  }
}
