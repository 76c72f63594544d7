package dev.hypnos.storeapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.chunk.XorIterator;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.storage.MemoryStorage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Details of the reference store that the contract suite does not pin: chunk cutting, sharding. */
class QueryableStoreApiTest {

  private static List<StoreSeries> run(StoreApi store, SeriesRequest req) throws IOException {
    List<StoreSeries> out = new ArrayList<>();
    store.series(req, r -> out.add(((SeriesResponse.SeriesItem) r).series()));
    return out;
  }

  @Test
  void samplesAreCutIntoChunksOf120WithHashes() throws IOException {
    MemoryStorage storage = new MemoryStorage();
    Labels labels = Labels.of("__name__", "up");
    for (int i = 0; i < 250; i++) {
      storage.append(labels, 1000L * i, i);
    }
    QueryableStoreApi store = new QueryableStoreApi(storage, Labels.EMPTY);
    List<StoreSeries> got = run(store, SeriesRequest.builder(5_000, 249_000, List.of(Matcher.eq("__name__", "up"))).build());
    assertThat(got).hasSize(1);
    List<StoreChunk> chunks = got.get(0).chunks();
    assertThat(chunks).extracting(c -> c.raw().asXor().numSamples()).containsExactly(120, 120, 5);
    assertThat(chunks).extracting(StoreChunk::minTime).containsExactly(5_000L, 125_000L, 245_000L);
    assertThat(chunks.get(2).maxTime()).isEqualTo(249_000);
    XorIterator it = new XorIterator();
    long expect = 5;
    for (StoreChunk c : chunks) {
      assertThat(c.raw().hashMatches()).isTrue();
      it.reset(c.raw().asXor());
      while (it.next()) {
        assertThat(it.timestamp()).isEqualTo(expect * 1000);
        assertThat(it.value()).isEqualTo(expect);
        expect++;
      }
    }
    assertThat(expect).isEqualTo(250);
  }

  @Test
  void shardsSplitTheSeriesByLabelHash() throws IOException {
    MemoryStorage storage = new MemoryStorage();
    for (int i = 0; i < 60; i++) {
      storage.append(Labels.of("__name__", "m", "i", Integer.toString(i)), 1, 1);
    }
    QueryableStoreApi store = new QueryableStoreApi(storage, Labels.of("replica", "a"));
    SeriesRequest all = SeriesRequest.builder(0, 10, List.of(Matcher.eq("__name__", "m"))).build();
    int total = 0;
    for (int shard = 0; shard < 4; shard++) {
      ShardInfo info = new ShardInfo(shard, 4, true, List.of("i"));
      List<StoreSeries> got = run(store, all.toBuilder().shardInfo(info).build());
      assertThat(got).isNotEmpty();
      for (StoreSeries s : got) {
        assertThat(info.matches(s.labels())).isTrue();
        // Hashing "by i" ignores every other label.
        assertThat(info.matches(Labels.of("i", s.labels().get("i")))).isTrue();
      }
      total += got.size();
    }
    assertThat(total).isEqualTo(60);
  }

  @Test
  void shardHashCoversNameValueSeparators() {
    ShardInfo by = new ShardInfo(0, 2, true, List.of("a"));
    byte[] expected = "a\u00ff1\u00ff".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(by.hash(Labels.of("a", "1", "b", "2")))
        .isEqualTo(dev.hypnos.core.util.XxHash64.hash(expected));
    ShardInfo without = new ShardInfo(0, 2, false, List.of("a"));
    byte[] rest = "b\u00ff2\u00ff".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(without.hash(Labels.of("a", "1", "b", "2"))).isEqualTo(dev.hypnos.core.util.XxHash64.hash(rest));
  }
}
