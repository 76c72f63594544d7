package dev.hypnos.storegateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.objstore.FilesystemBucket;
import dev.hypnos.proto.hints.Block;
import dev.hypnos.proto.hints.LabelNamesResponseHints;
import dev.hypnos.proto.hints.LabelValuesRequestHints;
import dev.hypnos.proto.hints.LabelValuesResponseHints;
import dev.hypnos.proto.hints.SeriesRequestHints;
import dev.hypnos.proto.hints.SeriesResponseHints;
import dev.hypnos.storeapi.ChunkData;
import dev.hypnos.storeapi.LabelNamesRequest;
import dev.hypnos.storeapi.LabelNamesResponse;
import dev.hypnos.storeapi.LabelValuesRequest;
import dev.hypnos.storeapi.LabelValuesResponse;
import dev.hypnos.storeapi.ProtoConverters;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesResponse;
import dev.hypnos.storeapi.StoreApiException;
import dev.hypnos.storeapi.StoreChunk;
import dev.hypnos.storeapi.StoreInfo;
import dev.hypnos.storeapi.StoreSeries;
import dev.hypnos.storegateway.block.IndexCache;
import dev.hypnos.storegateway.block.Partitioner;
import dev.hypnos.storegateway.sync.TimeOrDuration;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BucketStore.Serving}: the time shard ({@code --min-time}/{@code --max-time}) clamping
 * Series, LabelNames, LabelValues and Info; chunk hashes on request of the operator; the hintspb
 * response hints (queried blocks, query stats) and request block matchers.
 */
class BucketStoreServingTest {
  @TempDir static Path data;
  static BlockFixture fx;
  static FilesystemBucket bucket;
  static BucketStore plain;
  static final List<Matcher> ALL = List.of(Matcher.re("__name__", ".+"));

  @BeforeAll
  static void open() throws IOException {
    fx = BlockFixture.get();
    bucket = new FilesystemBucket(fx.bucketDir);
    plain = store("plain", BucketStore.Serving.DEFAULTS);
  }

  @AfterAll
  static void close() throws IOException {
    if (plain != null) {
      plain.close();
    }
    if (bucket != null) {
      bucket.close();
    }
  }

  static BucketStore store(String dir, BucketStore.Serving serving) throws IOException {
    BucketStore s = new BucketStore(bucket, data.resolve(dir), new IndexCache(8 << 20),
        new Partitioner(Partitioner.DEFAULT_MAX_GAP), InstantSource.fixed(Instant.EPOCH),
        BucketStore.Options.DEFAULTS.withSeriesBatchSize(7), serving);
    assertThat(s.setBlocks(fx.metas)).isEmpty();
    return s;
  }

  static TimeOrDuration at(long millis) {
    return TimeOrDuration.parse(Instant.ofEpochMilli(millis).toString());
  }

  static List<SeriesResponse> call(BucketStore s, SeriesRequest req) throws IOException {
    List<SeriesResponse> out = new ArrayList<>();
    s.series(req, out::add);
    return out;
  }

  static List<StoreSeries> series(List<SeriesResponse> rs) {
    return BucketStoreSeriesTest.series(rs);
  }

  static List<String> ids(List<Block> blocks) {
    List<String> out = new ArrayList<>();
    for (Block b : blocks) {
      out.add(b.getId());
    }
    return out;
  }

  /** The ids of the fixture's blocks overlapping {@code [mint, maxt]}, sorted. */
  static List<String> overlapping(long mint, long maxt) {
    List<String> out = new ArrayList<>();
    for (BlockMeta m : fx.metas) {
      if (m.minTime() <= maxt && mint < m.maxTime()) {
        out.add(m.ulid().toString());
      }
    }
    out.sort(null);
    return out;
  }

  @Test
  void timeShardClampsSeriesLabelsAndInfo() throws IOException {
    long lo = fx.minTime + 70 * 60_000L + 500;
    long hi = fx.minTime + 3 * 3_600_000L + 11 * 60_000L;
    try (BucketStore shard = store("shard", BucketStore.Serving.DEFAULTS.withTimeRange(at(lo), at(hi)))) {
      StoreInfo info = shard.info();
      assertThat(info.minTime()).isEqualTo(lo);
      assertThat(info.maxTime()).isEqualTo(hi);
      assertThat(plain.info().minTime()).isEqualTo(fx.minTime);

      // A whole-range call answers as an unsharded store asked for the shard's range.
      List<StoreSeries> got = series(call(shard, SeriesRequest.builder(fx.minTime, fx.maxTime, ALL).build()));
      List<StoreSeries> want = series(call(plain, SeriesRequest.builder(lo, hi, ALL).build()));
      assertThat(got).isNotEmpty().isEqualTo(want);
      assertThat(series(call(plain, SeriesRequest.builder(fx.minTime, fx.maxTime, ALL).build())))
          .as("the shard really cut chunks").hasSizeGreaterThanOrEqualTo(got.size())
          .isNotEqualTo(got);
      // Entirely outside the shard: nothing.
      assertThat(call(shard, SeriesRequest.builder(hi + 1, fx.maxTime, ALL).build())).isEmpty();

      assertThat(shard.labelNames(LabelNamesRequest.of(fx.minTime, fx.maxTime, List.of(Matcher.eq("job", "api"))))
          .names()).isEqualTo(plain.labelNames(LabelNamesRequest.of(lo, hi, List.of(Matcher.eq("job", "api"))))
              .names()).isNotEmpty();
      assertThat(shard.labelValues(LabelValuesRequest.of("job", hi + 1, fx.maxTime, List.of())).values()).isEmpty();
      assertThat(shard.labelNames(LabelNamesRequest.of(fx.minTime, lo - 1, List.of())).names()).isEmpty();
      assertThat(plain.labelNames(LabelNamesRequest.of(fx.minTime, lo - 1, List.of())).names()).isNotEmpty();
    }
  }

