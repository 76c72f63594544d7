package dev.hypnos.storegateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.objstore.FilesystemBucket;
import dev.hypnos.storeapi.LabelNamesRequest;
import dev.hypnos.storeapi.LabelValuesRequest;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesResponse;
import dev.hypnos.storeapi.StoreApiException;
import dev.hypnos.storeapi.StoreSeries;
import dev.hypnos.storegateway.BlockFixture.Sample;
import dev.hypnos.storegateway.block.IndexCache;
import dev.hypnos.storegateway.block.Partitioner;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Series, LabelNames and LabelValues of a {@link BucketStore} over promtool-made blocks in a
 * filesystem bucket, checked against {@code promtool tsdb dump}.
 */
class BucketStoreSeriesTest {
  @TempDir static Path data;
  static BlockFixture fx;
  static FilesystemBucket bucket;
  static BucketStore store;

  @BeforeAll
  static void open() throws IOException {
    fx = BlockFixture.get();
    bucket = new FilesystemBucket(fx.bucketDir);
    // A small batch so that every block is read in several batches.
    store = new BucketStore(bucket, data, new IndexCache(8 << 20), new Partitioner(Partitioner.DEFAULT_MAX_GAP),
        InstantSource.fixed(Instant.EPOCH), BucketStore.Options.DEFAULTS.withSeriesBatchSize(7));
    assertThat(store.setBlocks(fx.metas)).isEmpty();
    assertThat(store.blockIds()).hasSize(fx.blocks.size()).hasSizeGreaterThanOrEqualTo(4);
  }

  @AfterAll
  static void close() throws IOException {
    if (store != null) {
      store.close();
    }
    if (bucket != null) {
      bucket.close();
    }
  }

  static List<SeriesResponse> call(BucketStore s, SeriesRequest req) throws IOException {
    List<SeriesResponse> out = new ArrayList<>();
    s.series(req, out::add);
    return out;
  }

  static List<StoreSeries> series(List<SeriesResponse> rs) {
    List<StoreSeries> out = new ArrayList<>();
    for (SeriesResponse r : rs) {
      if (r instanceof SeriesResponse.SeriesItem i) {
        out.add(i.series());
      }
    }
    return out;
  }

  /** Runs the request and checks the answer equals the dump's, series for series, sample for sample. */
  static Map<Labels, List<Sample>> check(long mint, long maxt, Labels external, Matcher... ms) throws IOException {
    List<Matcher> matchers = List.of(ms);
    List<SeriesResponse> rs = call(store, SeriesRequest.builder(mint, maxt, matchers).build());
    assertThat(rs).allMatch(r -> r instanceof SeriesResponse.SeriesItem, "only series frames");
    List<StoreSeries> got = series(rs);
    for (int i = 1; i < got.size(); i++) {
      assertThat(got.get(i - 1).labels().compareTo(got.get(i).labels())).as("sorted and distinct at %d", i)
          .isNegative();
    }
    Map<Labels, List<Sample>> actual = new TreeMap<>();
    for (StoreSeries s : got) {
      for (int i = 1; i < s.chunks().size(); i++) {
        assertThat(s.chunks().get(i).minTime()).isGreaterThanOrEqualTo(s.chunks().get(i - 1).minTime());
      }
      actual.put(s.labels(), BlockFixture.samples(s, mint, maxt));
    }
    Map<Labels, List<Sample>> expected = fx.expected(mint, maxt, matchers, external);
    assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
    assertThat(actual).isEqualTo(expected);
    return actual;
  }

  @Test
  void equalityOverEverything() throws IOException {
    Map<Labels, List<Sample>> got = check(fx.minTime, fx.maxTime, BlockFixture.EXTERNAL, Matcher.eq("job", "api"));
    assertThat(got).hasSizeGreaterThan(20);
  }

  @Test
  void notEqualAndRegexWithinRangeCuttingBlocks() throws IOException {
    long mint = fx.minTime + 90 * 60_000L + 123;
    long maxt = fx.minTime + 4 * 3_600_000L + 17 * 60_000L;
    Map<Labels, List<Sample>> got = check(mint, maxt, BlockFixture.EXTERNAL,
        Matcher.re("__name__", "hypnos_temperature_.*"), Matcher.neq("zone", "eu"));
    assertThat(got).isNotEmpty();
  }

