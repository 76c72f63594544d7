package dev.hypnos.promql.engine;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.chunk.Values;
import dev.hypnos.core.histogram.FloatHistogram;
import dev.hypnos.core.labels.Label;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.storage.Querier;
import dev.hypnos.core.storage.SelectHints;
import dev.hypnos.core.storage.Series;
import dev.hypnos.core.storage.SeriesSet;
import dev.hypnos.promql.parser.AtModifier;
import dev.hypnos.promql.parser.BinaryOp;
import dev.hypnos.promql.parser.Expr;
import dev.hypnos.promql.parser.Expr.AggregateExpr;
import dev.hypnos.promql.parser.Expr.BinaryExpr;
import dev.hypnos.promql.parser.Expr.Call;
import dev.hypnos.promql.parser.Expr.MatrixSelector;
import dev.hypnos.promql.parser.Expr.SubqueryExpr;
import dev.hypnos.promql.parser.Expr.VectorSelector;
import dev.hypnos.promql.parser.UnaryOp;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Evaluates one query, step by step: every step evaluates the whole tree at that timestamp over
 * series preloaded once per selector. Not thread-safe; one instance per query.
 */
final class Evaluator {
  /**
   * The samples of one selected series, ascending timestamps; {@code h[i]} is the histogram of
   * sample i (null for floats), and {@code h} itself is null when the series has no histograms.
   */
  record Loaded(Labels labels, long[] t, double[] v, @Nullable FloatHistogram @Nullable [] h) {
    Loaded(Labels labels, long[] t, double[] v) {
      this(labels, t, v, null);
    }

    @Nullable FloatHistogram histogram(int i) {
      @Nullable FloatHistogram[] hs = h;
      return hs == null ? null : hs[i];
    }

    /** This series without its stale markers (they are not samples of a window); itself when it has none. */
    Loaded withoutStaleMarkers() {
      int m = 0;
      for (double x : v) {
        if (!Values.isStaleNaN(x)) {
          m++;
        }
      }
      if (m == v.length) {
        return this;
      }
      long[] t2 = new long[m];
      double[] v2 = new double[m];
      @Nullable FloatHistogram @Nullable [] h2 = h == null ? null : new FloatHistogram[m];
      int j = 0;
      for (int i = 0; i < v.length; i++) {
        if (!Values.isStaleNaN(v[i])) {
          t2[j] = t[i];
          v2[j] = v[i];
          if (h2 != null) {
            h2[j] = histogram(i);
          }
          j++;
        }
      }
      return new Loaded(labels, t2, v2, h2);
    }
  }

  private static final long[] NO_TIMES = new long[0];
  private static final FloatHistogram[] NO_HISTOGRAMS = new FloatHistogram[0];

  /**
   * A range-vector element produced during evaluation: float points ({@code t}, {@code v},
   * {@code n}) and, separately, histogram points ({@code ht}, {@code hs}, {@code hn}), like
   * Prometheus's Series. Float kernels look at the float points only.
   */
  static final class Points {
    final Labels metric;
    final long[] t;
    final double[] v;
    final int n;
    final long[] ht;
    final FloatHistogram[] hs;
    final int hn;
    boolean dropName;

    Points(Labels metric, long[] t, double[] v, int n, boolean dropName) {
      this(metric, t, v, n, NO_TIMES, NO_HISTOGRAMS, 0, dropName);
    }

    Points(Labels metric, long[] t, double[] v, int n, long[] ht, FloatHistogram[] hs, int hn, boolean dropName) {
      this.metric = metric;
      this.t = t;
      this.v = v;
      this.n = n;
      this.ht = ht;
      this.hs = hs;
      this.hn = hn;
      this.dropName = dropName;
    }
  }

  /** The float samples of {@code in} (the list itself when it holds no histogram). */
  static List<Sample> floatsOnly(List<Sample> in) {
    for (int i = 0; i < in.size(); i++) {
      if (in.get(i).h() != null) {
        List<Sample> out = new ArrayList<>(in.size());
        for (Sample s : in) {
          if (s.h() == null) {
            out.add(s);
          }
        }
        return out;
      }
    }
    return in;
  }

