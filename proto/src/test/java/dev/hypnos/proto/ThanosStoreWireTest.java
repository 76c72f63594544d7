package dev.hypnos.proto;

import static dev.hypnos.proto.WireBytes.assertWire;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.hypnos.proto.hints.Block;
import dev.hypnos.proto.hints.QueryStats;
import dev.hypnos.proto.hints.SeriesRequestHints;
import dev.hypnos.proto.hints.SeriesResponseHints;
import dev.hypnos.proto.thanos.store.Aggr;
import dev.hypnos.proto.thanos.store.AggrChunk;
import dev.hypnos.proto.thanos.store.Chunk;
import dev.hypnos.proto.thanos.store.Func;
import dev.hypnos.proto.thanos.store.Label;
import dev.hypnos.proto.thanos.store.LabelMatcher;
import dev.hypnos.proto.thanos.store.LabelValuesRequest;
import dev.hypnos.proto.thanos.store.PartialResponseStrategy;
import dev.hypnos.proto.thanos.store.QueryHints;
import dev.hypnos.proto.thanos.store.Range;
import dev.hypnos.proto.thanos.store.Series;
import dev.hypnos.proto.thanos.store.SeriesBatch;
import dev.hypnos.proto.thanos.store.SeriesRequest;
import dev.hypnos.proto.thanos.store.SeriesResponse;
import dev.hypnos.proto.thanos.store.ShardInfo;
import org.junit.jupiter.api.Test;

/** Golden bytes for the Thanos Store API messages (package thanos) and the store gateway hints. */
class ThanosStoreWireTest {

  private static Label label(String name, String value) {
    return Label.newBuilder().setName(name).setValue(value).build();
  }

  private static LabelMatcher matcher(LabelMatcher.Type type, String name, String value) {
    return LabelMatcher.newBuilder().setType(type).setName(name).setValue(value).build();
  }

  @Test
  void seriesRequestWithMatchersHintsAndBatchSize() throws InvalidProtocolBufferException {
    SeriesRequestHints hints = SeriesRequestHints.newBuilder()
        .addBlockMatchers(matcher(LabelMatcher.Type.EQ, "region", "eu"))
        .setEnableQueryStats(true)
        .build();
    SeriesRequest request = SeriesRequest.newBuilder()
        .setMinTime(1000)
        .setMaxTime(2000)
        .addMatchers(matcher(LabelMatcher.Type.EQ, "job", "api"))
        .addMatchers(matcher(LabelMatcher.Type.RE, "pod", "a.*"))
        .setMaxResolutionWindow(300_000)
        .addAggregates(Aggr.COUNT)
        .addAggregates(Aggr.SUM)
        .setPartialResponseStrategy(PartialResponseStrategy.ABORT)
        .setHints(Any.pack(hints))
        .setQueryHints(QueryHints.newBuilder()
            .setStepMillis(30_000)
            .setFunc(Func.newBuilder().setName("rate"))
            .setRange(Range.newBuilder().setMillis(300_000)))
        .setShardInfo(ShardInfo.newBuilder()
            .setShardIndex(1).setTotalShards(3).setBy(true).addLabels("job"))
        .addWithoutReplicaLabels("replica")
        .setLimit(1000)
        .setResponseBatchSize(64)
        .build();

    WireBytes expected = new WireBytes()
        .b(0x08, 0xE8, 0x07)             // field 1 (min_time) varint = 1000
        .b(0x10, 0xD0, 0x0F)             // field 2 (max_time) varint = 2000
        .b(0x1A, 0x0A)                   // field 3 (matchers) length 10
        .b(0x12, 0x03).s("job")          //   field 2 (name); type EQ = 0 omitted
        .b(0x1A, 0x03).s("api")          //   field 3 (value)
        .b(0x1A, 0x0C)                   // field 3 (matchers) length 12
        .b(0x08, 0x02)                   //   field 1 (type) varint = RE (2)
        .b(0x12, 0x03).s("pod")          //   field 2 (name)
        .b(0x1A, 0x03).s("a.*")          //   field 3 (value)
        .b(0x20, 0xE0, 0xA7, 0x12)       // field 4 (max_resolution_window) varint = 300000
        .b(0x2A, 0x02, 0x01, 0x02)       // field 5 (aggregates) packed, length 2: COUNT (1), SUM (2)
        .b(0x38, 0x01)                   // field 7 (partial_response_strategy) varint = ABORT (1)
        .b(0x4A, 0x42)                   // field 9 (hints, google.protobuf.Any) length 66
        .b(0x0A, 0x2E)                   //   field 1 (type_url) length 46
        .s("type.googleapis.com/hintspb.SeriesRequestHints")
        .b(0x12, 0x10)                   //   field 2 (value) length 16: a hintspb.SeriesRequestHints
        .b(0x0A, 0x0C)                   //     field 1 (block_matchers) length 12
        .b(0x12, 0x06).s("region")       //       field 2 (name)
        .b(0x1A, 0x02).s("eu")           //       field 3 (value)
        .b(0x10, 0x01)                   //     field 2 (enable_query_stats) varint = true
        .b(0x62, 0x12)                   // field 12 (query_hints) length 18
        .b(0x08, 0xB0, 0xEA, 0x01)       //   field 1 (step_millis) varint = 30000
        .b(0x12, 0x06)                   //   field 2 (func) length 6
        .b(0x0A, 0x04).s("rate")         //     field 1 (name)
        .b(0x2A, 0x04)                   //   field 5 (range) length 4
        .b(0x08, 0xE0, 0xA7, 0x12)       //     field 1 (millis) varint = 300000
        .b(0x6A, 0x0B)                   // field 13 (shard_info) length 11
        .b(0x08, 0x01)                   //   field 1 (shard_index) varint = 1
        .b(0x10, 0x03)                   //   field 2 (total_shards) varint = 3
        .b(0x18, 0x01)                   //   field 3 (by) varint = true
        .b(0x22, 0x03).s("job")          //   field 4 (labels)
        .b(0x72, 0x07).s("replica")      // field 14 (without_replica_labels)
        .b(0x78, 0xE8, 0x07)             // field 15 (limit) varint = 1000
        .b(0x80, 0x01, 0x40);            // field 16 (response_batch_size): two-byte tag 128, varint = 64

    assertWire(request, expected, SeriesRequest.parser());
    assertThat(request.getHints().unpack(SeriesRequestHints.class)).isEqualTo(hints);
  }

