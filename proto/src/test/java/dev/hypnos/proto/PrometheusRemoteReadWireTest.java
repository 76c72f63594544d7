package dev.hypnos.proto;

import static dev.hypnos.proto.WireBytes.assertWire;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.hypnos.proto.prometheus.BucketSpan;
import dev.hypnos.proto.prometheus.Chunk;
import dev.hypnos.proto.prometheus.ChunkedReadResponse;
import dev.hypnos.proto.prometheus.ChunkedSeries;
import dev.hypnos.proto.prometheus.Histogram;
import dev.hypnos.proto.prometheus.Label;
import dev.hypnos.proto.prometheus.LabelMatcher;
import dev.hypnos.proto.prometheus.Query;
import dev.hypnos.proto.prometheus.QueryResult;
import dev.hypnos.proto.prometheus.ReadHints;
import dev.hypnos.proto.prometheus.ReadRequest;
import dev.hypnos.proto.prometheus.ReadResponse;
import dev.hypnos.proto.prometheus.Sample;
import dev.hypnos.proto.prometheus.TimeSeries;
import org.junit.jupiter.api.Test;

/** Golden bytes for the Prometheus remote read messages (package prometheus). */
class PrometheusRemoteReadWireTest {

  private static final Label NAME_UP = Label.newBuilder().setName("__name__").setValue("up").build();

  @Test
  void readRequestAcceptingStreamedChunks() throws InvalidProtocolBufferException {
    ReadRequest request = ReadRequest.newBuilder()
        .addQueries(Query.newBuilder()
            .setStartTimestampMs(1000)
            .setEndTimestampMs(2000)
            .addMatchers(LabelMatcher.newBuilder()
                .setType(LabelMatcher.Type.EQ).setName("__name__").setValue("up"))
            .setHints(ReadHints.newBuilder()
                .setFunc("rate").setStartMs(1000).setEndMs(2000).setRangeMs(300_000)))
        .addAcceptedResponseTypes(ReadRequest.ResponseType.STREAMED_XOR_CHUNKS)
        .addAcceptedResponseTypes(ReadRequest.ResponseType.SAMPLES)
        .build();

    WireBytes expected = new WireBytes()
        .b(0x0A, 0x28)                   // field 1 (queries) length 40
        .b(0x08, 0xE8, 0x07)             //   field 1 (start_timestamp_ms) varint = 1000
        .b(0x10, 0xD0, 0x0F)             //   field 2 (end_timestamp_ms) varint = 2000
        .b(0x1A, 0x0E)                   //   field 3 (matchers) length 14; type EQ = 0 omitted
        .b(0x12, 0x08).s("__name__")     //     field 2 (name)
        .b(0x1A, 0x02).s("up")           //     field 3 (value)
        .b(0x22, 0x10)                   //   field 4 (hints) length 16
        .b(0x12, 0x04).s("rate")         //     field 2 (func)
        .b(0x18, 0xE8, 0x07)             //     field 3 (start_ms) varint = 1000
        .b(0x20, 0xD0, 0x0F)             //     field 4 (end_ms) varint = 2000
        .b(0x38, 0xE0, 0xA7, 0x12)       //     field 7 (range_ms) varint = 300000
        .b(0x12, 0x02, 0x01, 0x00);      // field 2 (accepted_response_types) packed, length 2:
                                         //   STREAMED_XOR_CHUNKS (1), SAMPLES (0)

    assertWire(request, expected, ReadRequest.parser());
  }

  @Test
  void chunkedReadResponseWithOneXorChunk() throws InvalidProtocolBufferException {
    ChunkedReadResponse response = ChunkedReadResponse.newBuilder()
        .addChunkedSeries(ChunkedSeries.newBuilder()
            .addLabels(NAME_UP)
            .addChunks(Chunk.newBuilder()
                .setMinTimeMs(1000)
                .setMaxTimeMs(2000)
                .setType(Chunk.Encoding.XOR)
                .setData(ByteString.copyFrom(new byte[] {0x00, 0x01}))))
        .setQueryIndex(1)
        .build();

    WireBytes expected = new WireBytes()
        .b(0x0A, 0x1E)                   // field 1 (chunked_series) length 30
        .b(0x0A, 0x0E)                   //   field 1 (labels) length 14
        .b(0x0A, 0x08).s("__name__")     //     field 1 (name)
        .b(0x12, 0x02).s("up")           //     field 2 (value)
        .b(0x12, 0x0C)                   //   field 2 (chunks) length 12
        .b(0x08, 0xE8, 0x07)             //     field 1 (min_time_ms) varint = 1000
        .b(0x10, 0xD0, 0x0F)             //     field 2 (max_time_ms) varint = 2000
        .b(0x18, 0x01)                   //     field 3 (type) varint = XOR (1)
        .b(0x22, 0x02, 0x00, 0x01)       //     field 4 (data) length 2
        .b(0x10, 0x01);                  // field 2 (query_index) varint = 1

    assertWire(response, expected, ChunkedReadResponse.parser());
  }