  /** Internal range-vector value (never escapes). */
  record RangeVal(List<Points> series) {}

  /** Internal instant-vector value. */
  record VecVal(List<Sample> samples) {}

  private @org.jspecify.annotations.Nullable Querier querier;
  private final EngineOptions opts;
  final Annotations annos = new Annotations();
  private final long start;
  private final long end;
  private final long interval;
  private final long lookback;
  private final long deadlineNanos;
  private final AtomicBoolean canceled;
  private final java.util.function.LongSupplier nanoClock;
  private final Map<VectorSelector, long[]> ranges = new IdentityHashMap<>();
  /** What surrounds each selector, passed to storage as select hints (Prometheus populateSeries). */
  private final Map<VectorSelector, Context> contexts = new IdentityHashMap<>();
  private final Map<VectorSelector, List<Loaded>> loaded = new IdentityHashMap<>();
  private int checkCounter;
  /** Position of the binary expression being applied, for its annotations. */
  int binaryPosition;
  /** Inner results of subqueries by evaluation time, so overlapping windows of a range query evaluate once. */
  private final Map<SubqueryExpr, Map<Long, Object>> subqueryMemo = new IdentityHashMap<>();
  private int memoEntries;
  private static final int MAX_MEMO_ENTRIES = 100_000;

  private final String queryText;
  private final Expr root;

  Evaluator(EngineOptions opts, long start, long end, long interval, long deadlineNanos,
      AtomicBoolean canceled, java.util.function.LongSupplier nanoClock, String queryText, Expr root) {
    this.queryText = queryText;
    this.root = root;
    this.opts = opts;
    this.start = start;
    this.end = end;
    this.interval = interval;
    this.lookback = opts.lookbackDelta().toMillis();
    this.deadlineNanos = deadlineNanos;
    this.canceled = canceled;
    this.nanoClock = nanoClock;
  }

  long queryStart() {
    return start;
  }

  long queryEnd() {
    return end;
  }

  long queryStep() {
    return interval;
  }

  boolean isRangeQuery() {
    return interval > 0;
  }

  int rootPosition() {
    return root.position().start();
  }

  // ---------------------------------------------------------------- preparation

  /**
   * Computes the time range every selector needs; returns {min, max} over all of them (the query
   * range when there is no selector), in milliseconds.
   */
  long[] prepareRanges(Expr root) {
    collectRanges(root, start, end, new Context("", 0, interval, List.of(), false));
    if (ranges.isEmpty()) {
      return new long[] {start, end};
    }
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (long[] r : ranges.values()) {
      min = Math.min(min, r[0]);
      max = Math.max(max, r[1]);
    }
    return new long[] {min, max};
  }

  /**
   * Loads the series of every selector from {@code q}, which serves the rest of the query. Every
   * selector's set is opened before the first is read, as Prometheus's engine selects all before
   * it evaluates, and all but the first are told to {@link SeriesSet#prefetch}: a querier that
   * reads stores (ours) runs their calls at once, not one round trip after another, while the
   * first set is read on this thread.
   */
  void load(Querier q) {
    this.querier = q;
    List<Map.Entry<VectorSelector, long[]>> entries = new ArrayList<>(ranges.entrySet());
    SeriesSet[] sets = new SeriesSet[entries.size()];
    boolean completed = false;
    try {
      for (int i = 0; i < sets.length; i++) {
        VectorSelector vs = entries.get(i).getKey();
        Context c = contexts.getOrDefault(vs, new Context("", 0, interval, List.of(), false));
        long mint = entries.get(i).getValue()[0];
        long maxt = entries.get(i).getValue()[1];
        SelectHints hints = new SelectHints(mint + 1, maxt, c.step(), c.func(), c.range(), c.grouping(), c.by());
        sets[i] = q.select(hints, vs.matchers());
      }
      // The first set is read on this thread as it arrives; the others read ahead meanwhile.
      for (int i = 1; i < sets.length; i++) {
        sets[i].prefetch();
      }
      for (int i = 0; i < sets.length; i++) {
        VectorSelector vs = entries.get(i).getKey();
        long[] range = entries.get(i).getValue();
        loaded.put(vs, drain(sets[i], range[0], range[1], vs.toString()));
      }
      completed = true;
    } catch (IOException e) {
      throw new QueryException(QueryException.Kind.STORAGE, "select series: " + e.getMessage(), e);
    } finally {
      QueryException closeFailure = null;
      for (int i = 0; i < sets.length; i++) {
        if (sets[i] == null) {
          continue;
        }
        try {
          sets[i].close();
        } catch (IOException e) {
          // After a failure the query's error is already on its way; otherwise a close failure is one.
          if (completed && closeFailure == null) {
            closeFailure = new QueryException(QueryException.Kind.STORAGE,
                "select series for " + entries.get(i).getKey() + ": " + e.getMessage(), e);
          }
        }
      }
      if (closeFailure != null) {
        throw closeFailure;
      }
    }
  }

