package dev.hypnos.proto;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import dev.hypnos.proto.hints.HintsProto;
import dev.hypnos.proto.hints.LabelNamesResponseHints;
import dev.hypnos.proto.hints.QueryStats;
import dev.hypnos.proto.hints.SeriesRequestHints;
import dev.hypnos.proto.prometheus.ChunkedReadResponse;
import dev.hypnos.proto.prometheus.PrometheusTypesProto;
import dev.hypnos.proto.prometheus.RemoteReadProto;
import dev.hypnos.proto.thanos.info.InfoGrpc;
import dev.hypnos.proto.thanos.info.InfoProto;
import dev.hypnos.proto.thanos.info.InfoResponse;
import dev.hypnos.proto.thanos.info.StoreInfo;
import dev.hypnos.proto.thanos.store.LabelTypesProto;
import dev.hypnos.proto.thanos.store.SeriesRequest;
import dev.hypnos.proto.thanos.store.StoreGrpc;
import dev.hypnos.proto.thanos.store.StoreRpcProto;
import dev.hypnos.proto.thanos.store.StoreTypesProto;
import io.grpc.MethodDescriptor;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The names that reach the wire or the peer indirectly: proto package names (gRPC paths, Any type
 * URLs, the remote read content type) and, for the messages where Thanos relies on them, field
 * names and numbers.
 */
class ProtoSchemaTest {

  @Test
  void protoPackagesMatchThanosAndPrometheus() {
    Map<String, String> packageByFile = List.of(
            LabelTypesProto.getDescriptor(),
            StoreTypesProto.getDescriptor(),
            StoreRpcProto.getDescriptor(),
            InfoProto.getDescriptor(),
            HintsProto.getDescriptor(),
            PrometheusTypesProto.getDescriptor(),
            RemoteReadProto.getDescriptor())
        .stream()
        .collect(Collectors.toMap(FileDescriptor::getName, FileDescriptor::getPackage));

    assertThat(packageByFile).containsExactlyInAnyOrderEntriesOf(Map.of(
        "thanos/store/labels.proto", "thanos",
        "thanos/store/types.proto", "thanos",
        "thanos/store/rpc.proto", "thanos",
        "thanos/info/info.proto", "thanos.info",
        "hintspb/hints.proto", "hintspb",
        "prometheus/types.proto", "prometheus",
        "prometheus/remote.proto", "prometheus"));
  }

  @Test
  void storeServiceMethods() {
    assertThat(StoreGrpc.SERVICE_NAME).isEqualTo("thanos.Store");
    assertMethod(StoreGrpc.getSeriesMethod(), "thanos.Store/Series", MethodDescriptor.MethodType.SERVER_STREAMING);
    assertMethod(StoreGrpc.getLabelNamesMethod(), "thanos.Store/LabelNames", MethodDescriptor.MethodType.UNARY);
    assertMethod(StoreGrpc.getLabelValuesMethod(), "thanos.Store/LabelValues", MethodDescriptor.MethodType.UNARY);
    // Current Thanos has no Info rpc on Store; metadata comes from thanos.info.Info.
    assertThat(StoreGrpc.getServiceDescriptor().getMethods())
        .extracting(MethodDescriptor::getFullMethodName)
        .containsExactlyInAnyOrder("thanos.Store/Series", "thanos.Store/LabelNames", "thanos.Store/LabelValues");
    assertThat(StoreRpcProto.getDescriptor().getServices())
        .extracting(ServiceDescriptor::getFullName)
        .containsExactly("thanos.Store");
  }

  @Test
  void infoServiceMethod() {
    assertThat(InfoGrpc.SERVICE_NAME).isEqualTo("thanos.info.Info");
    assertMethod(InfoGrpc.getInfoMethod(), "thanos.info.Info/Info", MethodDescriptor.MethodType.UNARY);
    assertThat(InfoGrpc.getServiceDescriptor().getMethods()).hasSize(1);
  }

  private static void assertMethod(MethodDescriptor<?, ?> method, String fullName, MethodDescriptor.MethodType type) {
    assertThat(method.getFullMethodName()).isEqualTo(fullName);
    assertThat(method.getType()).as("type of %s", fullName).isEqualTo(type);
  }

