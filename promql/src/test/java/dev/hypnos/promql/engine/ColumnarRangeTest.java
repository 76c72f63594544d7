package dev.hypnos.promql.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.chunk.Values;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.storage.MemoryStorage;
import dev.hypnos.core.storage.Querier;
import dev.hypnos.promql.parser.Expr;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The column-wise range evaluation ({@link ColumnarRange}) against instant queries at every step,
 * on data with NaN, infinities, counter resets, gaps, stale markers and non-monotonic buckets:
 * same series, same values bit for bit, same annotations in the same order.
 */
class ColumnarRangeTest {
  private static final long END = 1_300_000;
  private static final long STEP = 20_000;

  static MemoryStorage data() {
    MemoryStorage s = new MemoryStorage();
    String[] rooms = {"r0", "r1", "r2", "r3", "r4"};
    String[] les = {"0.1", "0.5", "1", "+Inf"};
    double[] cum = new double[les.length];
    for (int i = 0; i <= 80; i++) {
      long t = i * 15_000L + (i % 3) * 1_000L;
      if (i % 7 != 3) {
        s.append(Labels.of("__name__", "x", "job", "a"), t, i % 20);
      }
      if (i == 40) {
        s.append(Labels.of("__name__", "x", "job", "b"), t, Values.STALE_NAN);
      } else if (i < 30 || i > 50) {
        s.append(Labels.of("__name__", "x", "job", "b"), t, 3 * i);
      }
      if (i > 20) {
        s.append(Labels.of("__name__", "y", "job", "a"), t, i);
      }
      double zv = switch (i % 11) {
        case 2 -> Double.NaN;
        case 5 -> Double.POSITIVE_INFINITY;
        case 8 -> -1.5;
        default -> i * 0.7 % 9;
      };
      s.append(Labels.of("__name__", "z", "job", "c"), t, i == 33 ? Values.STALE_NAN : zv);
      if (i % 4 != 1) {
        s.append(Labels.of("__name__", "z", "job", "a"), t, 100 - i);
      }
      // gauges in two zones, one with a gap and a stale marker, one with NaN and -Inf
      for (int r = 0; r < rooms.length; r++) {
        String zone = r % 2 == 0 ? "eu" : "us";
        if ((r == 2 && i > 30 && i < 45) || (r == 0 && i > 60 && i < 70)) {
          continue;
        }
        double gv = r == 3 && i % 13 == 4 ? Double.NaN : r == 4 && i == 50 ? Double.NEGATIVE_INFINITY
            : ((i * 37 + r * 11) % 23) - 5.5;
        s.append(Labels.of("__name__", "g", "room", rooms[r], "zone", zone), t, r == 1 && i == 60 ? Values.STALE_NAN : gv);
        if (r < 3) {
          s.append(Labels.of("__name__", "g2", "room", rooms[r], "zone", zone), t + 500, ((i * 13 + r) % 17) * 0.5);
        }
      }
      // signed zeros, equal values, NaN runs (a window of NaN only): min/max must pick as the scan does
      double wv = i > 50 && i < 62 ? Double.NaN : switch (i % 7) {
        case 0 -> 0.0;
        case 1 -> -0.0;
        case 2 -> Double.NaN;
        case 3, 4 -> 2.0;
        case 5 -> -0.0;
        default -> 0.0;
      };
      s.append(Labels.of("__name__", "w", "job", "a"), t, wv);
      // counters with resets; one series starts late
      for (int c = 0; c < 3; c++) {
        if (c == 2 && i < 25) {
          continue;
        }
        double cv = c == 1 && i % 29 == 0 ? 1 : (i % 29) * (c + 1) * 1.5 + c;
        s.append(Labels.of("__name__", "c_total", "instance", "h" + c, "job", c == 0 ? "api" : "db", "method", "GET"), t, cv);
      }
      // classic histogram buckets of two handlers: resets, a gap in one bucket, a non-monotonic bucket
      for (int b = 0; b < les.length; b++) {
        cum[b] += (b + 1) * (i % 5 + 1);
      }
      for (String handler : new String[] {"h1", "h2"}) {
        boolean second = handler.equals("h2");
        for (int b = 0; b < les.length; b++) {
          if (second && b == 1 && i > 40 && i < 55) {
            continue;
          }
          double bv = i == 70 ? b : cum[b] * (second ? 2 : 1);
          if (second && b == 2 && i % 9 == 0) {
            bv = bv * 0.1; // drops below the lower bucket: forced monotonicity
          }
          s.append(Labels.of("__name__", "h_bucket", "handler", handler, "le", les[b]), t, bv);
        }
      }
    }
    return s;
  }