  @Test
  void negativeRegex() throws IOException {
    assertThat(check(fx.minTime, fx.maxTime, BlockFixture.EXTERNAL, Matcher.re("__name__", "hypnos_requests_.*"),
        Matcher.nre("method", "GET|PUT"))).isNotEmpty();
  }

  @Test
  void emptyValueMatchesSeriesWithoutTheLabel() throws IOException {
    Map<Labels, List<Sample>> got = check(fx.minTime, fx.maxTime, BlockFixture.EXTERNAL,
        Matcher.re("__name__", "hypnos_request_duration_seconds_.*"), Matcher.eq("le", ""));
    assertThat(got).isNotEmpty().allSatisfy((l, s) -> assertThat(l.get("le")).isNull());
  }

  @Test
  void regexMatchingEmptyAndNotEmpty() throws IOException {
    assertThat(check(fx.minTime, fx.maxTime, BlockFixture.EXTERNAL, Matcher.re("job", "api|"),
        Matcher.re("le", "\\+Inf|0.5|"), Matcher.neq("__name__", ""))).isNotEmpty();
    assertThat(check(fx.minTime + 3_600_000L, fx.minTime + 3_700_000L, BlockFixture.EXTERNAL,
        Matcher.re("room", "caf.*|room-1"))).hasSize(2);
  }

  @Test
  void externalLabelMatchers() throws IOException {
    assertThat(check(fx.minTime, fx.maxTime, BlockFixture.EXTERNAL, Matcher.eq("cluster", "eu-1"),
        Matcher.eq("zone", "us"))).isNotEmpty();
    assertThat(check(fx.minTime, fx.maxTime, BlockFixture.EXTERNAL, Matcher.eq("cluster", "us-2"),
        Matcher.eq("zone", "us"))).isEmpty();
    // Only external-label matchers: every series of the blocks.
    assertThat(check(fx.minTime, fx.maxTime, BlockFixture.EXTERNAL, Matcher.re("replica", "a|b")))
        .hasSize(fx.dump.size());
  }

  @Test
  void withoutReplicaLabelsAndSkipChunks() throws IOException {
    SeriesRequest req = SeriesRequest.builder(fx.minTime, fx.maxTime, List.of(Matcher.re("__name__", ".+")))
        .withoutReplicaLabels(List.of("replica")).skipChunks(true).build();
    List<StoreSeries> got = series(call(store, req));
    Map<Labels, List<Sample>> want = fx.expected(fx.minTime, fx.maxTime, req.matchers(), Labels.of("cluster", "eu-1"));
    List<Labels> labels = new ArrayList<>();
    for (StoreSeries s : got) {
      assertThat(s.chunks()).isEmpty();
      labels.add(s.labels());
    }
    assertThat(labels).containsExactlyElementsOf(want.keySet());
  }

  @Test
  void limitCutsTheStream() throws IOException {
    SeriesRequest req = SeriesRequest.builder(fx.minTime, fx.maxTime, List.of(Matcher.eq("job", "api")))
        .limit(3).build();
    List<StoreSeries> got = series(call(store, req));
    List<Labels> want = new ArrayList<>(fx.expected(fx.minTime, fx.maxTime, req.matchers(), BlockFixture.EXTERNAL)
        .keySet()).subList(0, 3);
    assertThat(got).extracting(StoreSeries::labels).containsExactlyElementsOf(want);
  }