  @Test
  void seriesRequestWithExtremeTimesUsesPlainTenByteVarints() throws InvalidProtocolBufferException {
    SeriesRequest request = SeriesRequest.newBuilder()
        .setMinTime(Long.MIN_VALUE)
        .setMaxTime(Long.MAX_VALUE)
        .setSkipChunks(true)
        .setStep(15_000)
        .setRange(60_000)
        .build();

    WireBytes expected = new WireBytes()
        // field 1 (min_time) varint = -2^63, two's complement: 9 groups of 0 then the top bit
        .b(0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01)
        // field 2 (max_time) varint = 2^63-1: 8 groups of 0x7F then 0x7F
        .b(0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F)
        .b(0x40, 0x01)                   // field 8 (skip_chunks) varint = true
        .b(0x50, 0x98, 0x75)             // field 10 (step) varint = 15000
        .b(0x58, 0xE0, 0xD4, 0x03);      // field 11 (range) varint = 60000

    assertWire(request, expected, SeriesRequest.parser());
  }

  @Test
  void seriesResponseWithOneSeries() throws InvalidProtocolBufferException {
    SeriesResponse response = SeriesResponse.newBuilder()
        .setSeries(Series.newBuilder()
            .addLabels(label("__name__", "up"))
            .addLabels(label("job", "api"))
            .addChunks(AggrChunk.newBuilder()
                .setMinTime(1000)
                .setMaxTime(2000)
                .setRaw(Chunk.newBuilder()
                    .setType(Chunk.Encoding.XOR)
                    .setData(ByteString.copyFrom(new byte[] {0x00, 0x01, 0x02}))
                    .setHash(0x1234))))
        .build();

    WireBytes expected = new WireBytes()
        .b(0x0A, 0x2E)                   // field 1 (series) length 46
        .b(0x0A, 0x0E)                   //   field 1 (labels) length 14
        .b(0x0A, 0x08).s("__name__")     //     field 1 (name)
        .b(0x12, 0x02).s("up")           //     field 2 (value)
        .b(0x0A, 0x0A)                   //   field 1 (labels) length 10
        .b(0x0A, 0x03).s("job")          //     field 1 (name)
        .b(0x12, 0x03).s("api")          //     field 2 (value)
        .b(0x12, 0x10)                   //   field 2 (chunks, AggrChunk) length 16
        .b(0x08, 0xE8, 0x07)             //     field 1 (min_time) varint = 1000
        .b(0x10, 0xD0, 0x0F)             //     field 2 (max_time) varint = 2000
        .b(0x1A, 0x08)                   //     field 3 (raw) length 8; type XOR = 0 omitted
        .b(0x12, 0x03, 0x00, 0x01, 0x02) //       field 2 (data) length 3
        .b(0x18, 0xB4, 0x24);            //       field 3 (hash) varint = 0x1234

    assertWire(response, expected, SeriesResponse.parser());
    assertThat(response.getResultCase()).isEqualTo(SeriesResponse.ResultCase.SERIES);
  }