  /** The column-wise result of {@code q}, and the annotations it raised; null when declined. */
  private static @Nullable QueryResult columnar(MemoryStorage s, String q) {
    EngineOptions opts = EngineOptions.DEFAULT;
    Engine engine = new Engine(opts);
    Expr expr = engine.parse(q);
    Evaluator ev = new Evaluator(opts, 0, END, STEP, System.nanoTime() + 3_600_000_000_000L, new AtomicBoolean(),
        System::nanoTime, q, expr);
    long[] range = ev.prepareRanges(expr);
    try (Querier querier = s.querier(range[0] - opts.lookbackDelta().toMillis(), range[1])) {
      ev.load(querier);
      List<RangeSeries> out = ColumnarRange.eval(ev, Evaluator.unwrapParens(expr), 0, END, STEP);
      return out == null ? null : new QueryResult(new Matrix(out), ev.annos);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Asserts that {@code r} holds exactly what instant queries at each step give. */
  private static void assertEqualsInstantQueries(MemoryStorage s, String q, QueryResult r) {
    Engine engine = new Engine(EngineOptions.DEFAULT);
    Map<Labels, Map<Long, Double>> got = new HashMap<>();
    Matrix m = (Matrix) r.value();
    for (RangeSeries rs : m.series()) {
      for (FPoint p : rs.points()) {
        got.computeIfAbsent(rs.metric(), k -> new HashMap<>()).put(p.t(), p.f());
      }
    }
    for (int i = 1; i < m.series().size(); i++) {
      assertThat(m.series().get(i - 1).metric().compareTo(m.series().get(i).metric())).isNegative();
    }
    Annotations expected = new Annotations();
    int points = 0;
    for (long ts = 0; ts <= END; ts += STEP) {
      QueryResult instant = engine.instantQuery(s, q, ts);
      expected.addAll(instant.annotations());
      for (Sample smp : ((Vector) instant.value()).samples()) {
        assertThat(got.getOrDefault(smp.metric(), Map.of()).get(ts)).as(q + ": " + smp + " at " + ts)
            .isEqualTo(Double.valueOf(smp.f()));
        points++;
      }
    }
    assertThat(m.series().stream().mapToInt(x -> x.points().size()).sum()).as(q).isEqualTo(points);
    assertThat(r.annotations().all()).as(q).isEqualTo(expected.all());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "rate(c_total[2m]) / on (instance, job, method) (c_total > 0)",
      "rate(c_total[1m]) / on (instance) (c_total > 10)",
      "g * on (zone) group_left() max by (zone) (g2)",
      "g + ignoring (room) group_left sum without (room) (g2)",
      "max by (zone) (g2) - on (zone) group_right g",
      "max by (zone) (g2) < on (zone) group_right g",
      "g >= bool on (zone) group_left min by (zone) (g2)",
      "histogram_quantile(0.9, sum by (le) (rate(h_bucket[2m])))",
      "histogram_quantile(0.5, sum by (le, handler) (rate(h_bucket[2m])))",
      "histogram_quantile(0.99, rate(h_bucket[2m]))",
      "histogram_quantile(0, h_bucket)",
      "histogram_quantile(1, h_bucket)",
      "histogram_quantile(0.3, h_bucket offset 1m)",
      "quantile by (zone) (0.5, g)",
      "quantile(0.9, x)",
      "quantile without (room) (0.25, g)",
      "max_over_time(g[2m])",
      "max_over_time(w[1m])",
      "min_over_time(w[1m])",
      "max_over_time(w[3m])",
      "min_over_time(w[2m] offset 1m)",
      "min_over_time(w[2m] @ 900)",
      "-max_over_time(w[30s])",
      "min_over_time(z[3m])",
      "sum_over_time(z[2m])",
      "avg_over_time(z[5m])",
      "avg_over_time(g[3m])",
      "count_over_time(x[1m])",
      "last_over_time(x[2m])",
      "present_over_time(x[1m])",
      "stddev_over_time(g[3m])",
      "stdvar_over_time(z[3m])",
      "irate(c_total[2m])",
      "idelta(z[2m])",
      "resets(c_total[5m])",
      "changes(z[3m])",
      "deriv(g[3m])",
      "rate(x[2m])",
      "delta(g[2m])",
      "sum by (zone) (max_over_time(g[2m]))",
      "avg by (zone) (g)",
      "stddev by (zone) (g)",
      "stdvar(z)",
      "group by (zone) (g)",
      "count by (zone) (g > 2)",
      "max by (zone) (g)",
      "min without (room) (g)",
      "sum(z)",
      "x > y",
      "x >= bool on (job) z",
      "x != on (job) z",
      "-g",
      "g > 0.5",
      "2 * g",
      "g ^ 2",
      "0 < bool z",
      "max by (zone) (g) * on (zone) group_left max by (zone) (g2)",
      "rate(x[2m] offset 30s) + x offset 1m",
      "max_over_time(g[2m] @ 600)",
      "g @ 300 - g",
      "sum(rate(c_total[2m])) / sum(rate(c_total[5m]))",
      "sum by (job) (rate(x[2m])) > on (job) sum by (job) (rate(z[2m]))",
      "max_over_time(x[1m]) - min_over_time(x[1m]) > 0",
      "sum by (zone) (rate(g[2m]))",
      "rate(g[2m]) * 60 + rate(z[3m])"})
  void columnWiseRangeQueriesEqualTheInstantQueryAtEachStep(String q) {
    MemoryStorage s = data();
    QueryResult r = columnar(s, q);
    assertThat(r).as("covered: " + q).isNotNull();
    assertEqualsInstantQueries(s, q, r);
    // and the engine's range query (whichever path answers it) agrees
    QueryResult viaEngine = new Engine(EngineOptions.DEFAULT).rangeQuery(s, q, 0, END, STEP);
    assertThat(viaEngine.value()).isEqualTo(r.value());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      // input order of the outer aggregation changes from step to step
      "max(count by (zone) (max_over_time(g[1m])))",
      // signatures collide on one side: the step-wise path decides at each step
      "g * on (zone) g2",
      "x - on () z",
      // result label sets collide
      "{__name__=~\"x|y\"} * 2",
      "rate({__name__=~\"x|y\"}[2m])",
      // invalid quantiles raise warnings per step
      "quantile(2, g)",
      "histogram_quantile(-1, h_bucket)",
      "topk(2, g)",
      "g and g2"})
  void declinedQueriesAreLeftToTheStepWisePath(String q) {
    MemoryStorage s = data();
    assertThat(columnar(s, q)).as(q).isNull();
  }

