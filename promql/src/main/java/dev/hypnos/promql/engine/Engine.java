package dev.hypnos.promql.engine;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.storage.Querier;
import dev.hypnos.core.storage.Queryable;
import dev.hypnos.promql.engine.Evaluator.Points;
import dev.hypnos.promql.engine.Evaluator.RangeVal;
import dev.hypnos.promql.engine.Evaluator.VecVal;
import dev.hypnos.promql.parser.Durations;
import dev.hypnos.promql.parser.Expr;
import dev.hypnos.promql.parser.PromQLParser;
import dev.hypnos.promql.parser.ValueType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * The PromQL engine: evaluates instant and range queries over a {@link Queryable} with
 * Prometheus 3.x semantics (left-open windows, staleness markers, {@code @} and negative offsets,
 * subqueries aligned to their step).
 *
 * <p>Concurrency: thread-safe; each query has its own state.
 */
public final class Engine {
  private final EngineOptions options;
  private final LongSupplier nanoClock;

  public Engine(EngineOptions options) {
    this(options, System::nanoTime);
  }

  /** An engine whose timeout is measured with {@code nanoClock}. */
  public Engine(EngineOptions options, LongSupplier nanoClock) {
    this.options = Objects.requireNonNull(options, "options");
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
  }

  public EngineOptions options() {
    return options;
  }

  /** Parses {@code query} with this engine's parser options. */
  public Expr parse(String query) {
    return PromQLParser.parse(query, options.parserOptions());
  }

  public QueryResult instantQuery(Queryable queryable, String query, long timeMs) {
    return instantQuery(queryable, parse(query), query, timeMs, new AtomicBoolean());
  }

  public QueryResult instantQuery(Queryable queryable, Expr expr, long timeMs) {
    return instantQuery(queryable, expr, expr.toString(), timeMs, new AtomicBoolean());
  }

  /**
   * Evaluates {@code expr} at {@code timeMs}. {@code queryText} is what annotation positions
   * refer to; setting {@code cancel} stops the query with a CANCELED {@link QueryException}.
   */
  public QueryResult instantQuery(Queryable queryable, Expr expr, String queryText, long timeMs, AtomicBoolean cancel) {
    return run(queryable, expr, queryText, timeMs, timeMs, 0, cancel);
  }

  public QueryResult rangeQuery(Queryable queryable, String query, long startMs, long endMs, long stepMs) {
    return rangeQuery(queryable, parse(query), query, startMs, endMs, stepMs, new AtomicBoolean());
  }

  public QueryResult rangeQuery(Queryable queryable, Expr expr, long startMs, long endMs, long stepMs) {
    return rangeQuery(queryable, expr, expr.toString(), startMs, endMs, stepMs, new AtomicBoolean());
  }

  public QueryResult rangeQuery(Queryable queryable, Expr expr, String queryText, long startMs, long endMs,
      long stepMs, AtomicBoolean cancel) {
    if (stepMs <= 0) {
      throw new QueryException(QueryException.Kind.BAD_DATA, "zero or negative query resolution step widths are not accepted");
    }
    if (endMs < startMs) {
      throw new QueryException(QueryException.Kind.BAD_DATA, "end timestamp must not be before start time");
    }
    ValueType t = expr.type();
    if (t != ValueType.SCALAR && t != ValueType.VECTOR) {
      throw new QueryException(QueryException.Kind.BAD_DATA,
          "invalid expression type \"" + t.documentedName() + "\" for range query, must be Scalar or instant Vector");
    }
    return run(queryable, expr, queryText, startMs, endMs, stepMs, cancel);
  }

  private QueryResult run(Queryable queryable, Expr parsed, String queryText, long start, long end, long step,
      AtomicBoolean cancel) {
    long deadline = nanoClock.getAsLong() + options.timeout().toNanos();
    Expr expr;
    try {
      expr = Durations.resolve(parsed, step, end - start);
    } catch (IllegalArgumentException e) {
      throw new QueryException(QueryException.Kind.BAD_DATA, e.getMessage(), e);
    }
    Evaluator ev = new Evaluator(options, start, end, step, deadline, cancel, nanoClock, queryText, expr);
    long[] range = ev.prepareRanges(expr);
    // info() reads info series up to one lookback delta before the selectors' reference times.
    long minT = range[0] - options.lookbackDelta().toMillis();
    try (Querier querier = queryable.querier(minT, range[1])) {
      ev.load(querier);
      ev.checkNow();
      Value value;
      if (step == 0) {
        Object o = ev.eval(expr, start);
        value = switch (o) {
          case Scalar s -> s;
          case StringValue s -> s;
          case VecVal v -> new Vector(ev.finishVector(v.samples()));
          case RangeVal r -> toMatrix(extendIfNeeded(ev, expr, r, start));
          default -> throw new IllegalStateException("unexpected value " + o);
        };
      } else {
        value = rangeEval(ev, expr, start, end, step);
      }
      ev.checkNow();
      return new QueryResult(value, ev.annos);
    } catch (IOException e) {
      throw new QueryException(QueryException.Kind.STORAGE, "query storage for " + queryText + ": " + e.getMessage(), e);
    } catch (StackOverflowError e) {
      throw new QueryException(QueryException.Kind.EXECUTION, "expression too deeply nested: " + queryText);
    }
  }