  @Test
  void seriesResponseWithBatch() throws InvalidProtocolBufferException {
    SeriesResponse response = SeriesResponse.newBuilder()
        .setBatch(SeriesBatch.newBuilder()
            .addSeries(Series.newBuilder().addLabels(label("job", "a")))
            .addSeries(Series.newBuilder().addLabels(label("job", "b"))))
        .build();

    WireBytes expected = new WireBytes()
        .b(0x22, 0x18)                   // field 4 (batch) length 24
        .b(0x0A, 0x0A)                   //   field 1 (series) length 10
        .b(0x0A, 0x08)                   //     field 1 (labels) length 8
        .b(0x0A, 0x03).s("job")          //       field 1 (name)
        .b(0x12, 0x01).s("a")            //       field 2 (value)
        .b(0x0A, 0x0A)                   //   field 1 (series) length 10
        .b(0x0A, 0x08)                   //     field 1 (labels) length 8
        .b(0x0A, 0x03).s("job")          //       field 1 (name)
        .b(0x12, 0x01).s("b");           //       field 2 (value)

    assertWire(response, expected, SeriesResponse.parser());
    assertThat(response.getResultCase()).isEqualTo(SeriesResponse.ResultCase.BATCH);
  }

  @Test
  void seriesResponseWithWarning() throws InvalidProtocolBufferException {
    SeriesResponse response = SeriesResponse.newBuilder().setWarning("partial").build();

    WireBytes expected = new WireBytes()
        .b(0x12, 0x07).s("partial");     // field 2 (warning)

    assertWire(response, expected, SeriesResponse.parser());
  }

  @Test
  void seriesResponseWithHintsCarryingQueryStats() throws InvalidProtocolBufferException {
    SeriesResponseHints hints = SeriesResponseHints.newBuilder()
        .addQueriedBlocks(Block.newBuilder().setId("01JCD4ZV8BQ3M7H9K2N5P6R8ST"))
        .setQueryStats(QueryStats.newBuilder()
            .setBlocksQueried(1)
            .setGetAllDuration(Duration.newBuilder().setSeconds(1).setNanos(500_000_000)))
        .build();
    SeriesResponse response = SeriesResponse.newBuilder().setHints(Any.pack(hints)).build();

    WireBytes expected = new WireBytes()
        .b(0x1A, 0x60)                   // field 3 (hints, google.protobuf.Any) length 96
        .b(0x0A, 0x2F)                   //   field 1 (type_url) length 47
        .s("type.googleapis.com/hintspb.SeriesResponseHints")
        .b(0x12, 0x2D)                   //   field 2 (value) length 45: a hintspb.SeriesResponseHints
        .b(0x0A, 0x1C)                   //     field 1 (queried_blocks) length 28
        .b(0x0A, 0x1A)                   //       field 1 (id) length 26
        .s("01JCD4ZV8BQ3M7H9K2N5P6R8ST")
        .b(0x12, 0x0D)                   //     field 2 (query_stats) length 13
        .b(0x08, 0x01)                   //       field 1 (blocks_queried) varint = 1
        .b(0xAA, 0x01, 0x08)             //       field 21 (get_all_duration): two-byte tag 170, length 8
        .b(0x08, 0x01)                   //         field 1 (seconds) varint = 1
        .b(0x10, 0x80, 0xCA, 0xB5, 0xEE, 0x01); //  field 2 (nanos) varint = 500000000

    assertWire(response, expected, SeriesResponse.parser());
    assertThat(response.getHints().unpack(SeriesResponseHints.class)).isEqualTo(hints);
  }