  @Test
  void aCollidingMatchFailsAsInTheStepWisePath() {
    MemoryStorage s = data();
    assertThatThrownBy(() -> new Engine(EngineOptions.DEFAULT).rangeQuery(s, "g * on (zone) g2", 0, END, STEP))
        .isInstanceOf(QueryException.class)
        .hasMessageContaining("many-to-many matching not allowed");
  }

  @Test
  void theSamplesLimitCountsTheOutputPoints() {
    MemoryStorage s = data();
    String q = "max_over_time(g[2m])";
    int points = 0;
    for (RangeSeries rs : ((Matrix) new Engine(EngineOptions.DEFAULT).rangeQuery(s, q, 0, END, STEP).value()).series()) {
      points += rs.points().size();
    }
    int limit = points;
    assertThat(new Engine(EngineOptions.DEFAULT.withMaxSamples(limit)).rangeQuery(s, q, 0, END, STEP).value())
        .isInstanceOf(Matrix.class);
    assertThatThrownBy(() -> new Engine(EngineOptions.DEFAULT.withMaxSamples(limit - 1)).rangeQuery(s, q, 0, END, STEP))
        .isInstanceOf(QueryException.class)
        .extracting(e -> ((QueryException) e).kind()).isEqualTo(QueryException.Kind.TOO_MANY_SAMPLES);
  }

  @Test
  void annotationsComeInTheStepWiseOrder() {
    MemoryStorage s = data();
    QueryResult r = columnar(s, "rate(z[3m]) + rate(g[2m]) * 60");
    assertThat(r).isNotNull();
    assertThat(r.annotations().rendered(Annotations.Kind.INFO, "rate(z[3m]) + rate(g[2m]) * 60")).containsExactly(
        "PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"z\" (1:6)",
        "PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"g\" (1:20)");
    QueryResult h = columnar(s, "histogram_quantile(1, h_bucket)");
    assertThat(h).isNotNull();
    assertThat(h.annotations().rendered(Annotations.Kind.INFO, "histogram_quantile(1, h_bucket)")).containsExactly(
        "PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see "
            + "https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) (1:23)");
  }

