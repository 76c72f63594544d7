package dev.hypnos.testing.storeapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.hypnos.core.chunk.XorIterator;
import dev.hypnos.core.labels.Label;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.proto.thanos.info.InfoGrpc;
import dev.hypnos.proto.thanos.info.InfoRequest;
import dev.hypnos.proto.thanos.info.InfoResponse;
import dev.hypnos.proto.thanos.store.LabelMatcher;
import dev.hypnos.proto.thanos.store.StoreGrpc;
import dev.hypnos.storeapi.ChunkData;
import dev.hypnos.storeapi.GrpcServers;
import dev.hypnos.storeapi.InfoGrpcService;
import dev.hypnos.storeapi.LabelNamesRequest;
import dev.hypnos.storeapi.LabelValuesRequest;
import dev.hypnos.storeapi.ProtoConverters;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.ShardInfo;
import dev.hypnos.storeapi.StoreApi;
import dev.hypnos.storeapi.StoreChunk;
import dev.hypnos.storeapi.StoreGrpcService;
import dev.hypnos.storeapi.StoreInfo;
import dev.hypnos.storeapi.StoreSeries;
import dev.hypnos.testing.OpenMetricsGenerator;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Store API contract: what every implementation (store gateway, sidecar, proxy) must do,
 * checked over real gRPC. A subclass loads {@link Dataset#standard()} into its store in {@link
 * #createStore}; the suite serves that store with {@link StoreGrpcService} and {@link
 * InfoGrpcService} on a Netty server at 127.0.0.1 (any free port), talks to it through a real
 * channel, decodes every chunk and compares the samples with the dataset's.
 *
 * <p>What is fixed and what is left open:
 *
 * <ul>
 *   <li>Exact: which series match (all four matcher types, fully anchored regexes, empty values,
 *       external labels), their order ({@code labels.Compare}, Go byte order), sorted labels,
 *       external labels added and winning, {@code without_replica_labels}, {@code skip_chunks},
 *       {@code limit}, frame shapes per {@code response_batch_size}, and every sample in range.
 *   <li>Open: chunks may extend beyond the requested range (only in-range samples are compared),
 *       but must overlap it; a store may send a matching series that has no sample in range
 *       (block-granular stores do) as long as it has no in-range sample; label names and values
 *       for a partial range lie between the exact answer and the answer over all data.
 * </ul>
 *
 * <p>Subclasses run with {@code @TestInstance(PER_CLASS)} semantics: one store per class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class StoreApiContract {
  private static final long T0 = Dataset.T0;
  private static final long MINUTE = 60_000;
  private static final long HOUR = 60 * MINUTE;
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  private @Nullable Dataset dataset;
  private @Nullable StoreApi store;
  private @Nullable Server server;
  private @Nullable ManagedChannel channel;

  /**
   * A store serving exactly {@code dataset}: its series, with its external labels added. Called
   * once per test class, before any test.
   */
  protected abstract StoreApi createStore(Dataset dataset) throws Exception;

  /** Releases the store after all tests; by default closes it when it is AutoCloseable. */
  protected void closeStore(StoreApi store) throws Exception {
    if (store instanceof AutoCloseable c) {
      c.close();
    }
  }

  @BeforeAll
  final void startStoreServer() throws Exception {
    dataset = Dataset.standard();
    store = createStore(dataset);
    server = GrpcServers.start("127.0.0.1:0", List.of(new StoreGrpcService(store), InfoGrpcService.forStore(store)));
    channel = GrpcServers.plaintextChannel("127.0.0.1", server.getPort());
  }

  @AfterAll
  final void stopStoreServer() throws Exception {
    try {
      if (channel != null) {
        GrpcServers.shutdown(channel, Duration.ofSeconds(5));
      }
      if (server != null) {
        GrpcServers.shutdown(server, Duration.ofSeconds(5));
      }
    } finally {
      if (store != null) {
        closeStore(store);
      }
    }
  }

  /** The dataset the store was loaded with. */
  protected final Dataset dataset() {
    return java.util.Objects.requireNonNull(dataset, "dataset: the suite has not started");
  }

  private StoreGrpc.StoreBlockingStub stub() {
    return StoreGrpc.newBlockingStub(java.util.Objects.requireNonNull(channel, "channel"))
        .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  // ------------------------------------------------------------------------------------------
  // Info

  @Test
  void infoReportsExternalLabelsAndCoversTheData() {
    InfoResponse info = InfoGrpc.newBlockingStub(java.util.Objects.requireNonNull(channel))
        .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .info(InfoRequest.getDefaultInstance());
    assertThat(info.getComponentType()).isNotEmpty();
    StoreInfo storeInfo = ProtoConverters.toStoreInfo(info);
    assertThat(storeInfo).as("store section of the Info response").isNotNull();
    assertThat(storeInfo.labelSets()).contains(dataset().externalLabels());
    assertThat(storeInfo.minTime()).isLessThanOrEqualTo(dataset().minTime());
    assertThat(storeInfo.maxTime()).isGreaterThanOrEqualTo(dataset().maxTime());
  }

  // ------------------------------------------------------------------------------------------
  // Matchers

  @Test
  void equalityMatchers() {
    checkSeries(all(Matcher.eq("__name__", "http_requests_total"), Matcher.eq("job", "api")), 4);
  }

  @Test
  void negativeMatcher() {
    checkSeries(all(Matcher.eq("__name__", "http_requests_total"), Matcher.neq("method", "GET")), 4);
  }

  @Test
  void regexMatchersAreFullyAnchored() {
    checkSeries(all(Matcher.re("__name__", "http_.*|temp.*")), 11);
    checkSeries(all(Matcher.re("__name__", "http")), 0);
    checkSeries(all(Matcher.re("__name__", "http_requests_total"), Matcher.re("job", "ap")), 0);
    checkSeries(all(Matcher.re("__name__", ".*_total"), Matcher.re("instance", "h1:.*")), 4);
  }

  @Test
  void negativeRegexMatcher() {
    checkSeries(all(Matcher.eq("__name__", "temperature"), Matcher.nre("room", "ha.*")), 2);
    checkSeries(all(Matcher.eq("__name__", "temperature"), Matcher.nre("room", "ha")), 3);
  }

  @Test
  void emptyValueMatchersSelectSeriesWithoutTheLabel() {
    checkSeries(all(Matcher.eq("__name__", "temperature"), Matcher.eq("zone", "")), 1);
    checkSeries(all(Matcher.eq("__name__", "temperature"), Matcher.neq("zone", "")), 2);
    checkSeries(all(Matcher.eq("__name__", "temperature"), Matcher.re("zone", "|north")), 2);
    checkSeries(all(Matcher.eq("__name__", "sparse"), Matcher.eq("no_such_label", "")), 1);
    checkSeries(all(Matcher.eq("__name__", "sparse"), Matcher.re("no_such_label", ".+")), 0);
  }

  @Test
  void matchersOnExternalLabelsUseTheExternalValue() {
    checkSeries(all(Matcher.eq("__name__", "sparse"), Matcher.eq("cluster", "eu-1")), 1);
    checkSeries(all(Matcher.eq("__name__", "sparse"), Matcher.eq("cluster", "us-9")), 0);
    checkSeries(all(Matcher.eq("__name__", "conflict_metric"), Matcher.eq("cluster", "inner")), 0);
  }

  @Test
  void valuesWithQuotesAndNonAsciiMatch() {
    checkSeries(all(Matcher.eq("room", "caf\u00e9 \"main\"")), 1);
    checkSeries(all(Matcher.eq("__name__", "ordering"), Matcher.eq("sym", "\uD83D\uDE00")), 1);
  }

  // ------------------------------------------------------------------------------------------
  // Order, labels, external labels

  @Test
  void everythingSortedWithSortedLabelsAndExternalLabels() {
    List<StoreSeries> got = checkSeries(all(Matcher.re("__name__", ".+")), dataset().series().size());
    for (int i = 1; i < got.size(); i++) {
      assertThat(got.get(i - 1).labels().compareTo(got.get(i).labels()))
          .as("series %s must sort before %s", got.get(i - 1).labels(), got.get(i).labels())
          .isNegative();
    }
    for (StoreSeries s : got) {
      Labels ls = s.labels();
      for (int i = 1; i < ls.size(); i++) {
        assertThat(Labels.compareStrings(ls.name(i - 1), ls.name(i)))
            .as("label names of %s in Go byte order", ls)
            .isNegative();
      }
      for (Label ext : dataset().externalLabels()) {
        assertThat(ls.get(ext.name())).as("external label %s on %s", ext.name(), ls).isEqualTo(ext.value());
      }
    }
  }

  @Test
  void externalLabelsWinOverSeriesLabels() {
    List<StoreSeries> got = checkSeries(all(Matcher.eq("__name__", "conflict_metric")), 1);
    assertThat(got.get(0).labels().get("cluster")).isEqualTo(dataset().externalLabels().get("cluster"));
    assertThat(got.get(0).labels().get("k")).isEqualTo("v");
  }

  @Test
  void withoutReplicaLabelsStripsThemAndKeepsTheOrder() {
    Assumptions.assumeTrue(storeInfo().supportsWithoutReplicaLabels(), "store does not support without_replica_labels");
    SeriesRequest req = SeriesRequest.builder(dataset().minTime(), dataset().maxTime(), List.of(Matcher.re("__name__", ".+")))
        .withoutReplicaLabels(List.of("replica"))
        .build();
    List<StoreSeries> got = checkSeries(req, dataset().series().size());
    for (StoreSeries s : got) {
      assertThat(s.labels().get("replica")).as("replica label on %s", s.labels()).isNull();
      assertThat(s.labels().get("cluster")).isEqualTo("eu-1");
    }
  }

  // ------------------------------------------------------------------------------------------
  // Time ranges

  @Test
  void timeRangesCutChunks() {
    List<Matcher> ms = List.of(Matcher.re("__name__", ".+"));
    checkSeries(SeriesRequest.builder(T0 + 47 * MINUTE + 500, T0 + HOUR + 13 * MINUTE + 1, ms).build(), -1);
    // Across a block boundary of 2h-aligned blocks.
    checkSeries(SeriesRequest.builder(T0 + HOUR + 30 * MINUTE, T0 + 2 * HOUR + 30 * MINUTE, ms).build(), -1);
    // The tail: only series that reach it.
    checkSeries(SeriesRequest.builder(T0 + 3 * HOUR + 50 * MINUTE, T0 + 10 * HOUR, ms).build(), -1);
  }

  @Test
  void timeRangeBoundsAreInclusive() {
    long sample = T0 + 10 * MINUTE; // a sample of "sparse"
    List<StoreSeries> got = checkSeries(
        SeriesRequest.builder(sample, sample, List.of(Matcher.eq("__name__", "sparse"))).build(), 1);
    assertThat(got).hasSize(1);
    checkSeries(SeriesRequest.builder(T0, sample, List.of(Matcher.eq("__name__", "sparse"))).build(), 1);
    checkSeries(SeriesRequest.builder(sample, sample + HOUR, List.of(Matcher.eq("__name__", "sparse"))).build(), 1);
  }

  @Test
  void rangeWithoutDataGivesNoSeries() {
    List<Matcher> ms = List.of(Matcher.re("__name__", ".+"));
    checkSeries(SeriesRequest.builder(T0 - 10 * HOUR, T0 - 1, ms).build(), 0);
    checkSeries(SeriesRequest.builder(dataset().maxTime() + 1, dataset().maxTime() + 10 * HOUR, ms).build(), 0);
  }

  // ------------------------------------------------------------------------------------------
  // skip_chunks, limit, batching, sharding

  @Test
  void skipChunksSendsLabelsOnly() {
    SeriesRequest req = SeriesRequest.builder(dataset().minTime(), dataset().maxTime(), List.of(Matcher.re("__name__", ".+")))
        .skipChunks(true)
        .build();
    List<StoreSeries> got = checkSeries(req, dataset().series().size());
    for (StoreSeries s : got) {
      assertThat(s.chunks()).as("chunks of %s with skip_chunks", s.labels()).isEmpty();
    }
  }

  @Test
  void limitCutsTheSortedStream() {
    SeriesRequest full = all(Matcher.eq("__name__", "http_requests_total"));
    List<Labels> expected = labelsOf(expectedSeries(full));
    SeriesRequest limited = full.toBuilder().limit(3).build();
    assertThat(labelsOf(query(limited).series())).containsExactlyElementsOf(expected.subList(0, 3));
    checkSeries(limited, 3);
  }

  @ParameterizedTest(name = "response_batch_size {0}")
  @ValueSource(ints = {0, 1, 5, 64})
  void batchSizes(int batchSize) {
    SeriesRequest req = all(Matcher.re("__name__", ".+")).toBuilder().responseBatchSize(batchSize).build();
    Response r = query(req);
    for (dev.hypnos.proto.thanos.store.SeriesResponse frame : r.frames()) {
      switch (frame.getResultCase()) {
        case SERIES -> {}
        case BATCH -> {
          assertThat(batchSize).as("batch frame when response_batch_size is %s", batchSize).isGreaterThan(1);
          assertThat(frame.getBatch().getSeriesCount()).isBetween(1, batchSize);
        }
        case WARNING, HINTS -> {}
        case RESULT_NOT_SET -> fail("empty Series frame");
      }
    }
    compare(req, r.series(), dataset().series().size());
  }

  @Test
  void shardsPartitionTheSeries() {
    Assumptions.assumeTrue(storeInfo().supportsSharding(), "store does not support sharding");
    SeriesRequest all = all(Matcher.re("__name__", ".+"));
    List<Labels> expected = labelsOf(expectedSeries(all));
    Set<Labels> seen = new HashSet<>();
    for (int shard = 0; shard < 3; shard++) {
      SeriesRequest req = all.toBuilder().shardInfo(new ShardInfo(shard, 3, false, List.of())).build();
      for (StoreSeries s : query(req).series()) {
        assertThat(seen.add(s.labels())).as("series %s in more than one shard", s.labels()).isTrue();
      }
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(expected);
  }

  // ------------------------------------------------------------------------------------------
  // Label names and values

  @Test
  void labelNamesOverAllData() {
    checkLabelNames(LabelNamesRequest.of(dataset().minTime(), dataset().maxTime(), List.of()), true);
    checkLabelNames(LabelNamesRequest.of(dataset().minTime(), dataset().maxTime(), List.of(Matcher.eq("__name__", "temperature"))), true);
    checkLabelNames(LabelNamesRequest.of(dataset().minTime(), dataset().maxTime(),
        List.of(Matcher.eq("__name__", "temperature"), Matcher.eq("zone", ""))), true);
    checkLabelNames(LabelNamesRequest.of(dataset().minTime(), dataset().maxTime(), List.of(Matcher.eq("cluster", "us-9"))), true);
  }

  @Test
  void labelNamesOverARange() {
    checkLabelNames(LabelNamesRequest.of(T0 + 3 * HOUR + 50 * MINUTE, T0 + 10 * HOUR, List.of()), false);
    checkLabelNames(LabelNamesRequest.of(T0 + 10 * MINUTE, T0 + 20 * MINUTE, List.of(Matcher.re("__name__", "sparse|late_series"))), false);
    checkLabelNames(LabelNamesRequest.of(T0 - 10 * HOUR, T0 - 1, List.of()), true);
  }

  @Test
  void labelNamesWithoutReplicaLabels() {
    Assumptions.assumeTrue(storeInfo().supportsWithoutReplicaLabels(), "store does not support without_replica_labels");
    var names = labelNames(new LabelNamesRequest(dataset().minTime(), dataset().maxTime(), List.of(), 0, List.of("replica"), null));
    assertThat(names).doesNotContain("replica").contains("cluster", "__name__");
  }

  @Test
  void labelNamesLimit() {
    LabelNamesRequest all = LabelNamesRequest.of(dataset().minTime(), dataset().maxTime(), List.of());
    List<String> expected = expectedLabelNames(all, true);
    List<String> got = labelNames(new LabelNamesRequest(all.start(), all.end(), List.of(), 2, List.of(), null));
    assertThat(got).containsExactlyElementsOf(expected.subList(0, 2));
  }

  @Test
  void labelValuesOverAllData() {
    long min = dataset().minTime();
    long max = dataset().maxTime();
    checkLabelValues(LabelValuesRequest.of("job", min, max, List.of()), true);
    checkLabelValues(LabelValuesRequest.of("job", min, max, List.of(Matcher.eq("__name__", "http_requests_total"))), true);
    checkLabelValues(LabelValuesRequest.of("room", min, max, List.of(Matcher.neq("zone", ""))), true);
    checkLabelValues(LabelValuesRequest.of("sym", min, max, List.of()), true);
    checkLabelValues(LabelValuesRequest.of("__name__", min, max, List.of()), true);
    checkLabelValues(LabelValuesRequest.of("no_such_label", min, max, List.of()), true);
    List<String> cluster = checkLabelValues(LabelValuesRequest.of("cluster", min, max, List.of()), true);
    assertThat(cluster).containsExactly("eu-1");
  }

  @Test
  void labelValuesOverARange() {
    checkLabelValues(LabelValuesRequest.of("__name__", T0 + 3 * HOUR + 50 * MINUTE, T0 + 10 * HOUR, List.of()), false);
    checkLabelValues(LabelValuesRequest.of("job", T0 + 3 * HOUR + 30 * MINUTE, T0 + 10 * HOUR, List.of(Matcher.neq("job", "db"))), false);
    checkLabelValues(LabelValuesRequest.of("job", T0 - 10 * HOUR, T0 - 1, List.of()), true);
  }

  @Test
  void labelValuesLimit() {
    LabelValuesRequest all = LabelValuesRequest.of("__name__", dataset().minTime(), dataset().maxTime(), List.of());
    List<String> expected = expectedLabelValues(all, true);
    List<String> got = labelValues(new LabelValuesRequest("__name__", all.start(), all.end(), List.of(), 3, List.of(), null));
    assertThat(got).containsExactlyElementsOf(expected.subList(0, 3));
  }

  // ------------------------------------------------------------------------------------------
  // Errors

  @Test
  void invalidRegexIsInvalidArgumentNamingTheMatcher() {
    var req = dev.hypnos.proto.thanos.store.SeriesRequest.newBuilder()
        .setMinTime(dataset().minTime())
        .setMaxTime(dataset().maxTime())
        .addMatchers(LabelMatcher.newBuilder().setType(LabelMatcher.Type.RE).setName("job").setValue("(api"))
        .build();
    assertStatus(() -> drain(stub().series(req)), Status.Code.INVALID_ARGUMENT, "job");
    var lv = dev.hypnos.proto.thanos.store.LabelValuesRequest.newBuilder()
        .setLabel("job")
        .setStart(dataset().minTime())
        .setEnd(dataset().maxTime())
        .addMatchers(LabelMatcher.newBuilder().setType(LabelMatcher.Type.NRE).setName("instance").setValue("[z-a]"))
        .build();
    assertStatus(() -> stub().labelValues(lv), Status.Code.INVALID_ARGUMENT, "instance");
    var ln = dev.hypnos.proto.thanos.store.LabelNamesRequest.newBuilder()
        .setStart(dataset().minTime())
        .setEnd(dataset().maxTime())
        .addMatchers(LabelMatcher.newBuilder().setType(LabelMatcher.Type.RE).setName("room").setValue("*"))
        .build();
    assertStatus(() -> stub().labelNames(ln), Status.Code.INVALID_ARGUMENT, "room");
  }

  @Test
  void minTimeAfterMaxTimeIsInvalidArgument() {
    var req = dev.hypnos.proto.thanos.store.SeriesRequest.newBuilder()
        .setMinTime(T0 + HOUR)
        .setMaxTime(T0)
        .addMatchers(LabelMatcher.newBuilder().setName("__name__").setValue("sparse"))
        .build();
    assertStatus(() -> drain(stub().series(req)), Status.Code.INVALID_ARGUMENT, "min time");
  }

  @Test
  void noMatchersIsInvalidArgument() {
    var req = dev.hypnos.proto.thanos.store.SeriesRequest.newBuilder()
        .setMinTime(T0)
        .setMaxTime(T0 + HOUR)
        .build();
    assertStatus(() -> drain(stub().series(req)), Status.Code.INVALID_ARGUMENT, "matchers");
  }

  // ------------------------------------------------------------------------------------------
  // Helpers: querying

  /** Frames and decoded contents of one Series call. */
  protected record Response(
      List<dev.hypnos.proto.thanos.store.SeriesResponse> frames, List<StoreSeries> series, List<String> warnings) {}

  /** Runs a Series call over gRPC and decodes every frame. */
  protected final Response query(SeriesRequest req) {
    List<dev.hypnos.proto.thanos.store.SeriesResponse> frames = new ArrayList<>();
    List<StoreSeries> series = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    Iterator<dev.hypnos.proto.thanos.store.SeriesResponse> it = stub().series(ProtoConverters.toProto(req));
    while (it.hasNext()) {
      var frame = it.next();
      frames.add(frame);
      if (req.responseBatchSize() <= 1) {
        assertThat(frame.getResultCase())
            .as("frame kind when response_batch_size is %s (old queriers know no batch frames)", req.responseBatchSize())
            .isNotEqualTo(dev.hypnos.proto.thanos.store.SeriesResponse.ResultCase.BATCH);
      }
      for (var r : ProtoConverters.toSeriesResponses(frame)) {
        switch (r) {
          case dev.hypnos.storeapi.SeriesResponse.SeriesItem s -> series.add(s.series());
          case dev.hypnos.storeapi.SeriesResponse.Warning w -> warnings.add(w.message());
          case dev.hypnos.storeapi.SeriesResponse.Hints h -> {}
        }
      }
    }
    return new Response(frames, series, warnings);
  }

  private StoreInfo storeInfo() {
    InfoResponse info = InfoGrpc.newBlockingStub(java.util.Objects.requireNonNull(channel))
        .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
        .info(InfoRequest.getDefaultInstance());
    return java.util.Objects.requireNonNull(ProtoConverters.toStoreInfo(info), "store info");
  }

  private List<String> labelNames(LabelNamesRequest req) {
    var resp = stub().labelNames(ProtoConverters.toProto(req));
    return resp.getNamesList();
  }

  private List<String> labelValues(LabelValuesRequest req) {
    var resp = stub().labelValues(ProtoConverters.toProto(req));
    return resp.getValuesList();
  }

  private SeriesRequest all(Matcher... matchers) {
    return SeriesRequest.builder(dataset().minTime(), dataset().maxTime(), List.of(matchers)).build();
  }

  private static void drain(Iterator<?> it) {
    while (it.hasNext()) {
      it.next();
    }
  }

  private static void assertStatus(Runnable call, Status.Code code, String descriptionPart) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(code);
          assertThat(e.getStatus().getDescription()).contains(descriptionPart);
        });
  }

  // ------------------------------------------------------------------------------------------
  // Helpers: the oracle

  /** One expected series: labels as sent, samples in range. */
  private record Expected(Labels labels, long[] timestamps, double[] values) {}

  /** Labels as a store must send them before replica labels are stripped. */
  private Labels withExternal(Labels series) {
    List<Label> ls = new ArrayList<>();
    for (Label l : series) {
      if (dataset().externalLabels().get(l.name()) == null) {
        ls.add(l);
      }
    }
    dataset().externalLabels().forEach((n, v) -> ls.add(new Label(n, v)));
    return Labels.fromUnsorted(ls);
  }

  private static boolean matchesAll(List<Matcher> matchers, Labels labels) {
    for (Matcher m : matchers) {
      if (!m.matches(labels)) {
        return false;
      }
    }
    return true;
  }

  private List<Expected> expectedSeries(SeriesRequest req) {
    List<Expected> out = new ArrayList<>();
    for (OpenMetricsGenerator.Series s : dataset().series()) {
      Labels labels = withExternal(s.labels());
      if (!matchesAll(req.matchers(), labels)) {
        continue;
      }
      int lo = 0;
      while (lo < s.timestamps().length && s.timestamps()[lo] < req.minTime()) {
        lo++;
      }
      int hi = lo;
      while (hi < s.timestamps().length && s.timestamps()[hi] <= req.maxTime()) {
        hi++;
      }
      if (hi == lo) {
        continue;
      }
      if (!req.withoutReplicaLabels().isEmpty()) {
        labels = labels.without(req.withoutReplicaLabels().toArray(new String[0]));
      }
      out.add(new Expected(labels, Arrays.copyOfRange(s.timestamps(), lo, hi), Arrays.copyOfRange(s.values(), lo, hi)));
    }
    out.sort((a, b) -> a.labels().compareTo(b.labels()));
    if (req.hasLimit() && out.size() > req.limit()) {
      return out.subList(0, (int) req.limit());
    }
    return out;
  }

  private static List<Labels> labelsOf(List<?> series) {
    List<Labels> out = new ArrayList<>();
    for (Object o : series) {
      out.add(o instanceof Expected e ? e.labels() : ((StoreSeries) o).labels());
    }
    return out;
  }

  /**
   * Runs {@code req}, checks the answer against the dataset and returns the series that have
   * samples in range. {@code expectedCount} (when not -1) double-checks the oracle itself.
   */
  private List<StoreSeries> checkSeries(SeriesRequest req, int expectedCount) {
    return compare(req, query(req).series(), expectedCount);
  }

  private List<StoreSeries> compare(SeriesRequest req, List<StoreSeries> got, int expectedCount) {
    List<Expected> expected = expectedSeries(req);
    if (expectedCount >= 0) {
      assertThat(expected).as("oracle result size for %s", req.matchers()).hasSize(expectedCount);
    }
    for (int i = 1; i < got.size(); i++) {
      assertThat(got.get(i - 1).labels().compareTo(got.get(i).labels()))
          .as("series order: %s before %s", got.get(i - 1).labels(), got.get(i).labels())
          .isNegative();
    }
    List<StoreSeries> withSamples = new ArrayList<>();
    List<long[]> timestamps = new ArrayList<>();
    List<long[]> valueBits = new ArrayList<>();
    for (StoreSeries s : got) {
      if (req.skipChunks()) {
        assertThat(s.chunks()).as("chunks of %s with skip_chunks", s.labels()).isEmpty();
        withSamples.add(s);
        continue;
      }
      TreeMap<Long, Long> samples = decode(s, req);
      if (samples.isEmpty()) {
        // Allowed: a store may send a matching series whose chunks overlap the range without a
        // sample in it. It must still match.
        assertThat(matchesAll(req.matchers(), s.labels()) || !req.withoutReplicaLabels().isEmpty())
            .as("series %s without samples in range must still match %s", s.labels(), req.matchers())
            .isTrue();
        continue;
      }
      withSamples.add(s);
      timestamps.add(samples.keySet().stream().mapToLong(Long::longValue).toArray());
      valueBits.add(samples.values().stream().mapToLong(Long::longValue).toArray());
    }
    assertThat(labelsOf(withSamples)).as("series for %s in [%s, %s]", req.matchers(), req.minTime(), req.maxTime())
        .containsExactlyElementsOf(labelsOf(expected));
    if (!req.skipChunks()) {
      for (int i = 0; i < expected.size(); i++) {
        Expected e = expected.get(i);
        assertThat(timestamps.get(i)).as("timestamps of %s", e.labels()).containsExactly(e.timestamps());
        long[] bits = new long[e.values().length];
        for (int k = 0; k < bits.length; k++) {
          bits[k] = Double.doubleToRawLongBits(e.values()[k]);
        }
        assertThat(valueBits.get(i)).as("values (as bits) of %s", e.labels()).containsExactly(bits);
      }
    }
    return withSamples;
  }

  /** Checks every chunk of {@code s} and returns its in-range samples, timestamp to value bits. */
  private static TreeMap<Long, Long> decode(StoreSeries s, SeriesRequest req) {
    TreeMap<Long, Long> samples = new TreeMap<>();
    XorIterator it = new XorIterator();
    long prevMin = Long.MIN_VALUE;
    for (StoreChunk c : s.chunks()) {
      String what = "chunk [" + c.minTime() + ", " + c.maxTime() + "] of " + s.labels();
      assertThat(c.minTime()).as("chunks sorted by min time: %s", what).isGreaterThanOrEqualTo(prevMin);
      prevMin = c.minTime();
      assertThat(c.maxTime() >= req.minTime() && c.minTime() <= req.maxTime())
          .as("%s overlaps the requested range [%s, %s]", what, req.minTime(), req.maxTime())
          .isTrue();
      ChunkData raw = c.raw();
      assertThat(raw).as("raw data of %s", what).isNotNull();
      assertThat(raw.encoding()).as("encoding of %s", what).isEqualTo(ChunkData.Encoding.XOR);
      assertThat(raw.hash() == 0 || raw.hashMatches()).as("xxhash64 of %s", what).isTrue();
      it.reset(raw.array(), raw.offset(), raw.length());
      long first = Long.MIN_VALUE;
      long last = Long.MIN_VALUE;
      int n = 0;
      while (it.next()) {
        long t = it.timestamp();
        if (n == 0) {
          first = t;
        }
        last = t;
        n++;
        if (t >= req.minTime() && t <= req.maxTime()) {
          long bits = Double.doubleToRawLongBits(it.value());
          Long prev = samples.put(t, bits);
          if (prev != null && prev != bits) {
            fail("overlapping chunks of %s disagree at %s", s.labels(), t);
          }
        }
      }
      assertThat(it.error()).as("decoding %s", what).isNull();
      assertThat(n).as("samples in %s", what).isPositive().isEqualTo(it.numSamples());
      assertThat(first).as("first sample of %s", what).isEqualTo(c.minTime());
      assertThat(last).as("last sample of %s", what).isEqualTo(c.maxTime());
    }
    return samples;
  }

  private List<String> expectedLabelNames(LabelNamesRequest req, boolean inRangeOnly) {
    return collect(req.matchers(), req.start(), req.end(), inRangeOnly, labels -> {
      List<String> names = new ArrayList<>();
      for (Label l : labels) {
        if (!req.withoutReplicaLabels().contains(l.name())) {
          names.add(l.name());
        }
      }
      return names;
    }, req.limit());
  }

  private List<String> expectedLabelValues(LabelValuesRequest req, boolean inRangeOnly) {
    return collect(req.matchers(), req.start(), req.end(), inRangeOnly, labels -> {
      String v = labels.get(req.label());
      return v == null || v.isEmpty() || req.withoutReplicaLabels().contains(req.label()) ? List.of() : List.of(v);
    }, req.limit());
  }

  private List<String> collect(
      List<Matcher> matchers, long start, long end, boolean inRangeOnly, Function<Labels, List<String>> f, long limit) {
    TreeSet<String> out = new TreeSet<>(Labels::compareStrings);
    for (OpenMetricsGenerator.Series s : dataset().series()) {
      Labels labels = withExternal(s.labels());
      if (!matchesAll(matchers, labels)) {
        continue;
      }
      if (inRangeOnly) {
        boolean any = false;
        for (long t : s.timestamps()) {
          if (t >= start && t <= end) {
            any = true;
            break;
          }
        }
        if (!any) {
          continue;
        }
      }
      out.addAll(f.apply(labels));
    }
    List<String> list = new ArrayList<>(out);
    return limit > 0 && list.size() > limit ? list.subList(0, (int) limit) : list;
  }

  /**
   * Checks label names: exactly the names of matching series with samples in range when
   * {@code exact}; otherwise between that and the names over all matching series.
   */
  private List<String> checkLabelNames(LabelNamesRequest req, boolean exact) {
    List<String> got = labelNames(req);
    assertSortedDistinct(got);
    List<String> lower = expectedLabelNames(req, true);
    if (exact) {
      assertThat(got).as("label names for %s in [%s, %s]", req.matchers(), req.start(), req.end())
          .containsExactlyElementsOf(lower);
    } else {
      assertThat(got).containsAll(lower);
      assertThat(expectedLabelNames(req, false)).containsAll(got);
    }
    return got;
  }

  private List<String> checkLabelValues(LabelValuesRequest req, boolean exact) {
    List<String> got = labelValues(req);
    assertSortedDistinct(got);
    List<String> lower = expectedLabelValues(req, true);
    if (exact) {
      assertThat(got).as("values of %s for %s in [%s, %s]", req.label(), req.matchers(), req.start(), req.end())
          .containsExactlyElementsOf(lower);
    } else {
      assertThat(got).containsAll(lower);
      assertThat(expectedLabelValues(req, false)).containsAll(got);
    }
    return got;
  }

  private static void assertSortedDistinct(List<String> values) {
    for (int i = 1; i < values.size(); i++) {
      assertThat(Labels.compareStrings(values.get(i - 1), values.get(i)))
          .as("%s before %s (sorted, distinct, Go byte order)", values.get(i - 1), values.get(i))
          .isNegative();
    }
  }
}
