package dev.hypnos.compactor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.InMemoryBucket;
import dev.hypnos.core.objstore.ObjectAttributes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Deletion mark format, retention edges and the cleaner's deletion order. */
class MarksAndCleanerTest {
  /** Passes everything to a real bucket and records the deleted keys in order. */
  static final class RecordingBucket implements Bucket {
    final Bucket inner;
    final List<String> deletes = new ArrayList<>();

    RecordingBucket(Bucket inner) {
      this.inner = inner;
    }

    @Override public String name() { return inner.name(); }
    @Override public InputStream get(String key) throws IOException { return inner.get(key); }
    @Override public InputStream getRange(String key, long offset, long length) throws IOException {
      return inner.getRange(key, offset, length);
    }
    @Override public void iter(String dir, Consumer<String> consumer) throws IOException { inner.iter(dir, consumer); }
    @Override public void iterRecursive(String dir, Consumer<String> consumer) throws IOException {
      inner.iterRecursive(dir, consumer);
    }
    @Override public boolean exists(String key) throws IOException { return inner.exists(key); }
    @Override public ObjectAttributes attributes(String key) throws IOException { return inner.attributes(key); }
    @Override public void upload(String key, InputStream in, long length) throws IOException { inner.upload(key, in, length); }
    @Override public void delete(String key) throws IOException {
      deletes.add(key);
      inner.delete(key);
    }
    @Override public void close() throws IOException { inner.close(); }
  }

  static void put(Bucket b, String key) throws IOException {
    byte[] d = {'x'};
    b.upload(key, new ByteArrayInputStream(d), 1);
  }

  @Test
  void deletionMarkHasThanosFields() throws IOException {
    Bucket b = new InMemoryBucket();
    BlockId id = BlockId.of(1_700_000_000_000L, new SplittableRandom(1));
    Marks.markForDeletion(b, id, Instant.ofEpochSecond(1_750_000_000L, 999_000_000), "why");
    JsonNode n;
    try (InputStream in = b.get(id + "/deletion-mark.json")) {
      n = new ObjectMapper().readTree(in);
    }
    assertThat(n.get("id").asText()).isEqualTo(id.toString());
    assertThat(n.get("version").asInt()).isEqualTo(1);
    assertThat(n.get("deletion_time").asLong()).isEqualTo(1_750_000_000L);
    assertThat(n.get("details").asText()).isEqualTo("why");
    assertThat(Marks.deletionTime(b, id)).isEqualTo(Instant.ofEpochSecond(1_750_000_000L));
    assertThat(BucketBlocks.isMarkedForDeletion(b, id)).isTrue();
  }

  @Test
  void cleanerDeletesMetaFirstAndMarkLast() throws IOException {
    RecordingBucket b = new RecordingBucket(new InMemoryBucket());
    BlockId id = BlockId.of(1_700_000_000_000L, new SplittableRandom(2));
    for (String f : List.of("chunks/000001", "chunks/000002", "index", "meta.json")) {
      put(b, id + "/" + f);
    }
    Instant marked = Instant.parse("2026-01-01T00:00:00Z");
    Marks.markForDeletion(b, id, marked, "");
    Cleaner c = new Cleaner(Duration.ofHours(48), Duration.ofDays(2));
    assertThat(c.deleteMarked(b, List.of(id), marked.plus(Duration.ofHours(48)))).isEmpty();
    assertThat(b.deletes).isEmpty();
    assertThat(c.deleteMarked(b, List.of(id), marked.plus(Duration.ofHours(48)).plusSeconds(1))).containsExactly(id);
    assertThat(b.deletes.get(0)).isEqualTo(id + "/meta.json");
    assertThat(b.deletes.get(b.deletes.size() - 1)).isEqualTo(id + "/deletion-mark.json");
    assertThat(b.deletes).contains(id + "/index", id + "/chunks/000001", id + "/chunks/000002");
    List<String> left = new ArrayList<>();
    b.iterRecursive(id + "/", left::add);
    assertThat(left).isEmpty();
  }

  @Test
  void retentionPerResolution() {
    long day = 86_400_000L;
    Instant now = Instant.ofEpochMilli(100 * day);
    Retention r = new Retention(Duration.ofDays(10), Duration.ofDays(30), Duration.ZERO);
    assertThat(r.expired(meta(0, 89 * day, 0), now)).isTrue();
    assertThat(r.expired(meta(0, 90 * day, 0), now)).isFalse();
    assertThat(r.expired(meta(0, 69 * day, 300_000), now)).isTrue();
    assertThat(r.expired(meta(0, 71 * day, 300_000), now)).isFalse();
    assertThat(r.expired(meta(0, 1, 3_600_000), now)).as("zero keeps forever").isFalse();
  }

  static BlockMeta meta(long min, long max, long res) {
    return new BlockMeta(BlockId.of(1_700_000_000_000L, new SplittableRandom(max)), min, max, null, null, 1,
        BlockMeta.Thanos.of(Map.of(), res, "sidecar"));
  }
}
