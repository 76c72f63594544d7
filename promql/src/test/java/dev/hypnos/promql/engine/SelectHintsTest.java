package dev.hypnos.promql.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.storage.MemoryStorage;
import dev.hypnos.core.storage.Querier;
import dev.hypnos.core.storage.Queryable;
import dev.hypnos.core.storage.SelectHints;
import dev.hypnos.core.storage.SeriesSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The hints the engine passes with each select, as Prometheus's {@code populateSeries} fills
 * them: innermost function or aggregation, matrix range, step (the innermost subquery's), and the
 * grouping of an aggregation directly around the selector.
 */
class SelectHintsTest {
  /** Records every select's hints by the {@code __name__} it asks for. */
  private static final class Recording implements Queryable {
    final MemoryStorage storage = new MemoryStorage();
    final Map<String, SelectHints> hints = new TreeMap<>();

    Recording() {
      for (String n : List.of("a", "b", "c")) {
        for (int i = 0; i < 20; i++) {
          storage.append(Labels.of("__name__", n, "job", "j"), i * 60_000L, i);
        }
      }
    }

    @Override
    public Querier querier(long minTime, long maxTime) throws IOException {
      Querier q = storage.querier(minTime, maxTime);
      return new Querier() {
        @Override
        public SeriesSet select(SelectHints h, List<Matcher> matchers) throws IOException {
          for (Matcher m : matchers) {
            if (m.name().equals("__name__")) {
              hints.put(m.value(), h);
            }
          }
          return q.select(h, matchers);
        }

        @Override
        public List<String> labelValues(String name, List<Matcher> matchers) throws IOException {
          return q.labelValues(name, matchers);
        }

        @Override
        public List<String> labelNames(List<Matcher> matchers) throws IOException {
          return q.labelNames(matchers);
        }
      };
    }
  }

  private static Map<String, SelectHints> instant(String query) {
    Recording r = new Recording();
    new Engine(EngineOptions.DEFAULT).instantQuery(r, query, 900_000);
    return r.hints;
  }

  @Test
  void functionAroundAMatrixSelectorAndItsRange() {
    SelectHints h = instant("count_over_time(a[10m])").get("a");
    assertThat(h.func()).isEqualTo("count_over_time");
    assertThat(h.range()).isEqualTo(600_000);
    assertThat(h.step()).isZero();
    assertThat(h.start()).isEqualTo(900_000 - 600_000 + 1);
    assertThat(h.end()).isEqualTo(900_000);
  }

  @Test
  void innermostFunctionWinsAndAggregationGroupingIsPassed() {
    Map<String, SelectHints> h = instant("sum by (job) (rate(a[5m])) + max without (x) (b) + (c)");
    assertThat(h.get("a").func()).isEqualTo("rate");
    assertThat(h.get("a").range()).isEqualTo(300_000);
    assertThat(h.get("a").grouping()).isEmpty();
    assertThat(h.get("b").func()).isEqualTo("max");
    assertThat(h.get("b").grouping()).containsExactly("x");
    assertThat(h.get("b").by()).isFalse();
    assertThat(h.get("b").range()).isZero();
    assertThat(h.get("c").func()).isEmpty();
  }

  @Test
  void binaryOperatorHidesTheOuterFunction() {
    Map<String, SelectHints> h = instant("abs(a - b)");
    assertThat(h.get("a").func()).isEmpty();
    assertThat(h.get("b").func()).isEmpty();
    assertThat(instant("sum by (job) ((a))").get("a").func()).isEqualTo("sum");
    assertThat(instant("sum by (job) ((a))").get("a").grouping()).isEmpty();
    assertThat(instant("sum by (job) (a)").get("a").grouping()).containsExactly("job");
    assertThat(instant("sum by (job) (a)").get("a").by()).isTrue();
  }

  @Test
  void subqueryStepReachesTheSelectorsInside() {
    Map<String, SelectHints> h = instant("max_over_time(rate(a[5m])[10m:2m]) + min_over_time(b[10m:])");
    assertThat(h.get("a").func()).isEqualTo("rate");
    assertThat(h.get("a").step()).isEqualTo(120_000);
    assertThat(h.get("a").range()).isEqualTo(300_000);
    assertThat(h.get("b").func()).isEqualTo("min_over_time");
    assertThat(h.get("b").step()).isEqualTo(60_000);
    assertThat(h.get("b").range()).isZero();
  }

  @Test
  void rangeQueryStepIsPassed() {
    Recording r = new Recording();
    List<Long> steps = new ArrayList<>();
    new Engine(EngineOptions.DEFAULT).rangeQuery(r, "avg_over_time(a[3m])", 300_000, 900_000, 120_000);
    steps.add(r.hints.get("a").step());
    assertThat(steps).containsExactly(120_000L);
    assertThat(r.hints.get("a").func()).isEqualTo("avg_over_time");
  }
}