  private long atTime(AtModifier at) {
    return switch (at.kind()) {
      case START -> start;
      case END -> end;
      case TIMESTAMP -> at.timestampMs();
    };
  }

  /**
   * The surroundings of a selector as Prometheus reports them in {@code storage.SelectHints}:
   * {@code func} is the innermost function or aggregation around it ("" when a binary operator
   * comes first), {@code range} the range of its matrix selector (0 for an instant selector),
   * {@code step} the innermost subquery's step (the query step outside subqueries), {@code
   * grouping}/{@code by} those of an aggregation directly around it.
   */
  private record Context(String func, long range, long step, List<String> grouping, boolean by) {
    Context withFunc(String f) {
      return new Context(f, range, step, List.of(), false);
    }

    Context withGroups(String f, List<String> g, boolean b) {
      return new Context(f, range, step, g, b);
    }

    Context withRange(long r) {
      return new Context(func, r, step, grouping, by);
    }
  }

  private void collectRanges(Expr e, long s, long en, Context ctx) {
    switch (e) {
      case VectorSelector vs -> {
        addRange(vs, s, en, lookback, vs.smoothed() ? lookback : 0);
        contexts.putIfAbsent(vs, ctx);
      }
      case MatrixSelector ms -> {
        addRange(ms.selector(), s, en,
            ms.rangeMs() + (ms.selector().anchored() || ms.selector().smoothed() ? lookback : 0),
            ms.selector().smoothed() ? lookback : 0);
        contexts.putIfAbsent(ms.selector(), ctx.withRange(ms.rangeMs()));
      }
      case SubqueryExpr sq -> {
        long a = s;
        long b = en;
        if (sq.at() != null) {
          a = atTime(sq.at());
          b = a;
        }
        Context inner = new Context(ctx.func(), 0, sq.stepMs() > 0 ? sq.stepMs() : defaultInterval(), List.of(), false);
        collectRanges(sq.expr(), a - sq.offsetMs() - sq.rangeMs(), b - sq.offsetMs(), inner);
      }
      case Call c -> c.args().forEach(x -> collectRanges(x, s, en, ctx.withFunc(c.function().name())));
      case AggregateExpr a -> {
        collectRanges(a.expr(), s, en, ctx.withGroups(a.op().text(), a.grouping(), !a.without()));
        if (a.param() != null) {
          collectRanges(a.param(), s, en, ctx.withFunc(a.op().text()));
        }
      }
      case BinaryExpr b -> {
        collectRanges(b.lhs(), s, en, ctx.withFunc(""));
        collectRanges(b.rhs(), s, en, ctx.withFunc(""));
      }
      case Expr.UnaryExpr u -> collectRanges(u.expr(), s, en, ctx.withGroups(ctx.func(), List.of(), false));
      case Expr.ParenExpr p -> collectRanges(p.expr(), s, en, ctx.withGroups(ctx.func(), List.of(), false));
      default -> {}
    }
  }

  private void addRange(VectorSelector vs, long s, long en, long back, long forward) {
    long a = s;
    long b = en;
    if (vs.at() != null) {
      a = atTime(vs.at());
      b = a;
    }
    a = a - vs.offsetMs() - back;
    b = b - vs.offsetMs() + forward;
    long[] r = ranges.get(vs);
    if (r == null) {
      ranges.put(vs, new long[] {a, b});
    } else {
      r[0] = Math.min(r[0], a);
      r[1] = Math.max(r[1], b);
    }
  }

