package dev.hypnos.storeapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.hypnos.core.chunk.ChunkEncoding;
import dev.hypnos.core.chunk.XorEncoder;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.proto.hints.SeriesRequestHints;
import dev.hypnos.proto.thanos.info.InfoResponse;
import dev.hypnos.proto.thanos.store.Chunk;
import dev.hypnos.proto.thanos.store.LabelMatcher;
import dev.hypnos.proto.thanos.store.SeriesBatch;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProtoConvertersTest {

  @Test
  void matcherTypesMapBothWays() {
    List<Matcher> ms = List.of(Matcher.eq("a", "1"), Matcher.neq("b", "2"), Matcher.re("c", "x|y"), Matcher.nre("d", ".+"));
    List<LabelMatcher> wire = ProtoConverters.toProtoMatchers(ms);
    assertThat(wire).extracting(LabelMatcher::getType).containsExactly(
        LabelMatcher.Type.EQ, LabelMatcher.Type.NEQ, LabelMatcher.Type.RE, LabelMatcher.Type.NRE);
    assertThat(ProtoConverters.toMatchers(wire)).isEqualTo(ms);
  }

  @Test
  void invalidRegexIsInvalidArgumentNamingTheMatcher() {
    LabelMatcher bad = LabelMatcher.newBuilder().setType(LabelMatcher.Type.RE).setName("job").setValue("(api").build();
    assertThatThrownBy(() -> ProtoConverters.toMatcher(bad))
        .isInstanceOfSatisfying(StoreApiException.class, e -> {
          assertThat(e.category()).isEqualTo(StoreApiException.Category.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains("job=~\"(api\"");
        });
    LabelMatcher unknown = LabelMatcher.newBuilder().setTypeValue(7).setName("job").setValue("x").build();
    assertThatThrownBy(() -> ProtoConverters.toMatcher(unknown))
        .isInstanceOfSatisfying(StoreApiException.class, e -> {
          assertThat(e.category()).isEqualTo(StoreApiException.Category.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains("job").contains("unknown matcher type 7");
        });
  }

  @Test
  void chunkEncodingIsChunkencMinusOneAndXorIsOmitted() {
    assertThat(ChunkData.Encoding.XOR.wireNumber()).isEqualTo(ChunkEncoding.XOR.code() - 1).isZero();
    assertThat(ChunkData.Encoding.HISTOGRAM.wireNumber()).isEqualTo(1);
    assertThat(ChunkData.Encoding.FLOAT_HISTOGRAM.wireNumber()).isEqualTo(2);

    byte[] data = {0, 1, 2, 3};
    Chunk xor = ProtoConverters.toProto(new ChunkData(ChunkData.Encoding.XOR, data, 0, 4, 0));
    // Field 1 (type) absent: the message starts with field 2 (data), wire type 2.
    assertThat(xor.toByteArray()[0]).isEqualTo((byte) 0x12);
    Chunk hist = ProtoConverters.toProto(new ChunkData(ChunkData.Encoding.FLOAT_HISTOGRAM, data, 0, 4, 0));
    assertThat(hist.toByteArray()[0]).isEqualTo((byte) 0x08);
    assertThat(hist.getTypeValue()).isEqualTo(2);
    assertThat(ProtoConverters.toChunkData(hist).encoding()).isEqualTo(ChunkData.Encoding.FLOAT_HISTOGRAM);

    Chunk future = Chunk.newBuilder().setTypeValue(9).build();
    assertThatThrownBy(() -> ProtoConverters.toChunkData(future))
        .isInstanceOfSatisfying(StoreApiException.class,
            e -> assertThat(e.category()).isEqualTo(StoreApiException.Category.INVALID_ARGUMENT));
  }

  @Test
  void chunkDataIsWrappedNotCopiedAndKeepsItsHash() throws Exception {
    XorEncoder enc = new XorEncoder();
    for (int i = 0; i < 10; i++) {
      enc.append(1000L * i, i * 1.5);
    }
    byte[] backing = new byte[enc.byteLength() + 6];
    byte[] bytes = enc.bytes();
    System.arraycopy(bytes, 0, backing, 3, bytes.length);
    ChunkData c = ChunkData.hashed(ChunkData.Encoding.XOR, backing, 3, bytes.length);
    assertThat(c.hashMatches()).isTrue();
    Chunk wire = ProtoConverters.toProto(c);
    assertThat(wire.getData()).isEqualTo(ByteString.copyFrom(bytes));
    assertThat(wire.getHash()).isEqualTo(c.hash());
    backing[3] ^= 0x7F; // the wire message sees the change: no copy was made
    assertThat(wire.getData().byteAt(0)).isEqualTo(backing[3]);

    ChunkData back = ProtoConverters.toChunkData(Chunk.parseFrom(bytes(wire)));
    assertThat(back.hash()).isEqualTo(c.hash());
    assertThat(back.length()).isEqualTo(bytes.length);
  }

  private static byte[] bytes(Chunk c) {
    return c.toByteArray();
  }

  @Test
  void seriesAndAggregateChunksRoundTrip() {
    byte[] a = {0, 1, 5};
    byte[] b = {0, 2, 6, 7};
    StoreSeries s = new StoreSeries(
        Labels.of("__name__", "up", "job", "x"),
        List.of(
            StoreChunk.raw(10, 20, ChunkData.hashed(ChunkData.Encoding.XOR, a)),
            new StoreChunk(30, 40, null, ChunkData.hashed(ChunkData.Encoding.XOR, a), ChunkData.hashed(ChunkData.Encoding.XOR, b),
                null, null, ChunkData.hashed(ChunkData.Encoding.XOR, b))));
    var wire = ProtoConverters.toProto(s);
    assertThat(wire.getLabelsList()).extracting(dev.hypnos.proto.thanos.store.Label::getName).containsExactly("__name__", "job");
    assertThat(wire.getChunks(1).hasRaw()).isFalse();
    assertThat(wire.getChunks(1).hasCount()).isTrue();
    assertThat(ProtoConverters.toStoreSeries(wire)).isEqualTo(s);
  }

  @Test
  void unsortedWireLabelsAreSortedAndDuplicatesRejected() {
    var l1 = dev.hypnos.proto.thanos.store.Label.newBuilder().setName("b").setValue("1").build();
    var l2 = dev.hypnos.proto.thanos.store.Label.newBuilder().setName("a").setValue("2").build();
    assertThat((Object) ProtoConverters.toLabels(List.of(l1, l2))).isEqualTo(Labels.of("a", "2", "b", "1"));
    assertThatThrownBy(() -> ProtoConverters.toLabels(List.of(l1, l1)))
        .isInstanceOfSatisfying(StoreApiException.class,
            e -> assertThat(e.category()).isEqualTo(StoreApiException.Category.INVALID_ARGUMENT));
  }

  @Test
  void seriesRequestRoundTripsEveryField() {
    Any hints = Any.pack(SeriesRequestHints.newBuilder().setEnableQueryStats(true).build());
    SeriesRequest req = SeriesRequest.builder(5, 500, List.of(Matcher.eq("a", "1"), Matcher.re("b", "x.*")))
        .maxResolutionWindow(300_000)
        .aggregates(List.of(Aggregate.COUNT, Aggregate.SUM))
        .skipChunks(true)
        .withoutReplicaLabels(List.of("replica"))
        .limit(10)
        .responseBatchSize(64)
        .shardInfo(new ShardInfo(1, 4, true, List.of("job")))
        .queryHints(new QueryHints(15_000, "rate", new QueryHints.Grouping(true, List.of("job")), 300_000))
        .hints(hints)
        .partialResponseStrategy(PartialResponseStrategy.ABORT)
        .build();
    var wire = ProtoConverters.toProto(req);
    assertThat(wire.getAggregatesValueList()).containsExactly(1, 2);
    assertThat(wire.getHints().getTypeUrl()).isEqualTo("type.googleapis.com/hintspb.SeriesRequestHints");
    assertThat(ProtoConverters.toSeriesRequest(wire)).isEqualTo(req);
  }

  @Test
  void seriesRequestDefaultsFromTheWire() {
    var wire = dev.hypnos.proto.thanos.store.SeriesRequest.newBuilder()
        .setMinTime(1)
        .setMaxTime(2)
        .addMatchers(LabelMatcher.newBuilder().setName("a").setValue("b"))
        .setPartialResponseDisabled(true)
        .setLimit(-5)
        .setResponseBatchSize(-1)
        .setShardInfo(dev.hypnos.proto.thanos.store.ShardInfo.newBuilder())
        .build();
    SeriesRequest req = ProtoConverters.toSeriesRequest(wire);
    assertThat(req.partialResponseStrategy()).isEqualTo(PartialResponseStrategy.ABORT);
    assertThat(req.limit()).isZero();
    assertThat(req.hasLimit()).isFalse();
    assertThat(req.responseBatchSize()).isZero();
    assertThat(req.shardInfo()).as("total_shards 0 means no sharding").isNull();
    assertThat(req.queryHints()).isNull();
    assertThat(req.hints()).isNull();
  }

  @Test
  void seriesRequestValidation() {
    assertThatThrownBy(() -> SeriesRequest.builder(10, 5, List.of(Matcher.eq("a", "b"))).build())
        .isInstanceOfSatisfying(StoreApiException.class, e -> {
          assertThat(e.category()).isEqualTo(StoreApiException.Category.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains("min time 10 is after max time 5");
        });
    assertThatThrownBy(() -> SeriesRequest.builder(1, 5, List.of()).build())
        .isInstanceOfSatisfying(StoreApiException.class, e -> {
          assertThat(e.category()).isEqualTo(StoreApiException.Category.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains("no matchers");
        });
    var aggr = dev.hypnos.proto.thanos.store.SeriesRequest.newBuilder()
        .setMaxTime(1)
        .addMatchers(LabelMatcher.newBuilder().setName("a").setValue("b"))
        .addAggregatesValue(17)
        .build();
    assertThatThrownBy(() -> ProtoConverters.toSeriesRequest(aggr))
        .isInstanceOfSatisfying(StoreApiException.class, e -> assertThat(e.getMessage()).contains("aggregate 17"));
  }

  @Test
  void labelRequestsAndResponsesRoundTrip() {
    LabelNamesRequest ln = new LabelNamesRequest(1, 2, List.of(Matcher.neq("a", "")), 5, List.of("replica"), null);
    assertThat(ProtoConverters.toLabelNamesRequest(ProtoConverters.toProto(ln))).isEqualTo(ln);
    LabelValuesRequest lv = new LabelValuesRequest("job", 1, 2, List.of(), 0, List.of(), Any.getDefaultInstance());
    assertThat(ProtoConverters.toLabelValuesRequest(ProtoConverters.toProto(lv))).isEqualTo(lv);
    LabelNamesResponse names = new LabelNamesResponse(List.of("a", "b"), List.of("partial"), null);
    assertThat(ProtoConverters.toLabelNamesResponse(ProtoConverters.toProto(names))).isEqualTo(names);
    LabelValuesResponse values = LabelValuesResponse.of(List.of("x"));
    assertThat(ProtoConverters.toLabelValuesResponse(ProtoConverters.toProto(values))).isEqualTo(values);

    var empty = dev.hypnos.proto.thanos.store.LabelValuesRequest.newBuilder().setStart(1).setEnd(2).build();
    assertThatThrownBy(() -> ProtoConverters.toLabelValuesRequest(empty))
        .isInstanceOfSatisfying(StoreApiException.class,
            e -> assertThat(e.category()).isEqualTo(StoreApiException.Category.INVALID_ARGUMENT));
  }

  @Test
  void batchFramesExpandIntoSeriesItems() {
    StoreSeries a = new StoreSeries(Labels.of("a", "1"), List.of());
    StoreSeries b = new StoreSeries(Labels.of("a", "2"), List.of());
    var frame = dev.hypnos.proto.thanos.store.SeriesResponse.newBuilder()
        .setBatch(SeriesBatch.newBuilder().addSeries(ProtoConverters.toProto(a)).addSeries(ProtoConverters.toProto(b)))
        .build();
    assertThat(ProtoConverters.toSeriesResponses(frame))
        .containsExactly(new SeriesResponse.SeriesItem(a), new SeriesResponse.SeriesItem(b));
    assertThat(ProtoConverters.toSeriesResponses(dev.hypnos.proto.thanos.store.SeriesResponse.getDefaultInstance())).isEmpty();
    assertThat(ProtoConverters.toSeriesResponses(ProtoConverters.toProto(new SeriesResponse.Warning("w"))))
        .containsExactly(new SeriesResponse.Warning("w"));
  }

  @Test
  void infoRoundTrips() {
    Labels ext = Labels.of("cluster", "eu", "replica", "a");
    StoreInfo info = new StoreInfo(List.of(ext), 100, Long.MAX_VALUE, true, true, List.of(new TsdbInfo(ext, 100, 200)));
    InfoResponse wire = ProtoConverters.toInfoResponse(info, "store");
    assertThat(wire.getComponentType()).isEqualTo("store");
    assertThat(wire.getLabelSets(0).getLabelsCount()).isEqualTo(2);
    assertThat(ProtoConverters.toStoreInfo(wire)).isEqualTo(info);
    assertThat(ProtoConverters.toStoreInfo(InfoResponse.newBuilder().setComponentType("query").build())).isNull();
  }
}
