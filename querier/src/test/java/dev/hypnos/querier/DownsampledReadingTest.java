package dev.hypnos.querier;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.chunk.Values;
import dev.hypnos.core.chunk.XorEncoder;
import dev.hypnos.core.dedup.DedupSeriesSet;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.storage.Querier;
import dev.hypnos.core.storage.SelectHints;
import dev.hypnos.core.storage.SeriesSet;
import dev.hypnos.promql.parser.PromQLParser;
import dev.hypnos.storeapi.Aggregate;
import dev.hypnos.storeapi.ChunkData;
import dev.hypnos.storeapi.LabelNamesRequest;
import dev.hypnos.storeapi.LabelNamesResponse;
import dev.hypnos.storeapi.LabelValuesRequest;
import dev.hypnos.storeapi.LabelValuesResponse;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesSink;
import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.storeapi.StoreChunk;
import dev.hypnos.storeapi.StoreInfo;
import dev.hypnos.storeapi.StoreSeries;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the querier asks for and reads downsampled data (Downsampling, DownsampledRewrite, StoreSeriesIterators). */
class DownsampledReadingTest {
  @Test
  void aggregatesFollowTheEnclosingFunctionAsThanos() {
    assertThat(Downsampling.aggregatesFor("min_over_time")).containsExactly(Aggregate.MIN);
    assertThat(Downsampling.aggregatesFor("min")).containsExactly(Aggregate.MIN);
    assertThat(Downsampling.aggregatesFor("max_over_time")).containsExactly(Aggregate.MAX);
    assertThat(Downsampling.aggregatesFor("count_over_time")).containsExactly(Aggregate.COUNT);
    assertThat(Downsampling.aggregatesFor("count")).containsExactly(Aggregate.COUNT);
    assertThat(Downsampling.aggregatesFor("sum_over_time")).containsExactly(Aggregate.SUM);
    assertThat(Downsampling.aggregatesFor("sum")).containsExactly(Aggregate.COUNT, Aggregate.SUM);
    for (String f : List.of("rate", "increase", "irate", "resets", "xrate", "xincrease")) {
      assertThat(Downsampling.aggregatesFor(f)).as(f).containsExactly(Aggregate.COUNTER);
    }
    assertThat(Downsampling.aggregatesFor("avg_over_time")).containsExactly(Aggregate.COUNT, Aggregate.SUM);
    assertThat(Downsampling.aggregatesFor("")).containsExactly(Aggregate.COUNT, Aggregate.SUM);
  }

  @Test
  void functionsNeedingTwoSamplesGetAtMostHalfTheirRange() {
    assertThat(Downsampling.maxResolutionFor(3_600_000, 3_600_000, "rate")).isEqualTo(1_800_000);
    assertThat(Downsampling.maxResolutionFor(300_000, 3_600_000, "rate")).isEqualTo(300_000);
    assertThat(Downsampling.maxResolutionFor(3_600_000, 3_600_000, "max_over_time")).isEqualTo(3_600_000);
    assertThat(Downsampling.maxResolutionFor(3_600_000, 0, "rate")).isEqualTo(3_600_000);
  }