  private static final String[] LEAVES = {"x", "z", "g", "g2", "w", "c_total", "h_bucket", "rate(c_total[2m])",
      "max_over_time(g[1m])", "min_over_time(w[2m])", "avg_over_time(z[3m])", "irate(x[1m])", "changes(w[2m])",
      "stddev_over_time(g[2m])", "deriv(z[2m])", "resets(c_total[3m])", "last_over_time(x[1m] offset 30s)",
      "sum_over_time(z[1m])", "count_over_time(g[2m])", "increase(h_bucket[3m])", "delta(g[1m] @ 700)"};
  private static final String[] LABELS = {"job", "zone", "room", "le", "handler", "instance"};
  private static final String[] AGGS = {"sum", "avg", "count", "group", "min", "max", "stddev", "stdvar"};
  private static final String[] OPS = {"+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=", "atan2"};

  private static String randomExpr(java.util.Random r, int depth) {
    if (depth == 0 || r.nextInt(4) == 0) {
      return LEAVES[r.nextInt(LEAVES.length)];
    }
    String l1 = LABELS[r.nextInt(LABELS.length)];
    String l2 = LABELS[r.nextInt(LABELS.length)];
    return switch (r.nextInt(6)) {
      case 0 -> AGGS[r.nextInt(AGGS.length)] + (r.nextBoolean() ? " by (" : " without (") + l1 + ", " + l2 + ") ("
          + randomExpr(r, depth - 1) + ")";
      case 1 -> "quantile by (" + l1 + ") (" + (r.nextInt(5) * 0.25) + ", " + randomExpr(r, depth - 1) + ")";
      case 2 -> {
        String op = OPS[r.nextInt(OPS.length)];
        String bool = op.length() <= 2 && "=!<>".indexOf(op.charAt(0)) >= 0 && r.nextBoolean() ? " bool" : "";
        String k = switch (r.nextInt(4)) {
          case 0 -> "0";
          case 1 -> "-1.5";
          case 2 -> "3";
          default -> "0.5";
        };
        yield r.nextBoolean() ? "(" + randomExpr(r, depth - 1) + ") " + op + bool + " " + k
            : k + " " + op + bool + " (" + randomExpr(r, depth - 1) + ")";
      }
      case 3, 4 -> {
        String op = OPS[r.nextInt(OPS.length)];
        String bool = op.length() <= 2 && "=!<>".indexOf(op.charAt(0)) >= 0 && r.nextBoolean() ? " bool" : "";
        String match = switch (r.nextInt(5)) {
          case 0 -> "";
          case 1 -> " on (" + l1 + ")";
          case 2 -> " ignoring (" + l1 + ")";
          case 3 -> " on (" + l1 + ") group_left";
          default -> " on (" + l1 + ") group_right";
        };
        yield "(" + randomExpr(r, depth - 1) + ") " + op + bool + match + " (" + randomExpr(r, depth - 1) + ")";
      }
      default -> r.nextBoolean() ? "-(" + randomExpr(r, depth - 1) + ")"
          : "histogram_quantile(" + (r.nextInt(5) * 0.25) + ", " + randomExpr(r, depth - 1) + ")";
    };
  }

  /** Random compositions of the covered nodes: whatever the column-wise path answers equals the instant queries. */
  @Test
  void randomCompositionsEqualTheInstantQueries() {
    MemoryStorage s = data();
    java.util.Random r = new java.util.Random(20261126);
    int covered = 0;
    for (int i = 0; i < 400; i++) {
      String q = randomExpr(r, 3);
      Expr parsed;
      try {
        parsed = new Engine(EngineOptions.DEFAULT).parse(q);
      } catch (RuntimeException e) {
        continue;
      }
      if (parsed.type() != dev.hypnos.promql.parser.ValueType.VECTOR) {
        continue;
      }
      QueryResult c = columnar(s, q);
      if (c == null) {
        continue;
      }
      covered++;
      assertEqualsInstantQueries(s, q, c);
    }
    assertThat(covered).isGreaterThan(100);
  }

  /** Declined queries still give the step-wise answers. */
  @Test
  void declinedQueriesStillAnswer() {
    MemoryStorage s = data();
    for (String q : List.of("max(count by (zone) (max_over_time(g[1m])))", "quantile(2, g)",
        "histogram_quantile(-1, h_bucket)")) {
      assertEqualsInstantQueries(s, q, new Engine(EngineOptions.DEFAULT).rangeQuery(s, q, 0, END, STEP));
    }
  }
}