  @Test
  void chunkEncodings() throws InvalidProtocolBufferException {
    ByteString data = ByteString.copyFrom(new byte[] {(byte) 0xAB});

    assertWire(Chunk.newBuilder().setType(Chunk.Encoding.XOR).setData(data).build(),
        new WireBytes()
            .b(0x12, 0x01, 0xAB),        // field 2 (data) length 1; type XOR = 0 omitted, hash 0 omitted
        Chunk.parser());
    assertWire(Chunk.newBuilder().setType(Chunk.Encoding.HISTOGRAM).setData(data).build(),
        new WireBytes()
            .b(0x08, 0x01)               // field 1 (type) varint = HISTOGRAM (1)
            .b(0x12, 0x01, 0xAB),        // field 2 (data) length 1
        Chunk.parser());
    assertWire(Chunk.newBuilder().setType(Chunk.Encoding.FLOAT_HISTOGRAM).setData(data).setHash(-1L).build(),
        new WireBytes()
            .b(0x08, 0x02)               // field 1 (type) varint = FLOAT_HISTOGRAM (2)
            .b(0x12, 0x01, 0xAB)         // field 2 (data) length 1
            // field 3 (hash) uint64 varint = 2^64-1: 9 groups of 0x7F then 0x01
            .b(0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01),
        Chunk.parser());
  }

  @Test
  void downsampledAggrChunk() throws InvalidProtocolBufferException {
    AggrChunk chunk = AggrChunk.newBuilder()
        .setMinTime(0)
        .setMaxTime(299_999)
        .setCount(Chunk.newBuilder().setData(ByteString.copyFrom(new byte[] {0x01})))
        .setSum(Chunk.newBuilder().setData(ByteString.copyFrom(new byte[] {0x02})))
        .setMin(Chunk.newBuilder().setData(ByteString.copyFrom(new byte[] {0x03})))
        .setMax(Chunk.newBuilder().setData(ByteString.copyFrom(new byte[] {0x04})))
        .setCounter(Chunk.newBuilder().setData(ByteString.copyFrom(new byte[] {0x05})))
        .build();

    WireBytes expected = new WireBytes()
        .b(0x10, 0xDF, 0xA7, 0x12)       // field 2 (max_time) varint = 299999; min_time 0 omitted
        .b(0x22, 0x03, 0x12, 0x01, 0x01) // field 4 (count) length 3: field 2 (data) = 01
        .b(0x2A, 0x03, 0x12, 0x01, 0x02) // field 5 (sum) length 3: field 2 (data) = 02
        .b(0x32, 0x03, 0x12, 0x01, 0x03) // field 6 (min) length 3: field 2 (data) = 03
        .b(0x3A, 0x03, 0x12, 0x01, 0x04) // field 7 (max) length 3: field 2 (data) = 04
        .b(0x42, 0x03, 0x12, 0x01, 0x05);// field 8 (counter) length 3: field 2 (data) = 05

    assertWire(chunk, expected, AggrChunk.parser());
    assertThat(chunk.hasRaw()).isFalse();
  }

  @Test
  void labelValuesRequest() throws InvalidProtocolBufferException {
    LabelValuesRequest request = LabelValuesRequest.newBuilder()
        .setLabel("job")
        .setPartialResponseStrategy(PartialResponseStrategy.ABORT)
        .setStart(1000)
        .setEnd(2000)
        .addMatchers(matcher(LabelMatcher.Type.NEQ, "env", "dev"))
        .addWithoutReplicaLabels("replica")
        .setLimit(10)
        .build();

    WireBytes expected = new WireBytes()
        .b(0x0A, 0x03).s("job")          // field 1 (label)
        .b(0x18, 0x01)                   // field 3 (partial_response_strategy) varint = ABORT (1)
        .b(0x20, 0xE8, 0x07)             // field 4 (start) varint = 1000
        .b(0x28, 0xD0, 0x0F)             // field 5 (end) varint = 2000
        .b(0x3A, 0x0C)                   // field 7 (matchers) length 12
        .b(0x08, 0x01)                   //   field 1 (type) varint = NEQ (1)
        .b(0x12, 0x03).s("env")          //   field 2 (name)
        .b(0x1A, 0x03).s("dev")          //   field 3 (value)
        .b(0x42, 0x07).s("replica")      // field 8 (without_replica_labels)
        .b(0x48, 0x0A);                  // field 9 (limit) varint = 10

    assertWire(request, expected, LabelValuesRequest.parser());
  }
}
