package dev.hypnos.proto;

import static dev.hypnos.proto.WireBytes.assertWire;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.hypnos.proto.thanos.info.InfoRequest;
import dev.hypnos.proto.thanos.info.InfoResponse;
import dev.hypnos.proto.thanos.info.StatusInfo;
import dev.hypnos.proto.thanos.info.StoreInfo;
import dev.hypnos.proto.thanos.info.TSDBInfo;
import dev.hypnos.proto.thanos.store.Label;
import dev.hypnos.proto.thanos.store.ZLabelSet;
import org.junit.jupiter.api.Test;

/** Golden bytes for the Thanos Info API messages (package thanos.info). */
class ThanosInfoWireTest {

  private static final ZLabelSet CLUSTER_EU1 = ZLabelSet.newBuilder()
      .addLabels(Label.newBuilder().setName("cluster").setValue("eu1"))
      .build();

  @Test
  void infoRequestIsEmpty() throws InvalidProtocolBufferException {
    assertWire(InfoRequest.getDefaultInstance(), new WireBytes(), InfoRequest.parser());
  }

  @Test
  void infoResponseOfAStore() throws InvalidProtocolBufferException {
    InfoResponse response = InfoResponse.newBuilder()
        .addLabelSets(CLUSTER_EU1)
        .setComponentType("store")
        .setStore(StoreInfo.newBuilder()
            .setMinTime(1000)
            .setMaxTime(Long.MAX_VALUE)
            .setSupportsSharding(true)
            .setSupportsWithoutReplicaLabels(true)
            .addTsdbInfos(TSDBInfo.newBuilder().setLabels(CLUSTER_EU1).setMinTime(1000).setMaxTime(2000)))
        .setStatus(StatusInfo.getDefaultInstance())
        .build();

    WireBytes expected = new WireBytes()
        .b(0x0A, 0x10)                   // field 1 (label_sets) length 16
        .b(0x0A, 0x0E)                   //   field 1 (labels) length 14
        .b(0x0A, 0x07).s("cluster")      //     field 1 (name)
        .b(0x12, 0x03).s("eu1")          //     field 2 (value)
        .b(0x12, 0x05).s("store")        // field 2 (ComponentType)
        .b(0x1A, 0x2B)                   // field 3 (store) length 43
        .b(0x08, 0xE8, 0x07)             //   field 1 (min_time) varint = 1000
        // field 2 (max_time) varint = 2^63-1
        .b(0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F)
        .b(0x18, 0x01)                   //   field 3 (supports_sharding) varint = true
        .b(0x28, 0x01)                   //   field 5 (supports_without_replica_labels) varint = true
        .b(0x32, 0x18)                   //   field 6 (tsdb_infos) length 24
        .b(0x0A, 0x10)                   //     field 1 (labels) length 16
        .b(0x0A, 0x0E)                   //       field 1 (labels) length 14
        .b(0x0A, 0x07).s("cluster")      //         field 1 (name)
        .b(0x12, 0x03).s("eu1")          //         field 2 (value)
        .b(0x10, 0xE8, 0x07)             //     field 2 (min_time) varint = 1000
        .b(0x18, 0xD0, 0x0F)             //     field 3 (max_time) varint = 2000
        .b(0x4A, 0x00);                  // field 9 (status) length 0: present but empty

    assertWire(response, expected, InfoResponse.parser());
    assertThat(response.hasStatus()).isTrue();
    assertThat(response.hasRules()).isFalse();
  }

  @Test
  void emptyNestedMessageAsGoWritesItParsesAsPresent() throws InvalidProtocolBufferException {
    // Go (gogoproto nullable=false) always writes TSDBInfo.labels, even when the label set is empty.
    byte[] fromGo = new WireBytes()
        .b(0x0A, 0x00)                   // field 1 (labels) length 0
        .b(0x10, 0x01)                   // field 2 (min_time) varint = 1
        .toByteArray();

    TSDBInfo info = TSDBInfo.parseFrom(fromGo);

    assertThat(info.hasLabels()).isTrue();
    assertThat(info.getLabels().getLabelsList()).isEmpty();
    assertThat(info.getMinTime()).isEqualTo(1);
  }
}
