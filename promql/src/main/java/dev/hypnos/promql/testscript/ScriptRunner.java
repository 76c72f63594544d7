package dev.hypnos.promql.testscript;

import dev.hypnos.core.chunk.Values;
import dev.hypnos.core.histogram.FloatHistogram;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.storage.MemoryStorage;
import dev.hypnos.promql.engine.Annotations;
import dev.hypnos.promql.engine.Engine;
import dev.hypnos.promql.engine.EngineOptions;
import dev.hypnos.promql.engine.FPoint;
import dev.hypnos.promql.engine.HPoint;
import dev.hypnos.promql.engine.Matrix;
import dev.hypnos.promql.engine.QueryResult;
import dev.hypnos.promql.engine.RangeSeries;
import dev.hypnos.promql.engine.Sample;
import dev.hypnos.promql.engine.Scalar;
import dev.hypnos.promql.engine.StringValue;
import dev.hypnos.promql.engine.Value;
import dev.hypnos.promql.engine.Vector;
import dev.hypnos.promql.parser.Expr;
import dev.hypnos.promql.parser.ParserOptions;
import dev.hypnos.promql.parser.Printer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Runs PromQL test scripts (Prometheus's {@code promqltest} format) against an in-memory storage
 * and the {@link Engine}, reporting each {@code eval} separately.
 *
 * <p>Engine settings follow the Go harness: lookback 5m, subquery resolution 1m, 10 000 samples
 * max, 100 s timeout, every parser feature on, delayed name removal on (unless {@code features}
 * says otherwise), and the harness's extra checks on instant evals ({@link #EXTRA_CHECKS}).
 * Native histograms ({@code {{...}}} values and the NHCBs of {@code load_with_nhcb}) are loaded
 * and compared; evals whose expected histograms state a counter-reset hint are skipped.
 *
 * <p>Concurrency: not thread-safe.
 */
public final class ScriptRunner {
  /** Feature name turning on delayed name removal. */
  public static final String DELAYED_NAME_REMOVAL = "promql-delayed-name-removal";

  /**
   * Runs the Go harness's extra checks on instant evals: the same result with {@code @ t} added
   * to every selector at other evaluation times, and the same point at t in a range query.
   */
  public static final String EXTRA_CHECKS = "promqltest-extra-checks";

  /** The features the Go harness enables. */
  public static final Set<String> HARNESS_FEATURES = Set.of(
      ParserOptions.EXPERIMENTAL_FUNCTIONS, ParserOptions.DURATION_EXPR, ParserOptions.EXTENDED_RANGE_SELECTORS,
      ParserOptions.BINOP_FILL_MODIFIERS, DELAYED_NAME_REMOVAL, EXTRA_CHECKS);

  private ScriptRunner() {}

  /** Engine options for {@code features} as the harness builds its engine. */
  public static EngineOptions engineOptions(Set<String> features) {
    Set<String> parser = new HashSet<>(features);
    parser.remove(DELAYED_NAME_REMOVAL);
    parser.remove(EXTRA_CHECKS);
    return new EngineOptions(Duration.ofMinutes(5), 10_000, Duration.ofSeconds(100), Duration.ofMinutes(1),
        features.contains(DELAYED_NAME_REMOVAL), new ParserOptions(parser));
  }

  /** Runs every file; a file that cannot be read or parsed yields one failed result. */
  public static List<EvalResult> run(List<Path> files, Set<String> features) {
    List<EvalResult> out = new ArrayList<>();
    for (Path f : files) {
      String name = f.getFileName().toString();
      String text;
      try {
        text = Files.readString(f, StandardCharsets.UTF_8);
      } catch (IOException e) {
        out.add(new EvalResult(name, 0, "", EvalResult.Status.FAILED, "read script " + f + ": " + e.getMessage()));
        continue;
      }
      out.addAll(runScript(name, text, features));
    }
    return out;
  }

  /** Runs one script given as text. */
  public static List<EvalResult> runScript(String name, String text, Set<String> features) {
    List<Command> cmds;
    try {
      cmds = ScriptParser.parse(text);
    } catch (ScriptException e) {
      return List.of(new EvalResult(name, e.line(), "", EvalResult.Status.FAILED, "parse script: " + e.getMessage()));
    }
    Engine engine = new Engine(engineOptions(features));
    Map<Labels, TreeMap<Long, Double>> data = new TreeMap<>();
    Map<Labels, TreeMap<Long, FloatHistogram>> histograms = new TreeMap<>();
    MemoryStorage storage = new MemoryStorage();
    boolean dirty = false;
    List<EvalResult> out = new ArrayList<>();
    for (Command c : cmds) {
      switch (c) {
        case Command.Clear cl -> {
          data.clear();
          histograms.clear();
          dirty = true;
        }
        case Command.Load l -> {
          Map<Labels, SeriesLine> block = new LinkedHashMap<>();
          for (SeriesLine s : l.series()) {
            block.put(s.labels(), s);
          }
          for (SeriesLine s : block.values()) {
            TreeMap<Long, Double> m = data.computeIfAbsent(s.labels(), k -> new TreeMap<>());
            for (int i = 0; i < s.slots(); i++) {
              if (!s.present()[i]) {
                continue;
              }
              long t = i * l.intervalMs();
              FloatHistogram h = s.histogramAt(i);
              if (h != null) {
                histograms.computeIfAbsent(s.labels(), k -> new TreeMap<>()).put(t, h);
                m.remove(t);
              } else {
                m.put(t, s.values()[i]);
                TreeMap<Long, FloatHistogram> hm = histograms.get(s.labels());
                if (hm != null) {
                  hm.remove(t);
                }
              }
            }
          }
          if (l.withNhcb()) {
            NhcbConverter.convert(block.values(), l.intervalMs()).forEach((labels, samples) ->
                histograms.computeIfAbsent(labels, k -> new TreeMap<>()).putAll(samples));
          }
          dirty = true;
        }
        case Command.Eval e -> {
          if (dirty) {
            storage.clear();
            appendAll(storage, data, histograms);
            dirty = false;
          }
          out.add(runEval(name, engine, storage, e, features.contains(EXTRA_CHECKS)));
        }
      }
    }
    return out;
  }

  /** Appends float and histogram samples, per series in time order (a histogram wins a shared timestamp). */
  private static void appendAll(MemoryStorage storage, Map<Labels, TreeMap<Long, Double>> floats,
      Map<Labels, TreeMap<Long, FloatHistogram>> histograms) {
    Set<Labels> all = new java.util.TreeSet<>(floats.keySet());
    all.addAll(histograms.keySet());
    for (Labels labels : all) {
      TreeMap<Long, Object> merged = new TreeMap<>();
      floats.getOrDefault(labels, new TreeMap<>()).forEach(merged::put);
      histograms.getOrDefault(labels, new TreeMap<>()).forEach(merged::put);
      merged.forEach((t, v) -> {
        if (v instanceof FloatHistogram h) {
          storage.appendHistogram(labels, t, h);
        } else {
          storage.append(labels, t, (Double) v);
        }
      });
    }
  }

  private static EvalResult runEval(String file, Engine engine, MemoryStorage storage, Command.Eval e,
      boolean extraChecks) {
    try {
      String problem = check(engine, storage, e);
      if (problem == null && extraChecks && !e.range() && e.fail() == null) {
        problem = extraChecks(engine, storage, e);
      }
      if (problem == null) {
        return new EvalResult(file, e.line(), e.expr(), EvalResult.Status.PASSED, "");
      }
      return new EvalResult(file, e.line(), e.expr(), EvalResult.Status.FAILED, problem);
    } catch (RuntimeException | StackOverflowError ex) {
      return new EvalResult(file, e.line(), e.expr(), EvalResult.Status.FAILED,
          "internal error: " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
    }
  }

  /** Null when the eval passes, else a description of the difference. */
  private static String check(Engine engine, MemoryStorage storage, Command.Eval e) {
    QueryResult result;
    long evalTime = e.rangeVector() != null ? e.rangeVector()[1] : e.start();
    try {
      Expr expr = engine.parse(e.expr());
      if (e.range()) {
        result = engine.rangeQuery(storage, expr, e.expr(), e.start(), e.end(), e.stepMs(),
            new java.util.concurrent.atomic.AtomicBoolean());
      } else {
        result = engine.instantQuery(storage, expr, e.expr(), evalTime, new java.util.concurrent.atomic.AtomicBoolean());
      }
    } catch (RuntimeException ex) {
      if (ex instanceof ClassCastException || ex instanceof NullPointerException
          || ex instanceof IndexOutOfBoundsException || ex instanceof IllegalStateException) {
        if (e.fail() == null) {
          throw ex;
        }
      }
      String msg = String.valueOf(ex.getMessage());
      if (e.fail() == null) {
        return "unexpected error: " + msg;
      }
      if (!e.fail().matches(msg.strip())) {
        return "expected error " + e.fail() + ", got: " + msg;
      }
      return null;
    }
    if (e.fail() != null) {
      return "expected error " + e.fail() + " but query succeeded with " + describe(result.value());
    }
    String annoProblem = checkAnnotations(e, result.annotations());
    if (annoProblem != null) {
      return annoProblem;
    }
    return compare(e, result.value());
  }

  private static final java.util.regex.Pattern CONTEXT_FUNCS = java.util.regex.Pattern.compile("(start|end|range|step)\\(\\)");

  private static String extraChecks(Engine engine, MemoryStorage storage, Command.Eval e) {
    long t = e.rangeVector() != null ? e.rangeVector()[1] : e.start();
    Expr parsed = engine.parse(e.expr());
    Expr rewritten = AtRewriter.rewrite(parsed, t);
    if (rewritten != null) {
      String text = Printer.print(rewritten);
      Expr again = engine.parse(text);
      long[] times = t == 0 ? new long[] {-1000, 0, 1000} : new long[] {-10 * t, 0, t / 5, t, 10 * t};
      for (long et : times) {
        QueryResult r;
        try {
          r = engine.instantQuery(storage, again, text, et, new java.util.concurrent.atomic.AtomicBoolean());
        } catch (RuntimeException ex) {
          return "step invariance: " + text + " at " + et + ": unexpected error: " + ex.getMessage();
        }
        String p = checkAnnotations(e, r.annotations(), text);
        if (p == null) {
          p = compare(e, r.value());
        }
        if (p != null) {
          return "step invariance: " + text + " at " + et + ": " + p;
        }
      }
    }
    if (e.ordered() || e.rangeVector() != null || e.expectedString() != null || CONTEXT_FUNCS.matcher(e.expr()).find()) {
      return null;
    }
    QueryResult r;
    try {
      r = engine.rangeQuery(storage, parsed, e.expr(), t - 60_000, t + 60_000, 60_000,
          new java.util.concurrent.atomic.AtomicBoolean());
    } catch (RuntimeException ex) {
      return "range mode: unexpected error: " + ex.getMessage();
    }
    Matrix m = (Matrix) r.value();
    List<Sample> vec = new ArrayList<>();
    for (RangeSeries s : m.series()) {
      for (FPoint p : s.points()) {
        if (p.t() == t) {
          vec.add(new Sample(s.metric(), t, p.f()));
          break;
        }
      }
      for (HPoint p : s.histograms()) {
        if (p.t() == t) {
          vec.add(Sample.histogram(s.metric(), t, p.h(), false));
          break;
        }
      }
    }
    String p;
    if (e.expectedScalar() != null) {
      p = vec.isEmpty() ? "range mode: no point at " + t : compare(e, new Scalar(t, vec.get(0).f()));
    } else {
      p = compare(e, new Vector(vec));
    }
    return p == null ? null : "range mode: " + p;
  }

  private static String checkAnnotations(Command.Eval e, Annotations annos) {
    return checkAnnotations(e, annos, e.expr());
  }

  private static String checkAnnotations(Command.Eval e, Annotations annos, String query) {
    List<String> warns = annos.rendered(Annotations.Kind.WARNING, query);
    List<String> infos = annos.rendered(Annotations.Kind.INFO, query);
    if (e.noWarn() && !warns.isEmpty()) {
      return "expected no warnings, got " + warns;
    }
    if (e.noInfo() && !infos.isEmpty()) {
      return "expected no infos, got " + infos;
    }
    String p = matchAnnotations("warning", e.warns(), warns);
    if (p != null) {
      return p;
    }
    return matchAnnotations("info", e.infos(), infos);
  }

  private static String matchAnnotations(String kind, List<Command.Expect> expects, List<String> got) {
    if (expects.isEmpty()) {
      return null;
    }
    if (got.isEmpty()) {
      return "expected " + kind + " " + expects + ", got none";
    }
    for (String g : got) {
      boolean any = false;
      for (Command.Expect x : expects) {
        any |= x.matches(g);
      }
      if (!any) {
        return "unexpected " + kind + " " + g + " (expected " + expects + ")";
      }
    }
    for (Command.Expect x : expects) {
      boolean any = false;
      for (String g : got) {
        any |= x.matches(g);
      }
      if (!any) {
        return "expected " + kind + " " + x + ", got " + got;
      }
    }
    return null;
  }

  private static String describe(Value v) {
    return switch (v) {
      case Scalar s -> "scalar " + FloatCompare.format(s.v());
      case StringValue s -> "string \"" + s.s() + "\"";
      case Vector vec -> "vector " + vec.samples();
      case Matrix m -> "matrix " + m.series();
    };
  }

  private static String compare(Command.Eval e, Value got) {
    if (e.expectedString() != null) {
      if (got instanceof StringValue s && s.s().equals(e.expectedString())) {
        return null;
      }
      return "expected string \"" + e.expectedString() + "\", got " + describe(got);
    }
    if (e.expectedScalar() != null) {
      if (got instanceof Scalar s) {
        return FloatCompare.equal(e.expectedScalar(), s.v()) ? null
            : "expected scalar " + FloatCompare.format(e.expectedScalar()) + " but got " + FloatCompare.format(s.v());
      }
      return "expected scalar " + FloatCompare.format(e.expectedScalar()) + ", got " + describe(got);
    }
    return switch (got) {
      case Scalar s -> "expected vector or matrix result, but got " + describe(got);
      case StringValue s -> "expected vector or matrix result, but got " + describe(got);
      case Vector v -> e.range() ? "range query returned a vector" : compareVector(e, v);
      case Matrix m -> compareMatrix(e, m);
    };
  }

  private static String compareVector(Command.Eval e, Vector v) {
    Map<Labels, Integer> pos = new HashMap<>();
    Map<Labels, SeriesLine> exp = new HashMap<>();
    for (int i = 0; i < e.expected().size(); i++) {
      SeriesLine s = e.expected().get(i);
      exp.put(s.labels(), s);
      pos.put(s.labels(), i);
    }
    Set<Labels> seen = new HashSet<>();
    for (int i = 0; i < v.samples().size(); i++) {
      Sample s = v.samples().get(i);
      SeriesLine x = exp.get(s.metric());
      if (x == null) {
        return "unexpected metric " + s.metric() + " in result, has value " + FloatCompare.format(s.f())
            + " (expected " + e.expected() + ")";
      }
      if (e.ordered() && pos.get(s.metric()) != i) {
        return "expected metric " + s.metric() + " at position " + (pos.get(s.metric()) + 1) + " but was at " + (i + 1);
      }
      if (x.slots() < 1 || !x.present()[0]) {
        return "expected no value for " + s.metric();
      }
      FloatHistogram wantH = x.histogramAt(0);
      if (wantH != null || s.h() != null) {
        if (wantH == null || s.h() == null || !histogramsEqual(wantH, s.h(), x.hintSet()[0])) {
          return "expected " + (wantH != null ? wantH : FloatCompare.format(x.values()[0])) + " for " + s.metric()
              + " but got " + (s.h() != null ? s.h() : FloatCompare.format(s.f()));
        }
        seen.add(s.metric());
        continue;
      }
      if (!FloatCompare.equal(x.values()[0], s.f())) {
        return "expected " + FloatCompare.format(x.values()[0]) + " for " + s.metric() + " but got "
            + FloatCompare.format(s.f());
      }
      seen.add(s.metric());
    }
    for (SeriesLine x : e.expected()) {
      if (!seen.contains(x.labels())) {
        return "expected metric " + x + " not found (got " + v.samples() + ")";
      }
    }
    return null;
  }

  private static String compareMatrix(Command.Eval e, Matrix m) {
    if (e.ordered()) {
      return "expected ordered result, but query returned a matrix";
    }
    long start;
    long step;
    long end;
    if (e.rangeVector() != null) {
      start = e.rangeVector()[0];
      end = e.rangeVector()[1];
      step = e.rangeVector()[2];
    } else {
      start = e.start();
      end = e.end();
      step = e.stepMs();
    }
    Map<Labels, SeriesLine> exp = new HashMap<>();
    for (SeriesLine s : e.expected()) {
      exp.put(s.labels(), s);
    }
    Set<Labels> seen = new HashSet<>();
    for (RangeSeries s : m.series()) {
      SeriesLine x = exp.get(s.metric());
      if (x == null) {
        return "unexpected metric " + s.metric() + " in result, has " + s.points();
      }
      seen.add(s.metric());
      List<HPoint> wantH = new ArrayList<>();
      List<Boolean> wantHint = new ArrayList<>();
      for (int i = 0; i < x.slots(); i++) {
        FloatHistogram h = x.histogramAt(i);
        if (x.present()[i] && h != null) {
          wantH.add(new HPoint(start + i * step, h));
          wantHint.add(x.hintSet()[i]);
        }
      }
      if (wantH.size() != s.histograms().size()) {
        return "expected " + wantH.size() + " histogram points for " + x.labels() + ", but got " + s.histograms();
      }
      for (int i = 0; i < wantH.size(); i++) {
        HPoint w = wantH.get(i);
        HPoint g = s.histograms().get(i);
        if (w.t() != g.t() || !histogramsEqual(w.h(), g.h(), wantHint.get(i))) {
          return "expected histogram point " + w + " for " + x.labels() + ", got " + g;
        }
      }
      List<FPoint> want = new ArrayList<>();
      for (int i = 0; i < x.slots(); i++) {
        long t = start + i * step;
        if (t > end) {
          return "expected " + x.slots() + " points for " + x.labels() + ", but query time range cannot return this many points";
        }
        if (x.present()[i] && x.histogramAt(i) == null) {
          want.add(new FPoint(t, x.values()[i]));
        }
      }
      if (want.size() != s.points().size()) {
        return "expected " + want.size() + " points for " + x.labels() + ", but got " + s.points();
      }
      for (int i = 0; i < want.size(); i++) {
        FPoint w = want.get(i);
        FPoint g = s.points().get(i);
        if (w.t() != g.t()) {
          return "expected point " + i + " of " + x.labels() + " at t=" + w.t() + ", got t=" + g.t() + " (result has " + s.points() + ")";
        }
        if (!FloatCompare.equal(w.f(), g.f()) || Values.isStaleNaN(g.f())) {
          return "expected value at t=" + w.t() + " for " + x.labels() + " to be " + FloatCompare.format(w.f()) + ", got "
              + FloatCompare.format(g.f()) + " (result has " + s.points() + ")";
        }
      }
    }
    for (SeriesLine x : e.expected()) {
      if (!seen.contains(x.labels())) {
        return "expected metric " + x.labels() + " not found (got " + m.series() + ")";
      }
    }
    return null;
  }

  /**
   * Native histograms equal as the Go harness compares them: same schema, zero threshold and
   * custom bounds, counts, sum, zero count and every non-empty bucket (same index) equal within
   * the float tolerance; the counter-reset hint only when the expected value states one.
   */
  static boolean histogramsEqual(FloatHistogram exp, FloatHistogram cur, boolean compareHint) {
    if (compareHint && exp.counterResetHint() != cur.counterResetHint()) {
      return false;
    }
    if (exp.schema() != cur.schema()
        || !FloatCompare.equal(exp.count(), cur.count())
        || !FloatCompare.equal(exp.sum(), cur.sum())
        || !java.util.Arrays.equals(exp.customBounds(), cur.customBounds())
        || exp.zeroThreshold() != cur.zeroThreshold()
        || !FloatCompare.equal(exp.zeroCount(), cur.zeroCount())) {
      return false;
    }
    return bucketsMatch(exp.positiveOffset(), exp.positiveBuckets(), cur.positiveOffset(), cur.positiveBuckets())
        && bucketsMatch(exp.negativeOffset(), exp.negativeBuckets(), cur.negativeOffset(), cur.negativeBuckets());
  }

  private static boolean bucketsMatch(int offA, double[] a, int offB, double[] b) {
    int lo = Math.min(offA, offB);
    int hi = Math.max(offA + a.length, offB + b.length);
    for (int idx = lo; idx < hi; idx++) {
      double x = idx - offA >= 0 && idx - offA < a.length ? a[idx - offA] : 0;
      double y = idx - offB >= 0 && idx - offB < b.length ? b[idx - offB] : 0;
      if ((x == 0) != (y == 0) || !FloatCompare.equal(x, y)) {
        return false;
      }
    }
    return true;
  }

  /** The final line a CLI prints: {@code N passed, N failed, N skipped}. */
  public static String summary(List<EvalResult> results) {
    int passed = 0;
    int failed = 0;
    int skipped = 0;
    for (EvalResult r : results) {
      switch (r.status()) {
        case PASSED -> passed++;
        case FAILED -> failed++;
        case SKIPPED -> skipped++;
      }
    }
    return passed + " passed, " + failed + " failed, " + skipped + " skipped";
  }
}