  @Test
  void lookbackGrowsToAnHourWhenHourlyDataMayBeRead() {
    Duration five = Duration.ofMinutes(5);
    assertThat(Downsampling.lookbackDelta(five, 0)).isEqualTo(five);
    assertThat(Downsampling.lookbackDelta(five, 300_000)).isEqualTo(five);
    assertThat(Downsampling.lookbackDelta(five, 600_000)).isEqualTo(Duration.ofHours(1));
    assertThat(Downsampling.lookbackDelta(Duration.ofHours(2), 3_600_000)).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void rewriteTurnsCountsAndAveragesIntoSumsOfViews() {
    assertThat(DownsampledRewrite.rewrite(PromQLParser.parse("count_over_time(x[1h])")).toString())
        .isEqualTo("sum_over_time(x{__hypnos_downsampled_view__=\"count\"}[1h])");
    assertThat(DownsampledRewrite.rewrite(PromQLParser.parse("sum by (a) (avg_over_time(x{a=\"b\"}[5m] offset 1h))"))
        .toString()).isEqualTo("sum by (a) (sum_over_time(x{__hypnos_downsampled_view__=\"sum\",a=\"b\"}[5m] offset 1h)"
            + " / sum_over_time(x{__hypnos_downsampled_view__=\"count\",a=\"b\"}[5m] offset 1h))");
    // A subquery's points are counted as they are.
    assertThat(DownsampledRewrite.rewrite(PromQLParser.parse("count_over_time(rate(x[5m])[1h:5m])")).toString())
        .isEqualTo("count_over_time(rate(x[5m])[1h:5m])");
    assertThat(DownsampledRewrite.rewrite(PromQLParser.parse("max_over_time(x[1h])")).toString())
        .isEqualTo("max_over_time(x[1h])");
  }

  private static ChunkData xor(long[] t, double[] v) {
    XorEncoder e = new XorEncoder();
    for (int i = 0; i < t.length; i++) {
      e.append(t[i], v[i]);
    }
    return ChunkData.hashed(ChunkData.Encoding.XOR, e.bytes());
  }

  private static List<String> read(ChunkIterator it) {
    List<String> out = new ArrayList<>();
    while (it.next()) {
      out.add(it.timestamp() + "=" + it.value());
    }
    assertThat(it.error()).isNull();
    return out;
  }

  /** Two 5m aggregate chunks, then raw samples. */
  private static List<StoreChunk> mixed() {
    // Counter 10 -> 40 in chunk one; reset to 2 then 12 in chunk two: the counter part holds the
    // first raw sample, the running totals, and the last raw value at the last timestamp again.
    StoreChunk a = new StoreChunk(299_999, 599_999, null,
        xor(new long[] {299_999, 599_999}, new double[] {5, 5}),
        xor(new long[] {299_999, 599_999}, new double[] {50, 150}),
        null, null,
        xor(new long[] {0, 299_999, 599_999, 599_999}, new double[] {10, 20, 40, 40}));
    StoreChunk b = new StoreChunk(899_999, 899_999, null,
        xor(new long[] {899_999}, new double[] {4}),
        xor(new long[] {899_999}, new double[] {20}),
        null, null,
        xor(new long[] {600_000, 899_999, 899_999}, new double[] {2, 12, 12}));
    StoreChunk raw = StoreChunk.raw(900_010, 960_010,
        xor(new long[] {900_010, 930_010, 960_010}, new double[] {13, Values.STALE_NAN, 15}));
    return List.of(a, b, raw);
  }

  @Test
  void aggregateChunksReadAsAskedAndRawChunksAsThemselves() {
    List<StoreChunk> chunks = mixed();
    assertThat(read(StoreSeriesIterators.of(chunks, 0, 1_000_000, false, false,
        new StoreSeriesIterators.Reading(List.of(Aggregate.COUNT, Aggregate.SUM), null))))
        .containsExactly("299999=10.0", "599999=30.0", "899999=5.0", "900010=13.0", "930010=NaN", "960010=15.0");
    assertThat(read(StoreSeriesIterators.of(chunks, 0, 1_000_000, false, false,
        new StoreSeriesIterators.Reading(List.of(Aggregate.COUNT), null))))
        .containsExactly("299999=5.0", "599999=5.0", "899999=4.0", "900010=13.0", "930010=NaN", "960010=15.0");
    // Counter: resets applied across chunks, raw chunks included, stale markers dropped.
    assertThat(read(StoreSeriesIterators.of(chunks, 0, 1_000_000, false, true,
        new StoreSeriesIterators.Reading(List.of(Aggregate.COUNTER), null))))
        .containsExactly("0=10.0", "299999=20.0", "599999=40.0", "600000=42.0", "899999=52.0", "900010=53.0",
            "960010=55.0");
  }

  @Test
  void viewsCountRawSamplesAsOneAndSumThemAsThemselves() {
    List<StoreChunk> chunks = mixed();
    List<String> counts = read(StoreSeriesIterators.of(chunks, 0, 1_000_000, false, false,
        new StoreSeriesIterators.Reading(List.of(Aggregate.COUNT), Downsampling.View.COUNT)));
    assertThat(counts).containsExactly("299999=5.0", "599999=5.0", "899999=4.0", "900010=1.0", "930010=NaN",
        "960010=1.0");
    assertThat(read(StoreSeriesIterators.of(chunks, 0, 1_000_000, false, false,
        new StoreSeriesIterators.Reading(List.of(Aggregate.SUM), Downsampling.View.SUM))))
        .containsExactly("299999=50.0", "599999=150.0", "899999=20.0", "900010=13.0", "930010=NaN", "960010=15.0");
    // Raw-only series under the count view: ones, the stale marker kept as a stale marker.
    ChunkIterator it = StoreSeriesIterators.of(List.of(chunks.get(2)), 0, 1_000_000, false, false,
        new StoreSeriesIterators.Reading(List.of(Aggregate.COUNT), Downsampling.View.COUNT));
    assertThat(it.next()).isTrue();
    assertThat(it.value()).isEqualTo(1);
    assertThat(it.next()).isTrue();
    assertThat(Values.isStaleNaN(it.value())).isTrue();
  }

  @Test
  void aMissingAggregateIsAnError() {
    ChunkIterator it = StoreSeriesIterators.of(mixed(), 0, 1_000_000, false, false,
        new StoreSeriesIterators.Reading(List.of(Aggregate.MIN), null));
    assertThat(it.next()).isFalse();
    assertThat(it.error()).contains("min aggregate");
  }

  /** Records the requests it gets; answers with no series. */
  private static final class Recording implements StoreApi {
    final List<SeriesRequest> requests = new ArrayList<>();

    @Override
    public synchronized void series(SeriesRequest request, SeriesSink sink) {
      requests.add(request);
      sink.series(new StoreSeries(Labels.of("__name__", "x"), List.of(StoreChunk.raw(0, 0,
          xor(new long[] {0}, new double[] {1})))));
    }

    @Override
    public LabelNamesResponse labelNames(LabelNamesRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public LabelValuesResponse labelValues(LabelValuesRequest request) {
      throw new UnsupportedOperationException();
    }

    @Override
    public StoreInfo info() {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void requestsCarryResolutionAndAggregatesAndNeverTheViewLabel() throws Exception {
    Recording store = new Recording();
    try (StoreApiQueryable q = new StoreApiQueryable(store,
            new StoreApiQueryable.Options(List.of(), DedupSeriesSet.Algorithm.PENALTY, true, 3_600_000));
        Querier querier = q.querier(0, 10_000_000)) {
      List<Matcher> x = List.of(Matcher.eq("__name__", "x"));
      drain(querier.select(new SelectHints(0, 10_000_000, 0, "rate", 3_600_000, List.of(), false), x));
      List<Matcher> viewed = new ArrayList<>(x);
      viewed.add(Downsampling.View.COUNT.matcher());
      drain(querier.select(new SelectHints(0, 10_000_000, 0, "sum_over_time", 3_600_000, List.of(), false), viewed));
      drain(querier.select(new SelectHints(0, 10_000_000, 0, "", 0, List.of(), false), x));
    }
    assertThat(store.requests).hasSize(3);
    assertThat(store.requests.get(0).maxResolutionWindow()).isEqualTo(1_800_000);
    assertThat(store.requests.get(0).aggregates()).containsExactly(Aggregate.COUNTER);
    assertThat(store.requests.get(1).maxResolutionWindow()).isEqualTo(3_600_000);
    assertThat(store.requests.get(1).aggregates()).containsExactly(Aggregate.COUNT);
    assertThat(store.requests.get(1).matchers()).containsExactly(Matcher.eq("__name__", "x"));
    assertThat(store.requests.get(2).aggregates()).containsExactly(Aggregate.COUNT, Aggregate.SUM);
  }

  private static void drain(SeriesSet s) throws Exception {
    while (s.next()) {
      read(s.at().iterator());
    }
  }
}