  @Test
  void requestLimitsAreResourceExhausted() throws IOException {
    try (BucketStore limited = new BucketStore(bucket, data.resolve("limited"), IndexCache.disabled(),
        new Partitioner(Partitioner.DEFAULT_MAX_GAP), InstantSource.fixed(Instant.EPOCH),
        BucketStore.Options.DEFAULTS.withLimits(10, 0))) {
      limited.setBlocks(fx.metas);
      SeriesRequest req = SeriesRequest.builder(fx.minTime, fx.maxTime, List.of(Matcher.eq("job", "api"))).build();
      assertThatThrownBy(() -> call(limited, req))
          .isInstanceOfSatisfying(StoreApiException.class,
              e -> assertThat(e.category()).isEqualTo(StoreApiException.Category.RESOURCE_EXHAUSTED))
          .hasMessageContaining("--store.limits.request-series=10");
      // Few enough series pass.
      SeriesRequest small = SeriesRequest.builder(fx.minTime, fx.minTime + 60_000,
          List.of(Matcher.eq("__name__", "hypnos_temperature_0"), Matcher.eq("room", "room-2"))).build();
      assertThat(series(call(limited, small))).hasSize(1);
    }
    try (BucketStore limited = new BucketStore(bucket, data.resolve("limited2"), IndexCache.disabled(),
        new Partitioner(Partitioner.DEFAULT_MAX_GAP), InstantSource.fixed(Instant.EPOCH),
        BucketStore.Options.DEFAULTS.withLimits(0, 1000))) {
      limited.setBlocks(fx.metas);
      SeriesRequest req = SeriesRequest.builder(fx.minTime, fx.maxTime, List.of(Matcher.eq("job", "api"))).build();
      assertThatThrownBy(() -> call(limited, req))
          .isInstanceOfSatisfying(StoreApiException.class,
              e -> assertThat(e.category()).isEqualTo(StoreApiException.Category.RESOURCE_EXHAUSTED))
          .hasMessageContaining("--store.limits.request-samples=1000");
    }
  }

  @Test
  void rangeReadsAreMerged() throws IOException {
    long before = store.bucketRequests();
    List<StoreSeries> got = series(call(store, SeriesRequest.builder(fx.minTime, fx.maxTime,
        List.of(Matcher.re("__name__", ".+"), Matcher.eq("cluster", "eu-1"))).build()));
    long requests = store.bucketRequests() - before;
    assertThat(got).hasSize(fx.dump.size());
    // Without merging: one request per postings list, per series entry and per chunk of each block.
    long chunks = got.stream().mapToLong(s -> s.chunks().size()).sum();
    assertThat(requests).isLessThan(chunks / 4);
  }

  @Test
  void aOneSeriesQueryFetchesAtMostTwiceItsAnswer() throws IOException {
    // The series of the smallest family, selected by name and instance (as a dashboard panel does).
    Map<String, Integer> families = new TreeMap<>();
    for (Labels l : fx.dump.keySet()) {
      families.merge(l.get("__name__"), 1, Integer::sum);
    }
    Labels one = null;
    for (Labels l : fx.dump.keySet()) {
      if (l.get("instance") != null && (one == null
          || families.get(l.get("__name__")) < families.get(one.get("__name__")))) {
        one = l;
      }
    }
    assertThat(one == null).as("a series with an instance label").isFalse();
    try (BucketStore s = new BucketStore(bucket, data.resolve("one"), IndexCache.disabled(),
        new Partitioner(Partitioner.DEFAULT_MAX_GAP), InstantSource.fixed(Instant.EPOCH), BucketStore.Options.DEFAULTS)) {
      assertThat(s.setBlocks(fx.metas)).isEmpty();
      long before = s.bucketBytesRequested();
      List<StoreSeries> got = series(call(s, SeriesRequest.builder(fx.minTime, fx.maxTime,
          List.of(Matcher.eq("__name__", one.get("__name__")), Matcher.eq("instance", one.get("instance")))).build()));
      long fetched = s.bucketBytesRequested() - before;
      long answer = 0;
      for (StoreSeries x : got) {
        answer += x.labels().utf8Size();
        for (var c : x.chunks()) {
          answer += c.raw().length();
        }
      }
      assertThat(got).isNotEmpty();
      // postings lists, series entries and chunks, all cold: exact or learned sizes, bounded gaps
      assertThat(fetched).as("bytes asked of the bucket for %d answer bytes", answer).isLessThanOrEqualTo(2 * answer);
    }
  }

