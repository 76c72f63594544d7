package dev.hypnos.promql.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.chunk.Values;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.storage.MemoryStorage;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EngineTest {
  private static MemoryStorage storage() {
    MemoryStorage s = new MemoryStorage();
    for (int i = 0; i <= 10; i++) {
      s.append(Labels.of("__name__", "up", "job", "a"), i * 60_000L, i);
      s.append(Labels.of("__name__", "up", "job", "b"), i * 60_000L, 2 * i);
    }
    return s;
  }

  @Test
  void instantSelectorLooksBackOverALeftOpenWindow() {
    Engine engine = new Engine(EngineOptions.DEFAULT);
    MemoryStorage s = new MemoryStorage();
    s.append(Labels.of("__name__", "x"), 0, 1);
    assertThat(((Vector) engine.instantQuery(s, "x", 299_999).value()).samples()).hasSize(1);
    assertThat(((Vector) engine.instantQuery(s, "x", 300_000).value()).samples()).isEmpty();
  }

  @Test
  void staleMarkerEndsTheSeries() {
    Engine engine = new Engine(EngineOptions.DEFAULT);
    MemoryStorage s = new MemoryStorage();
    s.append(Labels.of("__name__", "x"), 0, 1);
    s.append(Labels.of("__name__", "x"), 60_000, Values.STALE_NAN);
    assertThat(((Vector) engine.instantQuery(s, "x", 30_000).value()).samples()).hasSize(1);
    assertThat(((Vector) engine.instantQuery(s, "x", 90_000).value()).samples()).isEmpty();
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "x", "x offset 1m", "x @ 300", "x offset -2m", "rate(x[2m])", "increase(x[90s] offset 30s)",
      "delta(x[5m] @ 600)", "rate(x[1m])", "rate(y[3m])", "increase(y[10m] @ 900 offset 5m)",
      "rate(x[5m])", "increase(x[10m])", "rate(z[2m])", "delta(z[3m])", "increase(z[7m] offset 1m)",
      "sum(x)", "sum by (job) (x)", "avg(x)", "count(x)", "max(x)", "min(x)", "sum(rate(x[2m]))",
      "sum by (job) (rate(z[2m]))", "avg by (job) ({job=~\"a|c\"})", "count(z)", "max(z)", "min(z)",
      "sum(z)", "avg(z)", "sum without (job) (x)", "sum without (job) (abs(x))",
      "sum without (job) (rate(x[2m]))", "avg without (job) (vector(1))", "sum without (job) (timestamp(x))", "max by (__name__) ({__name__=~\"x|z\"})",
      "x + y", "x - on(job) y", "x / ignoring(__name__) z", "x * 2", "2 - x", "z / 0", "x > 3",
      "x == bool 4", "z + x", "rate(x[2m]) / rate(z[2m])", "x % on(job) z", "y ^ ignoring(job) x{job=\"a\"}", "z < 50",
      "3 >= z", "rate(z[3m]) * 60", "-1 + z", "x atan2 z", "(z) != (4)", "increase(z[5m]) - delta(x[4m])"})
  void seriesWiseRangeQueriesEqualTheInstantQueryAtEachStep(String q) {
    // gaps, a stale marker, counter resets, a second name with the same labels ("x" vs "y")
    MemoryStorage s = new MemoryStorage();
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
      // NaN, infinities, resets to a smaller non-zero value, a stale marker followed by more data
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
    }
    Engine engine = new Engine(EngineOptions.DEFAULT);
    long end = 1_300_000;
    Matrix m = (Matrix) engine.rangeQuery(s, q, 0, end, 20_000).value();
    java.util.Map<Labels, java.util.Map<Long, Double>> got = new java.util.HashMap<>();
    for (RangeSeries rs : m.series()) {
      for (FPoint p : rs.points()) {
        got.computeIfAbsent(rs.metric(), k -> new java.util.HashMap<>()).put(p.t(), p.f());
      }
    }
    int points = 0;
    for (long ts = 0; ts <= end; ts += 20_000) {
      for (Sample smp : ((Vector) engine.instantQuery(s, q, ts).value()).samples()) {
        assertThat(got.getOrDefault(smp.metric(), java.util.Map.of()).get(ts)).as(smp + " at " + ts).isEqualTo(Double.valueOf(smp.f()));
        points++;
      }
    }
    assertThat(m.series().stream().mapToInt(r -> r.points().size()).sum()).isEqualTo(points).isPositive();
  }

  @Test
  void rangeQueryBuildsSortedSeries() {
    Engine engine = new Engine(EngineOptions.DEFAULT);
    Matrix m = (Matrix) engine.rangeQuery(storage(), "sum by (job) (up) * 2", 0, 120_000, 60_000).value();
    assertThat(m.series()).hasSize(2);
    assertThat((Object) m.series().get(0).metric()).isEqualTo(Labels.of("job", "a"));
    assertThat(m.series().get(1).points()).containsExactly(new FPoint(0, 0), new FPoint(60_000, 4), new FPoint(120_000, 8));
  }

  @Test
  void rateOfANonCounterNameRaisesAnInfoWithPosition() {
    Engine engine = new Engine(EngineOptions.DEFAULT);
    QueryResult r = engine.instantQuery(storage(), "sum(rate(up[5m]))", 600_000);
    assertThat(r.annotations().rendered(Annotations.Kind.INFO, "sum(rate(up[5m]))")).containsExactly(
        "PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"up\" (1:10)");
  }

  @Test
  void tooManySamplesIsAnError() {
    Engine engine = new Engine(EngineOptions.DEFAULT.withMaxSamples(5));
    assertThatThrownBy(() -> engine.instantQuery(storage(), "up[10m]", 600_000))
        .isInstanceOf(QueryException.class)
        .hasMessage("query processing would load too many samples into memory in query execution")
        .extracting(e -> ((QueryException) e).kind()).isEqualTo(QueryException.Kind.TOO_MANY_SAMPLES);
  }

  @Test
  void timeoutIsMeasuredWithTheInjectedClock() {
    AtomicLong now = new AtomicLong();
    // each reading of the clock moves it one second on
    Engine engine = new Engine(EngineOptions.DEFAULT.withTimeout(Duration.ofSeconds(3)), () -> now.addAndGet(1_000_000_000L));
    assertThatThrownBy(() -> engine.rangeQuery(storage(), "up", 0, 600_000, 1_000))
        .isInstanceOf(QueryException.class)
        .hasMessageStartingWith("query timed out in ");
  }

  @Test
  void cancellationStopsTheQuery() {
    Engine engine = new Engine(EngineOptions.DEFAULT);
    AtomicBoolean cancel = new AtomicBoolean(true);
    assertThatThrownBy(() -> engine.instantQuery(storage(), engine.parse("up"), "up", 0, cancel))
        .isInstanceOf(QueryException.class)
        .extracting(e -> ((QueryException) e).kind()).isEqualTo(QueryException.Kind.CANCELED);
  }

  @Test
  void rangeQueryOfARangeVectorIsRejected() {
    Engine engine = new Engine(EngineOptions.DEFAULT);
    assertThatThrownBy(() -> engine.rangeQuery(storage(), "up[5m]", 0, 60_000, 60_000))
        .isInstanceOf(QueryException.class)
        .hasMessage("invalid expression type \"range vector\" for range query, must be Scalar or instant Vector");
  }

  @Test
  void manyToManyMatchingIsReported() {
    Engine engine = new Engine(EngineOptions.DEFAULT);
    assertThatThrownBy(() -> engine.instantQuery(storage(), "up + on() up", 60_000))
        .isInstanceOf(QueryException.class)
        .hasMessageContaining("found duplicate series for the match group {} on the right hand-side of the operation")
        .hasMessageEndingWith("many-to-many matching not allowed: matching labels must be unique on one side");
  }

  @Test
  void subqueryStepsAreAlignedToMultiplesOfTheStep() {
    Engine engine = new Engine(EngineOptions.DEFAULT);
    // at 150s a [2m:1m] subquery sees steps 60s and 120s (30s is outside the left-open window).
    Vector v = (Vector) engine.instantQuery(storage(), "count_over_time(up{job=\"a\"}[2m:1m])", 150_000).value();
    assertThat(v.samples()).hasSize(1);
    assertThat(v.samples().get(0).f()).isEqualTo(2);
  }

  @Test
  void querierCoversOnlyTheTimeTheSelectorsNeed() {
    MemoryStorage s = storage();
    java.util.List<long[]> opened = new java.util.ArrayList<>();
    dev.hypnos.core.storage.Queryable recording = (min, max) -> {
      opened.add(new long[] {min, max});
      return s.querier(min, max);
    };
    Engine engine = new Engine(EngineOptions.DEFAULT);
    engine.instantQuery(recording, "rate(up[10m] offset 1h)", 7_200_000);
    assertThat(opened).hasSize(1);
    // selector window (7.2e6 - 3.6e6 - 6e5, 7.2e6 - 3.6e6], widened by one lookback delta below
    assertThat(opened.get(0)).containsExactly(7_200_000L - 3_600_000 - 600_000 - 300_000, 7_200_000L - 3_600_000);
  }
}