  /** Series matching {@code matchers} with their samples in (mint, maxt]. */
  List<Loaded> load(List<Matcher> matchers, long mint, long maxt, String what) {
    return load(matchers, mint, maxt, what, new SelectHints(mint + 1, maxt, interval, "", 0, List.of(), false));
  }

  private long[] loadTimes = new long[256];
  private double[] loadValues = new double[256];

  private List<Loaded> load(List<Matcher> matchers, long mint, long maxt, String what, SelectHints hints) {
    Querier q = querier;
    if (q == null) {
      throw new IllegalStateException("series loaded before the querier was opened");
    }
    try (SeriesSet set = q.select(hints, matchers)) {
      return drain(set, mint, maxt, what);
    } catch (IOException e) {
      throw new QueryException(QueryException.Kind.STORAGE, "select series for " + what + ": " + e.getMessage(), e);
    }
  }

  /** Reads {@code set} to the end: each series' samples in (mint, maxt]; the caller closes the set. */
  private List<Loaded> drain(SeriesSet set, long mint, long maxt, String what) {
    List<Loaded> out = new ArrayList<>();
    try {
      set.forEachRemaining(s -> {
        checkDeadline();
        ChunkIterator it = s.iterator();
        // samples go into buffers reused from series to series, then one exact copy per series
        long[] t = loadTimes;
        double[] v = loadValues;
        @Nullable FloatHistogram @Nullable [] h = null;
        int n = 0;
        boolean found = it.seek(mint + 1);
        if (found && it.floatsOnly()) {
          // Float samples in bulk: the first from the seek, the rest in batches, cut at maxt.
          t[0] = it.timestamp();
          v[0] = it.value();
          n = t[0] > maxt ? 0 : 1;
          while (n > 0 && t[n - 1] <= maxt) {
            if (n == t.length) {
              t = Arrays.copyOf(t, n * 2);
              v = Arrays.copyOf(v, n * 2);
            }
            int m = it.next(t, v, n, t.length - n);
            if (m == 0) {
              break;
            }
            n += m;
          }
          while (n > 0 && t[n - 1] > maxt) {
            n--;
          }
        } else if (found) {
          do {
            long ts = it.timestamp();
            if (ts > maxt) {
              break;
            }
            if (n == t.length) {
              t = Arrays.copyOf(t, n * 2);
              v = Arrays.copyOf(v, n * 2);
              if (h != null) {
                h = Arrays.copyOf(h, n * 2);
              }
            }
            FloatHistogram hist = it.histogram();
            if (hist != null && h == null) {
              h = new FloatHistogram[t.length];
            }
            t[n] = ts;
            if (hist != null) {
              v[n] = 0;
              h[n] = hist;
            } else {
              v[n] = it.value();
            }
            n++;
          } while (it.next());
        }
        loadTimes = t;
        loadValues = v;
        if (it.error() != null) {
          throw new QueryException(QueryException.Kind.STORAGE, "read series " + s.labels() + ": " + it.error());
        }
        if (n > 0) {
          out.add(new Loaded(s.labels(), Arrays.copyOf(t, n), Arrays.copyOf(v, n), h == null ? null : Arrays.copyOf(h, n)));
        }
      });
      for (String w : set.warnings()) {
        annos.add(new Annotations.Annotation(Annotations.Kind.WARNING, w, -1));
      }
    } catch (IOException e) {
      throw new QueryException(QueryException.Kind.STORAGE, "select series for " + what + ": " + e.getMessage(), e);
    }
    return out;
  }

  void checkDeadline() {
    if ((++checkCounter & 63) != 0) {
      return;
    }
    checkNow();
  }

  void checkNow() {
    if (canceled.get()) {
      throw new QueryException(QueryException.Kind.CANCELED, "query was canceled in expression evaluation");
    }
    if (nanoClock.getAsLong() - deadlineNanos > 0) {
      throw new QueryException(QueryException.Kind.TIMEOUT, "query timed out in expression evaluation");
    }
  }

  // ---------------------------------------------------------------- evaluation