  @Test
  void chunkEncodingNumbersFollowTheTsdbEncodingByte() throws InvalidProtocolBufferException {
    assertWire(Chunk.newBuilder().setType(Chunk.Encoding.FLOAT_HISTOGRAM).build(),
        new WireBytes().b(0x18, 0x03),   // field 3 (type) varint = FLOAT_HISTOGRAM (3)
        Chunk.parser());
    assertWire(Chunk.newBuilder().setType(Chunk.Encoding.XOR2).build(),
        new WireBytes().b(0x18, 0x04),   // field 3 (type) varint = XOR2 (4)
        Chunk.parser());
    assertWire(Chunk.newBuilder().setType(Chunk.Encoding.FLOAT_HISTOGRAM_ST).build(),
        new WireBytes().b(0x18, 0x06),   // field 3 (type) varint = FLOAT_HISTOGRAM_ST (6)
        Chunk.parser());
  }

  @Test
  void samplesReadResponse() throws InvalidProtocolBufferException {
    ReadResponse response = ReadResponse.newBuilder()
        .addResults(QueryResult.newBuilder()
            .addTimeseries(TimeSeries.newBuilder()
                .addLabels(NAME_UP)
                .addSamples(Sample.newBuilder().setValue(1.5).setTimestamp(1000))))
        .build();

    WireBytes expected = new WireBytes()
        .b(0x0A, 0x20)                   // field 1 (results) length 32
        .b(0x0A, 0x1E)                   //   field 1 (timeseries) length 30
        .b(0x0A, 0x0E)                   //     field 1 (labels) length 14
        .b(0x0A, 0x08).s("__name__")     //       field 1 (name)
        .b(0x12, 0x02).s("up")           //       field 2 (value)
        .b(0x12, 0x0C)                   //     field 2 (samples) length 12
        // field 1 (value) fixed64 double 1.5 = 0x3FF8000000000000, little-endian
        .b(0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x3F)
        .b(0x10, 0xE8, 0x07);            //       field 2 (timestamp) varint = 1000

    assertWire(response, expected, ReadResponse.parser());
  }

  @Test
  void integerNativeHistogramUsesZigZagForSignedFields() throws InvalidProtocolBufferException {
    Histogram histogram = Histogram.newBuilder()
        .setCountInt(5)
        .setSchema(-2)
        .addPositiveSpans(BucketSpan.newBuilder().setOffset(-1).setLength(2))
        .addPositiveDeltas(1)
        .addPositiveDeltas(-1)
        .setResetHint(Histogram.ResetHint.NO)
        .setTimestamp(1000)
        .build();

    WireBytes expected = new WireBytes()
        .b(0x08, 0x05)                   // field 1 (count_int) varint = 5
        .b(0x20, 0x03)                   // field 4 (schema) sint32 zigzag(-2) = 3
        .b(0x5A, 0x04)                   // field 11 (positive_spans) length 4
        .b(0x08, 0x01)                   //   field 1 (offset) sint32 zigzag(-1) = 1
        .b(0x10, 0x02)                   //   field 2 (length) varint = 2
        .b(0x62, 0x02, 0x02, 0x01)       // field 12 (positive_deltas) packed sint64, length 2:
                                         //   zigzag(1) = 2, zigzag(-1) = 1
        .b(0x70, 0x02)                   // field 14 (reset_hint) varint = NO (2)
        .b(0x78, 0xE8, 0x07);            // field 15 (timestamp) varint = 1000

    assertWire(histogram, expected, Histogram.parser());
  }
}