  @Test
  void anyTypeUrlsOfHints() {
    assertThat(Any.pack(SeriesRequestHints.getDefaultInstance()).getTypeUrl())
        .isEqualTo("type.googleapis.com/hintspb.SeriesRequestHints");
    assertThat(Any.pack(LabelNamesResponseHints.getDefaultInstance()).getTypeUrl())
        .isEqualTo("type.googleapis.com/hintspb.LabelNamesResponseHints");
  }

  @Test
  void remoteReadStreamedMessageName() {
    // Part of the streamed response content type: proto=prometheus.ChunkedReadResponse.
    assertThat(ChunkedReadResponse.getDescriptor().getFullName()).isEqualTo("prometheus.ChunkedReadResponse");
  }

  @Test
  void seriesRequestFieldsOneToSixteen() {
    assertThat(fieldsByNumber(SeriesRequest.getDescriptor())).containsExactly(
        "1 min_time int64",
        "2 max_time int64",
        "3 matchers repeated thanos.LabelMatcher",
        "4 max_resolution_window int64",
        "5 aggregates repeated thanos.Aggr",
        "6 partial_response_disabled bool",
        "7 partial_response_strategy thanos.PartialResponseStrategy",
        "8 skip_chunks bool",
        "9 hints google.protobuf.Any",
        "10 step int64",
        "11 range int64",
        "12 query_hints thanos.QueryHints",
        "13 shard_info thanos.ShardInfo",
        "14 without_replica_labels repeated string",
        "15 limit int64",
        "16 response_batch_size int64");
  }

  @Test
  void queryStatsFieldsOneToTwentyTwo() {
    assertThat(fieldsByNumber(QueryStats.getDescriptor())).containsExactly(
        "1 blocks_queried int64",
        "2 merged_series_count int64",
        "3 merged_chunks_count int64",
        "4 postings_touched int64",
        "5 postings_touched_size_sum int64",
        "6 postings_to_fetch int64",
        "7 postings_fetched int64",
        "8 postings_fetched_size_sum int64",
        "9 postings_fetch_count int64",
        "10 series_touched int64",
        "11 series_touched_size_sum int64",
        "12 series_fetched int64",
        "13 series_fetched_size_sum int64",
        "14 series_fetch_count int64",
        "15 chunks_touched int64",
        "16 chunks_touched_size_sum int64",
        "17 chunks_fetched int64",
        "18 chunks_fetched_size_sum int64",
        "19 chunks_fetch_count int64",
        "20 data_downloaded_size_sum int64",
        "21 get_all_duration google.protobuf.Duration",
        "22 merge_duration google.protobuf.Duration");
  }

  @Test
  void infoResponseKeepsCapitalisedComponentTypeAndStoreInfoReservesFour() {
    FieldDescriptor componentType = InfoResponse.getDescriptor().findFieldByNumber(2);
    assertThat(componentType.getName()).isEqualTo("ComponentType");
    assertThat(componentType.getType()).isEqualTo(FieldDescriptor.Type.STRING);
    assertThat(StoreInfo.getDescriptor().isReservedNumber(4)).isTrue();
    assertThat(fieldsByNumber(StoreInfo.getDescriptor())).containsExactly(
        "1 min_time int64",
        "2 max_time int64",
        "3 supports_sharding bool",
        "5 supports_without_replica_labels bool",
        "6 tsdb_infos repeated thanos.info.TSDBInfo",
        "7 supports_projections bool");
  }

  /** "number name [repeated] type" per field, by field number. */
  private static List<String> fieldsByNumber(Descriptor message) {
    return message.getFields().stream()
        .sorted((a, b) -> Integer.compare(a.getNumber(), b.getNumber()))
        .map(f -> f.getNumber() + " " + f.getName() + " " + (f.isRepeated() ? "repeated " : "") + typeName(f))
        .toList();
  }

  private static String typeName(FieldDescriptor field) {
    return switch (field.getJavaType()) {
      case MESSAGE -> field.getMessageType().getFullName();
      case ENUM -> field.getEnumType().getFullName();
      default -> field.getType().name().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