  /** Evaluates {@code e} at timestamp {@code ts}: Scalar, StringValue, VecVal or RangeVal. */
  Object eval(Expr e, long ts) {
    checkDeadline();
    return switch (e) {
      case Expr.NumberLiteral n -> new Scalar(ts, n.value());
      case Expr.StringLiteral s -> new StringValue(ts, s.value());
      case Expr.ParenExpr p -> eval(p.expr(), ts);
      case Expr.DurationExpr d -> new Scalar(ts, dev.hypnos.promql.parser.Durations.seconds(d, interval, end - start));
      case VectorSelector vs -> new VecVal(selectInstant(vs, ts, false));
      case MatrixSelector ms -> new RangeVal(selectRange(ms, ts));
      case SubqueryExpr sq -> new RangeVal(subquery(sq, ts));
      case Expr.UnaryExpr u -> unary(u, ts);
      case BinaryExpr b -> binary(b, ts);
      case AggregateExpr a -> new VecVal(Aggregations.aggregate(this, a, ts));
      case Call c -> Functions.call(this, c, ts);
    };
  }

  List<Sample> evalVector(Expr e, long ts) {
    Object o = eval(e, ts);
    if (o instanceof VecVal v) {
      return v.samples();
    }
    throw new QueryException(QueryException.Kind.EXECUTION, "expected instant vector for " + e + ", got " + o.getClass().getSimpleName());
  }

  double evalScalar(Expr e, long ts) {
    Object o = eval(e, ts);
    if (o instanceof Scalar s) {
      return s.v();
    }
    throw new QueryException(QueryException.Kind.EXECUTION, "expected scalar for " + e);
  }

  RangeVal evalRange(Expr e, long ts) {
    Object o = eval(unwrapParens(e), ts);
    if (o instanceof RangeVal r) {
      return r;
    }
    throw new QueryException(QueryException.Kind.EXECUTION, "expected range vector for " + e);
  }

  static Expr unwrapParens(Expr e) {
    while (e instanceof Expr.ParenExpr p) {
      e = p.expr();
    }
    return e;
  }

  long refTime(@org.jspecify.annotations.Nullable AtModifier at, long offsetMs, long ts) {
    return (at != null ? atTime(at) : ts) - offsetMs;
  }

  /** The instant selector's samples at ts; {@code realTimestamps} keeps each sample's own time. */
  List<Sample> selectInstant(VectorSelector vs, long ts, boolean realTimestamps) {
    long ref = refTime(vs.at(), vs.offsetMs(), ts);
    List<Loaded> series = loaded.getOrDefault(vs, List.of());
    List<Sample> out = new ArrayList<>();
    if (vs.smoothed()) {
      for (Loaded s : series) {
        int lo = lastAtOrBefore(s.t(), ref - lookback) + 1;
        int hi = lastAtOrBefore(s.t(), ref + lookback) + 1;
        long[] t = new long[Math.max(0, hi - lo)];
        double[] v = new double[t.length];
        int n = 0;
        for (int i = lo; i < hi; i++) {
          if (s.histogram(i) == null && !Values.isStaleNaN(s.v()[i])) {
            t[n] = s.t()[i];
            v[n] = s.v()[i];
            n++;
          }
        }
        Double val = n == 0 ? null : dev.hypnos.promql.engine.kernel.RangeKernels.smoothedValue(t, v, 0, n, ref);
        if (val != null) {
          out.add(new Sample(s.labels(), ts, val));
        }
      }
      checkSamples(out.size());
      return out;
    }
    for (Loaded s : series) {
      int idx = lastAtOrBefore(s.t(), ref);
      if (idx < 0 || s.t()[idx] <= ref - lookback) {
        continue;
      }
      FloatHistogram h = s.histogram(idx);
      double v = s.v()[idx];
      if (h == null && Values.isStaleNaN(v)) {
        continue;
      }
      out.add(new Sample(s.labels(), realTimestamps ? s.t()[idx] : ts, v, h, false));
    }
    checkSamples(out.size());
    return out;
  }

  private final Map<AggregateExpr, IdentityHashMap<Labels, Labels>> groupKeys = new IdentityHashMap<>();