  @Test
  void entriesLongerThanTheirEstimateAreReadAgain() throws IOException {
    // index_stats claiming 1-byte series and chunks: every entry and chunk outgrows its estimate.
    List<dev.hypnos.core.block.BlockMeta> tiny = new ArrayList<>();
    for (dev.hypnos.core.block.BlockMeta m : fx.metas) {
      var t = m.thanos();
      tiny.add(m.withThanos(new dev.hypnos.core.block.BlockMeta.Thanos(1, t.labels(), t.downsample(), t.source(),
          List.of(), List.of(), null, new dev.hypnos.core.block.BlockMeta.IndexStats(1, 1), null, null)));
    }
    try (BucketStore s = new BucketStore(bucket, data.resolve("tiny"), IndexCache.disabled(),
        new Partitioner(Partitioner.DEFAULT_MAX_GAP), InstantSource.fixed(Instant.EPOCH),
        BucketStore.Options.DEFAULTS.withSeriesBatchSize(5))) {
      assertThat(s.setBlocks(tiny)).isEmpty();
      List<Matcher> ms = List.of(Matcher.re("__name__", "hypnos_temperature_.*"));
      Map<Labels, List<Sample>> actual = new TreeMap<>();
      for (StoreSeries x : series(call(s, SeriesRequest.builder(fx.minTime, fx.maxTime, ms).build()))) {
        actual.put(x.labels(), BlockFixture.samples(x, fx.minTime, fx.maxTime));
      }
      assertThat(actual).isEqualTo(fx.expected(fx.minTime, fx.maxTime, ms, BlockFixture.EXTERNAL)).isNotEmpty();
    }
  }

  @Test
  void cachedPostingsAndSeriesAreNotFetchedAgain() throws IOException {
    try (BucketStore s = new BucketStore(bucket, data.resolve("cached"), new IndexCache(16 << 20),
        new Partitioner(Partitioner.DEFAULT_MAX_GAP), InstantSource.fixed(Instant.EPOCH),
        BucketStore.Options.DEFAULTS)) {
      s.setBlocks(fx.metas);
      SeriesRequest req = SeriesRequest.builder(fx.minTime, fx.maxTime, List.of(Matcher.eq("job", "db")))
          .skipChunks(true).build();
      List<StoreSeries> first = series(call(s, req));
      long afterFirst = s.bucketRequests();
      assertThat(afterFirst).isPositive();
      List<StoreSeries> second = series(call(s, req));
      assertThat(second).isEqualTo(first).isNotEmpty();
      assertThat(s.bucketRequests()).as("no bucket reads for a repeated labels-only query").isEqualTo(afterFirst);
      assertThat(s.indexCache().hits()).isPositive();
      assertThat(s.indexCache().weightedSize()).isPositive().isLessThanOrEqualTo(16 << 20);
    }
  }

  @Test
  void blocksRemovedDuringACallServeItToTheEnd() throws IOException {
    try (BucketStore s = new BucketStore(bucket, data.resolve("removed"), IndexCache.disabled(),
        new Partitioner(Partitioner.DEFAULT_MAX_GAP), InstantSource.fixed(Instant.EPOCH),
        BucketStore.Options.DEFAULTS.withSeriesBatchSize(3))) {
      s.setBlocks(fx.metas);
      List<Matcher> ms = List.of(Matcher.eq("job", "api"));
      Map<Labels, List<Sample>> actual = new TreeMap<>();
      s.series(SeriesRequest.builder(fx.minTime, fx.maxTime, ms).build(), r -> {
        if (r instanceof SeriesResponse.SeriesItem i) {
          if (actual.isEmpty()) {
            s.setBlocks(List.of()); // the sync drops every block under the running call
          }
          actual.put(i.series().labels(), BlockFixture.samples(i.series(), fx.minTime, fx.maxTime));
        }
      });
      assertThat(s.blockIds()).isEmpty();
      for (var id : fx.blocks) {
        assertThat(data.resolve("removed").resolve(id.toString())).as("local files freed after the call").doesNotExist();
      }
      assertThat(actual).isEqualTo(fx.expected(fx.minTime, fx.maxTime, ms, BlockFixture.EXTERNAL));
      assertThat(series(call(s, SeriesRequest.builder(fx.minTime, fx.maxTime, ms).build()))).isEmpty();
    }
  }

