package dev.hypnos.core.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockMetaJsonTest {
  // As Thanos writes it (json.Encoder with SetIndent("", "\t")), including an unknown field.
  private static final String THANOS_META = """
      {
      \t"ulid": "01HZZ8B0T6N6Q4DA7Z2Y8G0X1A",
      \t"minTime": 1700000000000,
      \t"maxTime": 1700007200000,
      \t"stats": {
      \t\t"numSamples": 120,
      \t\t"numSeries": 2,
      \t\t"numChunks": 2
      \t},
      \t"compaction": {
      \t\t"level": 2,
      \t\t"sources": [
      \t\t\t"01HZZ8B0T6N6Q4DA7Z2Y8G0X1B",
      \t\t\t"01HZZ8B0T6N6Q4DA7Z2Y8G0X1C"
      \t\t],
      \t\t"parents": [
      \t\t\t{
      \t\t\t\t"ulid": "01HZZ8B0T6N6Q4DA7Z2Y8G0X1B",
      \t\t\t\t"minTime": 1700000000000,
      \t\t\t\t"maxTime": 1700003600000
      \t\t\t}
      \t\t]
      \t},
      \t"version": 1,
      \t"thanos": {
      \t\t"version": 1,
      \t\t"labels": {
      \t\t\t"cluster": "eu1",
      \t\t\t"replica": "a"
      \t\t},
      \t\t"downsample": {
      \t\t\t"resolution": 0
      \t\t},
      \t\t"source": "sidecar",
      \t\t"segment_files": [
      \t\t\t"000001"
      \t\t],
      \t\t"files": [
      \t\t\t{
      \t\t\t\t"rel_path": "chunks/000001",
      \t\t\t\t"size_bytes": 1234,
      \t\t\t\t"hash": {
      \t\t\t\t\t"hashFunc": "SHA256",
      \t\t\t\t\t"value": "abcd"
      \t\t\t\t}
      \t\t\t},
      \t\t\t{
      \t\t\t\t"rel_path": "meta.json"
      \t\t\t}
      \t\t],
      \t\t"index_stats": {
      \t\t\t"series_max_size": 100
      \t\t},
      \t\t"extensions": {
      \t\t\t"tenant": "t1"
      \t\t},
      \t\t"upload_time": "2024-05-01T10:00:00.5Z"
      \t}
      }
      """;

  @Test
  void readsThanosMetaAndWritesItBackByteForByte() throws Exception {
    String withUnknown = THANOS_META.replace("\"version\": 1,\n\t\"thanos\"", "\"version\": 1,\n\t\"future\": [1],\n\t\"thanos\"");
    BlockMeta m = BlockMetaJson.parse(withUnknown.getBytes(StandardCharsets.UTF_8), "test meta.json");
    assertThat(m.ulid()).isEqualTo(BlockId.parse("01HZZ8B0T6N6Q4DA7Z2Y8G0X1A"));
    assertThat(m.stats().numSamples()).isEqualTo(120);
    assertThat(m.compaction().level()).isEqualTo(2);
    assertThat(m.compaction().parents()).hasSize(1);
    assertThat(m.thanos()).isNotNull();
    assertThat(m.thanos().labels()).containsExactly(Map.entry("cluster", "eu1"), Map.entry("replica", "a"));
    assertThat(m.thanos().files().get(0).hash().value()).isEqualTo("abcd");
    assertThat(m.thanos().extensions().get("tenant").asText()).isEqualTo("t1");
    assertThat(m.thanos().indexStats().seriesMaxSize()).isEqualTo(100);

    assertThat(new String(BlockMetaJson.toBytes(m), StandardCharsets.UTF_8)).isEqualTo(THANOS_META);
  }

  @Test
  void writesPrometheusMetaWithEmptyThanosLabelsAsGoDoes(@TempDir Path dir) throws Exception {
    BlockMeta m = new BlockMeta(BlockId.parse("01HZZ8B0T6N6Q4DA7Z2Y8G0X1A"), 1, 2,
        new BlockMeta.Stats(0, 0, 0, 0, 0, 0), new BlockMeta.Compaction(1, List.of(), false, List.of(), false, List.of()),
        1, BlockMeta.Thanos.of(Map.of(), 0, "test"));
    BlockMetaJson.write(dir, m);
    String text = Files.readString(dir.resolve("meta.json"));
    assertThat(text).isEqualTo("""
        {
        \t"ulid": "01HZZ8B0T6N6Q4DA7Z2Y8G0X1A",
        \t"minTime": 1,
        \t"maxTime": 2,
        \t"stats": {},
        \t"compaction": {
        \t\t"level": 1
        \t},
        \t"version": 1,
        \t"thanos": {
        \t\t"version": 1,
        \t\t"labels": {},
        \t\t"downsample": {
        \t\t\t"resolution": 0
        \t\t},
        \t\t"source": "test",
        \t\t"index_stats": {}
        \t}
        }
        """);
    assertThat(Files.exists(dir.resolve("meta.json.tmp"))).isFalse();
    assertThat(BlockMetaJson.read(dir)).isEqualTo(m);
  }

  @Test
  void rejectsWrongVersionsAndBadJsonNamingTheFile(@TempDir Path dir) throws Exception {
    byte[] v2 = THANOS_META.replace("\"version\": 1,\n\t\"thanos\"", "\"version\": 2,\n\t\"thanos\"")
        .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> BlockMetaJson.parse(v2, "x/meta.json"))
        .hasMessageContaining("x/meta.json").hasMessageContaining("version 2");
    byte[] thanosV3 = THANOS_META.replace("\t\t\"version\": 1,", "\t\t\"version\": 3,").getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> BlockMetaJson.parse(thanosV3, "x/meta.json")).hasMessageContaining("Thanos section version 3");
    assertThatThrownBy(() -> BlockMetaJson.parse("{\"version\":1}".getBytes(StandardCharsets.UTF_8), "y/meta.json"))
        .hasMessageContaining("y/meta.json").hasMessageContaining("ulid");
    assertThatThrownBy(() -> BlockMetaJson.parse("{\"ulid\": \"nope\", \"version\":1}".getBytes(StandardCharsets.UTF_8), "z"))
        .hasMessageContaining("nope");
    assertThatThrownBy(() -> BlockMetaJson.parse("{\"ulid\": ".getBytes(StandardCharsets.UTF_8), "w/meta.json"))
        .hasMessageContaining("w/meta.json");
    assertThatThrownBy(() -> BlockMetaJson.read(dir)).isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(dir.toString()).hasMessageContaining("meta.json");
  }
}