  /**
   * The group labels of {@code metric} in aggregation {@code a}, remembered per label-set
   * instance: series labels are the same objects from step to step.
   */
  Labels groupKey(AggregateExpr a, Labels metric) {
    IdentityHashMap<Labels, Labels> memo = groupKeys.computeIfAbsent(a, k -> new IdentityHashMap<>());
    Labels key = memo.get(metric);
    if (key == null) {
      key = Aggregations.groupingLabels(metric, a.grouping(), a.without());
      if (memo.size() < MAX_MEMO_ENTRIES) {
        memo.put(metric, key);
      }
    }
    return key;
  }

  /** The binary expression being applied; its label computations are remembered under it. */
  @Nullable BinaryExpr currentBinary;
  private final Map<BinaryExpr, IdentityHashMap<Labels, Labels>> signatures = new IdentityHashMap<>();
  private final Map<BinaryExpr, IdentityHashMap<Labels, IdentityHashMap<Labels, Labels>>> resultMetrics =
      new IdentityHashMap<>();
  private int binaryMemoEntries;

  /** {@link BinaryOps#signature} of {@code l}, remembered per label-set instance. */
  Labels signatureOf(Labels l, Expr.VectorMatching m) {
    BinaryExpr b = currentBinary;
    if (b == null) {
      return BinaryOps.signature(l, m);
    }
    IdentityHashMap<Labels, Labels> memo = signatures.computeIfAbsent(b, k -> new IdentityHashMap<>());
    Labels sig = memo.get(l);
    if (sig == null) {
      sig = BinaryOps.signature(l, m);
      if (binaryMemoEntries < MAX_MEMO_ENTRIES) {
        memo.put(l, sig);
        binaryMemoEntries++;
      }
    }
    return sig;
  }

  /** The result labels of matching {@code lhs} with {@code rhs}, remembered per pair of instances. */
  Labels resultMetricOf(Labels lhs, Labels rhs, java.util.function.Supplier<Labels> compute) {
    BinaryExpr b = currentBinary;
    if (b == null || binaryMemoEntries >= MAX_MEMO_ENTRIES) {
      return compute.get();
    }
    IdentityHashMap<Labels, Labels> memo = resultMetrics.computeIfAbsent(b, k -> new IdentityHashMap<>())
        .computeIfAbsent(lhs, k -> new IdentityHashMap<>());
    Labels r = memo.get(rhs);
    if (r == null) {
      r = compute.get();
      if (binaryMemoEntries < MAX_MEMO_ENTRIES) {
        memo.put(rhs, r);
        binaryMemoEntries++;
      }
    }
    return r;
  }

  /** The series loaded for {@code vs} (empty when none matched). */
  List<Loaded> loadedFor(VectorSelector vs) {
    return loaded.getOrDefault(vs, List.of());
  }

  static int lastAtOrBefore(long[] t, long ref) {
    int lo = 0;
    int hi = t.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (t[mid] <= ref) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo - 1;
  }

  List<Points> selectRange(MatrixSelector ms, long ts) {
    VectorSelector vs = ms.selector();
    long ref = refTime(vs.at(), vs.offsetMs(), ts);
    long from = ref - ms.rangeMs();
    if (vs.anchored() || vs.smoothed()) {
      from -= lookback;
    }
    if (vs.smoothed()) {
      ref += lookback;
    }
    List<Points> out = new ArrayList<>();
    int total = 0;
    for (Loaded s : loaded.getOrDefault(vs, List.of())) {
      int lo = lastAtOrBefore(s.t(), from) + 1;
      int hi = lastAtOrBefore(s.t(), ref) + 1;
      if (hi <= lo) {
        continue;
      }
      long[] t = new long[hi - lo];
      double[] v = new double[hi - lo];
      int n = 0;
      long[] ht = NO_TIMES;
      FloatHistogram[] hs = NO_HISTOGRAMS;
      int hn = 0;
      for (int i = lo; i < hi; i++) {
        FloatHistogram h = s.histogram(i);
        if (h != null) {
          if (hn == 0) {
            ht = new long[hi - lo];
            hs = new FloatHistogram[hi - lo];
          }
          ht[hn] = s.t()[i];
          hs[hn++] = h;
        } else if (!Values.isStaleNaN(s.v()[i])) {
          t[n] = s.t()[i];
          v[n] = s.v()[i];
          n++;
        }
      }
      if (n > 0 || hn > 0) {
        out.add(new Points(s.labels(), t, v, n, ht, hs, hn, false));
        total += n + hn;
      }
    }
    checkSamples(total);
    return out;
  }