  @Test
  void seriesStreamBeforeTheBlocksAreReadToTheEnd() throws IOException {
    try (BucketStore s = new BucketStore(bucket, data.resolve("streaming"), IndexCache.disabled(),
        new Partitioner(Partitioner.DEFAULT_MAX_GAP), InstantSource.fixed(Instant.EPOCH),
        BucketStore.Options.DEFAULTS.withSeriesBatchSize(4))) {
      s.setBlocks(fx.metas);
      long[] atFirst = {-1};
      int[] n = {0};
      long before = s.bucketRequests();
      s.series(SeriesRequest.builder(fx.minTime, fx.maxTime, List.of(Matcher.re("__name__", ".+"))).build(), r -> {
        if (n[0]++ == 0) {
          atFirst[0] = s.bucketRequests() - before;
        }
      });
      long total = s.bucketRequests() - before;
      assertThat(n[0]).isEqualTo(fx.dump.size());
      // At the first frame each block has read its postings and at most two batches of 4 series
      // (one being sent, one read ahead), each with its chunks: memory holds batches, not the match.
      assertThat(atFirst[0]).isLessThanOrEqualTo(5L * fx.blocks.size());
      assertThat(total).isGreaterThan(10 * atFirst[0]);
    }
  }

  @Test
  void labelNamesAndValuesEqualTheDump() throws IOException {
    TreeSet<String> names = new TreeSet<>(Labels::compareStrings);
    TreeSet<String> jobs = new TreeSet<>(Labels::compareStrings);
    TreeSet<String> zoneNames = new TreeSet<>(Labels::compareStrings);
    TreeSet<String> apiHandlers = new TreeSet<>(Labels::compareStrings);
    for (Labels l : fx.dump.keySet()) {
      Labels full = BlockFixture.withExternal(l, BlockFixture.EXTERNAL);
      full.forEach((n, v) -> names.add(n));
      if (l.get("job") != null) {
        jobs.add(l.get("job"));
      }
      if (l.get("zone") != null) {
        full.forEach((n, v) -> zoneNames.add(n));
      }
      if ("api".equals(l.get("job")) && l.get("handler") != null) {
        apiHandlers.add(l.get("handler"));
      }
    }
    assertThat(store.labelNames(LabelNamesRequest.of(fx.minTime, fx.maxTime, List.of())).names())
        .containsExactlyElementsOf(names);
    assertThat(store.labelNames(LabelNamesRequest.of(fx.minTime, fx.maxTime, List.of(Matcher.re("zone", ".+"))))
        .names()).containsExactlyElementsOf(zoneNames);
    assertThat(store.labelValues(LabelValuesRequest.of("job", fx.minTime, fx.maxTime, List.of())).values())
        .containsExactlyElementsOf(jobs);
    assertThat(store.labelValues(LabelValuesRequest.of("handler", fx.minTime, fx.maxTime,
        List.of(Matcher.eq("job", "api")))).values()).containsExactlyElementsOf(apiHandlers);
    assertThat(store.labelValues(LabelValuesRequest.of("cluster", fx.minTime, fx.maxTime, List.of())).values())
        .containsExactly("eu-1");
    assertThat(store.labelValues(LabelValuesRequest.of("job", fx.maxTime + 1, fx.maxTime + 10, List.of())).values())
        .isEmpty();
  }

  @Test
  void infoReportsExternalLabelsAndRange() throws IOException {
    var info = store.info();
    assertThat(info.labelSets()).containsExactly(BlockFixture.EXTERNAL);
    assertThat(info.minTime()).isEqualTo(fx.minTime);
    assertThat(info.maxTime()).isEqualTo(fx.maxTime);
    assertThat(info.supportsWithoutReplicaLabels()).isTrue();
    assertThat(info.supportsSharding()).isTrue();
    // promtool's blocks span their samples only, so they leave sub-second gaps: one info each.
    assertThat(info.tsdbInfos()).hasSize(fx.blocks.size());
    assertThat(info.tsdbInfos().get(0).minTime()).isEqualTo(fx.minTime);
    assertThat(info.tsdbInfos().get(fx.blocks.size() - 1).maxTime()).isEqualTo(fx.maxTime);
  }
}