  /** Anchored/smoothed matrix selectors return their window edges as points, like Prometheus. */
  private static RangeVal extendIfNeeded(Evaluator ev, Expr expr, RangeVal r, long ts) {
    Expr e = Evaluator.unwrapParens(expr);
    if (!(e instanceof Expr.MatrixSelector ms) || !(ms.selector().anchored() || ms.selector().smoothed())) {
      return r;
    }
    long maxt = ev.refTime(ms.selector().at(), ms.selector().offsetMs(), ts);
    long mint = maxt - ms.rangeMs();
    List<Points> out = new ArrayList<>();
    for (Points p : r.series()) {
      Object[] x = dev.hypnos.promql.engine.kernel.RangeKernels.extendFloats(p.t, p.v, p.n, mint, maxt, ms.selector().smoothed());
      if (x != null) {
        long[] t = (long[]) x[0];
        out.add(new Points(p.metric, t, (double[]) x[1], t.length, p.ht, p.hs, p.hn, p.dropName));
      }
    }
    return new RangeVal(out);
  }

  private static Matrix toMatrix(RangeVal r) {
    List<RangeSeries> out = new ArrayList<>();
    for (Points p : r.series()) {
      List<FPoint> pts = new ArrayList<>(p.n);
      for (int i = 0; i < p.n; i++) {
        pts.add(new FPoint(p.t[i], p.v[i]));
      }
      List<HPoint> hpts = new ArrayList<>(p.hn);
      for (int i = 0; i < p.hn; i++) {
        hpts.add(new HPoint(p.ht[i], p.hs[i]));
      }
      out.add(new RangeSeries(p.metric, pts, hpts));
    }
    return new Matrix(out);
  }

  /** Growable primitive arrays of one result series' float points. */
  private static final class PointsOut {
    long[] t = new long[16];
    double[] v = new double[16];
    int n;

    void add(long ts, double f) {
      if (n == t.length) {
        t = java.util.Arrays.copyOf(t, n * 2);
        v = java.util.Arrays.copyOf(v, n * 2);
      }
      t[n] = ts;
      v[n] = f;
      n++;
    }
  }

  private Matrix rangeEval(Evaluator ev, Expr expr, long start, long end, long step) {
    List<RangeSeries> fast = RangeFastPath.eval(ev, Evaluator.unwrapParens(expr), start, end, step);
    if (fast == null) {
      fast = ColumnarRange.eval(ev, Evaluator.unwrapParens(expr), start, end, step);
    }
    if (fast != null) {
      return new Matrix(fast);
    }
    Map<Labels, PointsOut> series = new HashMap<>();
    Map<Labels, List<HPoint>> histograms = new HashMap<>();
    int total = 0;
    for (long ts = start; ts <= end; ts += step) {
      Object o = ev.eval(expr, ts);
      if (o instanceof Scalar s) {
        series.computeIfAbsent(Labels.EMPTY, l -> new PointsOut()).add(ts, s.v());
        total++;
      } else if (o instanceof VecVal v) {
        for (Sample smp : ev.finishVector(v.samples())) {
          PointsOut pts = series.get(smp.metric());
          List<HPoint> hpts = histograms.get(smp.metric());
          if ((pts != null && pts.n > 0 && pts.t[pts.n - 1] == ts)
              || (hpts != null && !hpts.isEmpty() && hpts.get(hpts.size() - 1).t() == ts)) {
            throw new QueryException(QueryException.Kind.EXECUTION, "vector cannot contain metrics with the same labelset");
          }
          if (smp.h() != null) {
            histograms.computeIfAbsent(smp.metric(), l -> new ArrayList<>()).add(new HPoint(ts, smp.h()));
            series.computeIfAbsent(smp.metric(), l -> new PointsOut());
          } else {
            if (pts == null) {
              pts = new PointsOut();
              series.put(smp.metric(), pts);
            }
            pts.add(ts, smp.f());
          }
          total++;
        }
      } else {
        throw new QueryException(QueryException.Kind.BAD_DATA, "range query of " + o.getClass().getSimpleName());
      }
      ev.checkSamples(total);
    }
    TreeMap<Labels, PointsOut> sorted = new TreeMap<>(series);
    List<RangeSeries> out = new ArrayList<>(sorted.size());
    sorted.forEach((l, p) -> out.add(
        new RangeSeries(l, new FPointList(p.t, p.v, p.n), histograms.getOrDefault(l, List.of()))));
    return new Matrix(out);
  }
}