  void checkSamples(int n) {
    if (n > opts.maxSamples()) {
      throw new QueryException(QueryException.Kind.TOO_MANY_SAMPLES,
          "query processing would load too many samples into memory in query execution");
    }
  }

  long lookback() {
    return lookback;
  }

  int maxSamples() {
    return opts.maxSamples();
  }

  long atTimeOf(AtModifier at) {
    return atTime(at);
  }

  long defaultInterval() {
    return opts.defaultEvalInterval().toMillis();
  }

  List<Points> subquery(SubqueryExpr sq, long ts) {
    long step = sq.stepMs() > 0 ? sq.stepMs() : defaultInterval();
    long ref = refTime(sq.at(), sq.offsetMs(), ts);
    long lowEx = ref - sq.rangeMs();
    long first = step * (lowEx / step);
    if (first <= lowEx) {
      first += step;
    }
    Map<Labels, PointsBuilder> byLabels = new java.util.LinkedHashMap<>();
    int total = 0;
    Map<Long, Object> memo = subqueryMemo.computeIfAbsent(sq, k -> new HashMap<>());
    for (long t = first; t <= ref; t += step) {
      Object o = memo.get(t);
      if (o == null) {
        o = eval(sq.expr(), t);
        if (interval > 0 && memoEntries < MAX_MEMO_ENTRIES) {
          memo.put(t, o);
          memoEntries++;
        }
      }
      if (o instanceof Scalar s) {
        byLabels.computeIfAbsent(Labels.EMPTY, l -> new PointsBuilder(l, false)).add(t, s.v());
        total++;
      } else if (o instanceof VecVal v) {
        for (Sample smp : v.samples()) {
          PointsBuilder pb = byLabels.computeIfAbsent(smp.metric(), l -> new PointsBuilder(l, smp.dropName()));
          FloatHistogram h = smp.h();
          if (h != null) {
            pb.addHistogram(t, h);
          } else {
            pb.add(t, smp.f());
          }
          total++;
        }
      } else {
        throw new QueryException(QueryException.Kind.EXECUTION, "subquery of " + o.getClass().getSimpleName());
      }
      checkSamples(total);
    }
    List<Points> out = new ArrayList<>(byLabels.size());
    List<Labels> keys = new ArrayList<>(byLabels.keySet());
    keys.sort(null);
    for (Labels l : keys) {
      out.add(byLabels.get(l).build());
    }
    return out;
  }

  static final class PointsBuilder {
    final Labels metric;
    final boolean dropName;
    long[] t = new long[8];
    double[] v = new double[8];
    int n;
    long[] ht = NO_TIMES;
    FloatHistogram[] hs = NO_HISTOGRAMS;
    int hn;

    PointsBuilder(Labels metric, boolean dropName) {
      this.metric = metric;
      this.dropName = dropName;
    }

    void addHistogram(long ts, FloatHistogram h) {
      if (hn == ht.length) {
        ht = Arrays.copyOf(ht, Math.max(8, hn * 2));
        hs = Arrays.copyOf(hs, Math.max(8, hn * 2));
      }
      ht[hn] = ts;
      hs[hn++] = h;
    }

    void add(long ts, double val) {
      if (n == t.length) {
        t = Arrays.copyOf(t, n * 2);
        v = Arrays.copyOf(v, n * 2);
      }
      t[n] = ts;
      v[n] = val;
      n++;
    }

    Points build() {
      return new Points(metric, t, v, n, ht, hs, hn, dropName);
    }
  }

  // ---------------------------------------------------------------- names

  boolean delayedNameRemoval() {
    return opts.delayedNameRemoval();
  }