  /** Files of this process open under {@code dir}, from /proc/self/fd. */
  static long openFilesUnder(Path dir) throws IOException {
    Path real = dir.toRealPath();
    long n = 0;
    try (var fds = java.nio.file.Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          if (java.nio.file.Files.readSymbolicLink(fd).startsWith(real)) {
            n++;
          }
        } catch (IOException e) {
          // closed meanwhile (e.g. the listing's own descriptor)
        }
      }
    }
    return n;
  }

  @Test
  void aRemovedBlockLeavesNoFileOfItsOpen() throws IOException {
    try (FilesystemBucket own = new FilesystemBucket(fx.bucketDir);
        BucketStore s = new BucketStore(own, data.resolve("removed"), new IndexCache(8 << 20),
            new Partitioner(Partitioner.DEFAULT_MAX_GAP), InstantSource.fixed(Instant.EPOCH),
            BucketStore.Options.DEFAULTS, BucketStore.Serving.DEFAULTS)) {
      assertThat(s.setBlocks(fx.metas)).isEmpty();
      assertThat(series(call(s, SeriesRequest.builder(Long.MIN_VALUE, Long.MAX_VALUE, ALL).build()))).isNotEmpty();
      BlockMeta first = fx.metas.get(0);
      Path blockDir = fx.bucketDir.resolve(first.ulid().toString());
      assertThat(openFilesUnder(blockDir)).as("the bucket keeps the block's files open between calls").isPositive();
      s.removeBlock(first.ulid());
      assertThat(openFilesUnder(blockDir)).isZero();
      assertThat(series(call(s, SeriesRequest.builder(Long.MIN_VALUE, Long.MAX_VALUE, ALL).build()))).isNotEmpty();
    }
  }

  @Test
  void infoOfAnEmptyShardedStoreStaysEmpty() throws IOException {
    try (BucketStore empty = new BucketStore(bucket, data.resolve("empty"), IndexCache.disabled(),
        new Partitioner(Partitioner.DEFAULT_MAX_GAP), InstantSource.fixed(Instant.EPOCH), BucketStore.Options.DEFAULTS,
        BucketStore.Serving.DEFAULTS.withTimeRange(at(fx.minTime), at(fx.maxTime)))) {
      assertThat(empty.info().minTime()).isEqualTo(Long.MAX_VALUE);
      assertThat(empty.info().maxTime()).isEqualTo(Long.MIN_VALUE);
    }
  }

  @Test
  void chunkHashesOnlyWhenConfigured() throws IOException {
    SeriesRequest req = SeriesRequest.builder(fx.minTime, fx.maxTime, List.of(Matcher.eq("job", "api"))).build();
    List<StoreSeries> without = series(call(plain, req));
    try (BucketStore hashing = store("hashing", BucketStore.Serving.DEFAULTS.withChunkHashes(true))) {
      List<StoreSeries> with = series(call(hashing, req));
      assertThat(with).hasSameSizeAs(without).isNotEmpty();
      for (int i = 0; i < with.size(); i++) {
        List<StoreChunk> a = with.get(i).chunks();
        List<StoreChunk> b = without.get(i).chunks();
        assertThat(a).hasSameSizeAs(b);
        for (int c = 0; c < a.size(); c++) {
          ChunkData h = a.get(c).raw();
          ChunkData n = b.get(c).raw();
          assertThat(h.hash()).isNotZero();
          assertThat(h.hashMatches()).isTrue();
          assertThat(n.hash()).isZero();
          assertThat(n.bytes()).isEqualTo(h.bytes());
        }
      }
    }
  }

  @Test
  void seriesResponseHintsNameTheQueriedBlocks() throws Exception {
    assertThat(call(plain, SeriesRequest.builder(fx.minTime, fx.maxTime, ALL).build()))
        .as("off by default, as in thanos store").allMatch(r -> r instanceof SeriesResponse.SeriesItem);
    try (BucketStore hinting = store("hinting", BucketStore.Serving.DEFAULTS.withSeriesResponseHints(true))) {
      long mint = fx.minTime + 150 * 60_000L;
      long maxt = fx.maxTime;
      List<SeriesResponse> rs = call(hinting, SeriesRequest.builder(mint, maxt, ALL).build());
      SeriesResponse last = rs.get(rs.size() - 1);
      assertThat(last).isInstanceOf(SeriesResponse.Hints.class);
      // Through the wire form, as a Thanos client would read it.
      Any any = ProtoConverters.toProto(last).getHints();
      assertThat(any.getTypeUrl()).isEqualTo("type.googleapis.com/hintspb.SeriesResponseHints");
      SeriesResponseHints h = any.unpack(SeriesResponseHints.class);
      List<String> queried = ids(h.getQueriedBlocksList());
      queried.sort(null);
      assertThat(queried).isEqualTo(overlapping(mint, maxt)).hasSizeLessThan(fx.blocks.size()).isNotEmpty();
      assertThat(h.hasQueryStats()).isFalse();
      assertThat(series(rs)).isEqualTo(series(call(plain, SeriesRequest.builder(mint, maxt, ALL).build())));

      // Query stats on request; block matchers pick blocks by id.
      String one = overlapping(mint, maxt).get(0);
      Any reqHints = Any.pack(SeriesRequestHints.newBuilder().setEnableQueryStats(true)
          .addBlockMatchers(ProtoConverters.toProto(Matcher.eq(StoreHints.BLOCK_ID_LABEL, one))).build());
      List<SeriesResponse> rs2 = call(hinting, SeriesRequest.builder(mint, maxt, ALL).hints(reqHints).build());
      SeriesResponseHints h2 = ((SeriesResponse.Hints) rs2.get(rs2.size() - 1)).hints().unpack(SeriesResponseHints.class);
      assertThat(ids(h2.getQueriedBlocksList())).containsExactly(one);
      List<StoreSeries> got = series(rs2);
      assertThat(h2.getQueryStats().getBlocksQueried()).isEqualTo(1);
      assertThat(h2.getQueryStats().getMergedSeriesCount()).isEqualTo(got.size()).isPositive();
      assertThat(h2.getQueryStats().getMergedChunksCount())
          .isEqualTo(got.stream().mapToLong(s -> s.chunks().size()).sum());
      for (StoreSeries s : got) {
        for (StoreChunk c : s.chunks()) {
          BlockMeta m = fx.metas.stream().filter(x -> x.ulid().toString().equals(one)).findFirst().orElseThrow();
          assertThat(c.minTime()).isBetween(m.minTime(), m.maxTime());
        }
      }
      // An external-label block matcher that matches nothing: no blocks, an empty hints frame.
      Any none = Any.pack(SeriesRequestHints.newBuilder()
          .addBlockMatchers(ProtoConverters.toProto(Matcher.eq("cluster", "us-2"))).build());
      List<SeriesResponse> rs3 = call(hinting, SeriesRequest.builder(mint, maxt, ALL).hints(none).build());
      assertThat(rs3).hasSize(1);
      assertThat(((SeriesResponse.Hints) rs3.get(0)).hints().unpack(SeriesResponseHints.class).getQueriedBlocksCount())
          .isZero();
    }
  }

  @Test
  void requestHintsOfTheWrongTypeAreInvalid() {
    Any wrong = Any.pack(LabelValuesRequestHints.getDefaultInstance());
    assertThatThrownBy(() -> call(plain, SeriesRequest.builder(fx.minTime, fx.maxTime, ALL).hints(wrong).build()))
        .isInstanceOfSatisfying(StoreApiException.class,
            e -> assertThat(e.category()).isEqualTo(StoreApiException.Category.INVALID_ARGUMENT))
        .hasMessageContaining("unmarshal series request hints");
  }

  @Test
  void labelCallsAlwaysCarryQueriedBlocks() throws Exception {
    long mint = fx.minTime;
    long maxt = fx.minTime + 30 * 60_000L;
    LabelNamesResponse names = plain.labelNames(LabelNamesRequest.of(mint, maxt, List.of()));
    assertThat(names.hints()).isNotNull();
    Any wire = ProtoConverters.toProto(names).getHints();
    List<String> queried = ids(wire.unpack(LabelNamesResponseHints.class).getQueriedBlocksList());
    queried.sort(null);
    assertThat(queried).isEqualTo(overlapping(mint, maxt)).isNotEmpty();

    LabelValuesResponse values = plain.labelValues(LabelValuesRequest.of("job", fx.minTime, fx.maxTime,
        List.of(Matcher.eq("job", "api"))));
    List<String> vq = ids(values.hints().unpack(LabelValuesResponseHints.class).getQueriedBlocksList());
    vq.sort(null);
    assertThat(vq).isEqualTo(overlapping(fx.minTime, fx.maxTime));
    assertThat(values.values()).containsExactly("api");

    // A matcher on an external label that does not match leaves every block out.
    LabelValuesResponse other = plain.labelValues(LabelValuesRequest.of("job", fx.minTime, fx.maxTime,
        List.of(Matcher.eq("cluster", "us-2"))));
    assertThat(other.values()).isEmpty();
    assertThat(other.hints().unpack(LabelValuesResponseHints.class).getQueriedBlocksCount()).isZero();
  }
}