  /** A sample whose metric name is to be dropped (now, or at the end with delayed removal). */
  Sample withDroppedName(Labels metric, long ts, double f) {
    if (opts.delayedNameRemoval()) {
      return new Sample(metric, ts, f, true);
    }
    return new Sample(dropMetadata(metric), ts, f, false);
  }

  static Labels dropMetadata(Labels l) {
    if (l.get("__name__") == null && l.get("__type__") == null && l.get("__unit__") == null) {
      return l;
    }
    return l.without("__name__", "__type__", "__unit__");
  }

  // ---------------------------------------------------------------- operators

  private Object unary(Expr.UnaryExpr u, long ts) {
    Object o = eval(u.expr(), ts);
    if (u.op() == UnaryOp.ADD) {
      return o;
    }
    if (o instanceof Scalar s) {
      return new Scalar(ts, -s.v());
    }
    if (o instanceof VecVal v) {
      List<Sample> out = new ArrayList<>(v.samples().size());
      for (Sample s : v.samples()) {
        FloatHistogram h = s.h();
        if (h != null) {
          Sample neg = withDroppedName(s.metric(), s.t(), 0);
          out.add(Sample.histogram(neg.metric(), s.t(), h.mul(-1), neg.dropName()));
        } else {
          out.add(withDroppedName(s.metric(), s.t(), -s.f()));
        }
      }
      return new VecVal(out);
    }
    throw new QueryException(QueryException.Kind.EXECUTION, "unary minus on " + o.getClass().getSimpleName());
  }

  private Object binary(BinaryExpr b, long ts) {
    Object l = eval(b.lhs(), ts);
    Object r = eval(b.rhs(), ts);
    BinaryOp op = b.op();
    binaryPosition = b.position().start();
    currentBinary = b;
    if (l instanceof Scalar ls && r instanceof Scalar rs) {
      return new Scalar(ts, BinaryOps.scalar(op, ls.v(), rs.v()));
    }
    if (l instanceof VecVal lv && r instanceof Scalar rs) {
      return new VecVal(BinaryOps.vectorScalar(this, op, lv.samples(), rs.v(), false, b.returnBool(), ts));
    }
    if (l instanceof Scalar ls && r instanceof VecVal rv) {
      return new VecVal(BinaryOps.vectorScalar(this, op, rv.samples(), ls.v(), true, b.returnBool(), ts));
    }
    if (l instanceof VecVal lv && r instanceof VecVal rv) {
      Expr.VectorMatching m = b.matching();
      if (m == null) {
        m = new Expr.VectorMatching(op.isSetOperator() ? Expr.Cardinality.MANY_TO_MANY : Expr.Cardinality.ONE_TO_ONE,
            List.of(), false, List.of(), Expr.FillValues.NONE);
      }
      return new VecVal(BinaryOps.vectorVector(this, op, lv.samples(), rv.samples(), m, b.returnBool(), ts));
    }
    throw new QueryException(QueryException.Kind.EXECUTION,
        "binary operator " + op + " between " + l.getClass().getSimpleName() + " and " + r.getClass().getSimpleName());
  }

  // ---------------------------------------------------------------- results

  /** Drops names marked for removal and rejects duplicate label sets. */
  List<Sample> finishVector(List<Sample> in) {
    List<Sample> out = new ArrayList<>(in.size());
    Set<Labels> seen = new HashSet<>();
    for (Sample s : in) {
      Labels m = s.dropName() ? dropMetadata(s.metric()) : s.metric();
      if (!seen.add(m)) {
        throw new QueryException(QueryException.Kind.EXECUTION, "vector cannot contain metrics with the same labelset");
      }
      out.add(s.dropName() || s.metric() != m ? s.withMetric(m, false) : s);
    }
    return out;
  }

  static Map<String, String> mapOf(Labels l) {
    Map<String, String> m = new HashMap<>();
    l.forEach(m::put);
    return m;
  }

  static Labels labelsOf(Map<String, String> m) {
    List<Label> list = new ArrayList<>(m.size());
    m.forEach((k, v) -> {
      if (!v.isEmpty()) {
        list.add(new Label(k, v));
      }
    });
    return Labels.fromUnsorted(list);
  }
}
