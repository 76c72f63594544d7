package dev.hypnos.storegateway.sync;

import static dev.hypnos.storegateway.sync.SyncFixtures.NOW;
import static dev.hypnos.storegateway.sync.SyncFixtures.idAt;
import static dev.hypnos.storegateway.sync.SyncFixtures.meta;
import static dev.hypnos.storegateway.sync.SyncFixtures.put;
import static dev.hypnos.storegateway.sync.SyncFixtures.upload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.objstore.FilesystemBucket;
import dev.hypnos.core.objstore.InMemoryBucket;
import dev.hypnos.storegateway.sync.SyncFixtures.FaultyBucket;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetaFetcherTest {
  @TempDir Path tmp;

  private final InMemoryBucket mem = new InMemoryBucket();

  private static BlockMeta block(int hoursAgo) {
    BlockId id = idAt(NOW.minusSeconds(hoursAgo * 3600L));
    long max = NOW.minusSeconds(hoursAgo * 3600L).toEpochMilli();
    return meta(id, max - 2 * 3600_000L, max, Map.of("cluster", "eu"), "sidecar");
  }

  @Test
  void readsMetasAndCountsPartialAndCorruptedBlocks() throws IOException {
    BlockMeta a = put(mem, block(10));
    BlockMeta b = put(mem, block(8));
    BlockId partial = idAt(NOW.minusSeconds(7200));
    upload(mem, partial + "/index", "x");
    BlockId corrupted = idAt(NOW.minusSeconds(6000));
    upload(mem, corrupted + "/meta.json", "{\"ulid\": ");
    BlockId other = idAt(NOW.minusSeconds(5000));
    upload(mem, other + "/meta.json", BlockMetaJson.toBytes(block(20)));
    upload(mem, "debug/metas/x.json", "{}");

    FetchResult r = new MetaFetcher(mem, null, 4, List.of(), null).fetch();

    assertThat(r.complete()).isTrue();
    assertThat(r.metas()).containsOnlyKeys(a.ulid(), b.ulid());
    assertThat(r.metas().get(a.ulid())).isEqualTo(a);
    assertThat(r.partial()).containsOnlyKeys(partial, corrupted, other);
    assertThat(r.partial().get(partial)).contains("has no meta.json");
    assertThat(r.partial().get(other)).contains("names another block");
    assertThat(r.counts().get(SyncState.LOADED)).isEqualTo(2);
    assertThat(r.counts().get(SyncState.NO_META)).isEqualTo(1);
    assertThat(r.counts().get(SyncState.CORRUPTED_META)).isEqualTo(2);
  }

  @Test
  void anEmptyBucketHasNoBlocks() throws IOException {
    FetchResult r = new MetaFetcher(mem, null, 1, List.of(), null).fetch();
    assertThat(r.metas()).isEmpty();
    assertThat(r.complete()).isTrue();
  }

  @Test
  void readsEachMetaOnceAndKeepsACopyOnDiskAcrossRestarts() throws IOException {
    FaultyBucket bucket = new FaultyBucket(mem);
    BlockMeta a = put(mem, block(10));
    BlockMeta b = put(mem, block(9));
    Path cache = tmp.resolve("meta-syncer");
    MetaFetcher f = new MetaFetcher(bucket, cache, 2, List.of(), null);
    assertThat(f.fetch().metas()).containsOnlyKeys(a.ulid(), b.ulid());
    assertThat(bucket.gets.get()).isEqualTo(2);
    assertThat(cache.resolve(a.ulid().toString()).resolve("meta.json")).exists();

    assertThat(f.fetch().metas()).containsOnlyKeys(a.ulid(), b.ulid());
    assertThat(bucket.gets.get()).as("second fetch served from memory").isEqualTo(2);

    MetaFetcher restarted = new MetaFetcher(bucket, cache, 2, List.of(), null);
    assertThat(restarted.fetch().metas()).containsOnlyKeys(a.ulid(), b.ulid());
    assertThat(bucket.gets.get()).as("restart served from the disk copies").isEqualTo(2);
  }

  @Test
  void anUnreadableDiskCopyIsReadAgainFromTheBucket() throws IOException {
    BlockMeta a = put(mem, block(10));
    Path cache = tmp.resolve("meta-syncer");
    Files.createDirectories(cache.resolve(a.ulid().toString()));
    Files.writeString(cache.resolve(a.ulid().toString()).resolve("meta.json"), "garbage");
    FetchResult r = new MetaFetcher(mem, cache, 1, List.of(), null).fetch();
    assertThat(r.metas()).containsOnlyKeys(a.ulid());
    assertThat(BlockMetaJson.read(cache.resolve(a.ulid().toString()))).isEqualTo(a);
  }

  @Test
  void dropsCachedCopiesOfBlocksThatAreGone() throws IOException {
    BlockMeta a = put(mem, block(10));
    BlockMeta b = put(mem, block(9));
    Path cache = tmp.resolve("meta-syncer");
    MetaFetcher f = new MetaFetcher(mem, cache, 2, List.of(), null);
    f.fetch();
    mem.delete(b.ulid() + "/meta.json");
    mem.delete(b.ulid() + "/index");
    FetchResult r = f.fetch();
    assertThat(r.metas()).containsOnlyKeys(a.ulid());
    assertThat(f.cachedCount()).isEqualTo(1);
    assertThat(cache.resolve(b.ulid().toString())).doesNotExist();
    assertThat(cache.resolve(a.ulid().toString())).exists();
  }

  @Test
  void aMetaReadErrorMakesTheViewIncompleteAndKeepsTheCache() throws IOException {
    FaultyBucket bucket = new FaultyBucket(mem);
    BlockMeta a = put(mem, block(10));
    BlockMeta b = put(mem, block(9));
    Path cache = tmp.resolve("meta-syncer");
    MetaFetcher first = new MetaFetcher(bucket, cache, 2, List.of(), null);
    first.fetch();
    BlockMeta c = put(mem, block(8));
    bucket.failing = k -> k.startsWith(c.ulid().toString());

    FetchResult r = new MetaFetcher(bucket, tmp.resolve("other-cache"), 2, List.of(), null).fetch();
    assertThat(r.complete()).isFalse();
    assertThat(r.metas()).containsOnlyKeys(a.ulid(), b.ulid());
    assertThat(r.counts().get(SyncState.FAILED)).isEqualTo(1);
    assertThat(r.errors()).singleElement().asString().contains(c.ulid() + "/meta.json", "connection reset");
  }

  @Test
  void aListingErrorFailsTheFetch() throws IOException {
    FaultyBucket bucket = new FaultyBucket(mem);
    put(mem, block(10));
    bucket.down = true;
    assertThatThrownBy(() -> new MetaFetcher(bucket, null, 1, List.of(), null).fetch())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("list blocks in mem");
  }

  @Test
  void boundsConcurrentReads() throws IOException {
    FaultyBucket bucket = new FaultyBucket(mem);
    for (int i = 0; i < 12; i++) {
      put(mem, block(10 + i));
    }
    bucket.getDelayMillis = 20;
    FetchResult r = new MetaFetcher(bucket, null, 3, List.of(), null).fetch();
    assertThat(r.metas()).hasSize(12);
    assertThat(bucket.maxInFlight.get()).isBetween(1, 3);
  }

  @Test
  void worksOverAFilesystemBucket() throws IOException {
    try (FilesystemBucket fs = new FilesystemBucket(Files.createDirectories(tmp.resolve("bucket")))) {
      BlockMeta a = put(fs, block(3));
      BlockId partial = idAt(NOW.minusSeconds(100));
      upload(fs, partial + "/chunks/000001", "x");
      FetchResult r = new MetaFetcher(fs, tmp.resolve("cache"), 2, List.of(), null).fetch();
      assertThat(r.metas()).containsOnlyKeys(a.ulid());
      assertThat(r.partial()).containsOnlyKeys(partial);
    }
  }

  @Test
  void publishesThanosSyncMetrics() throws IOException {
    PrometheusRegistry registry = new PrometheusRegistry();
    SyncMetrics metrics = SyncMetrics.register(registry);
    put(mem, block(10));
    upload(mem, idAt(NOW.minusSeconds(100)) + "/index", "x");
    MetaFetcher f = new MetaFetcher(mem, null, 1, List.of(), metrics);
    f.fetch();
    f.fetch();
    String text = scrape(registry);
    assertThat(text)
        .contains("thanos_blocks_meta_syncs_total 2.0")
        .contains("thanos_blocks_meta_sync_failures_total 0.0")
        .contains("thanos_blocks_meta_synced{state=\"loaded\"} 1.0")
        .contains("thanos_blocks_meta_synced{state=\"no-meta-json\"} 1.0")
        .contains("thanos_blocks_meta_synced{state=\"marked-for-deletion\"} 0.0")
        .contains("thanos_blocks_meta_sync_duration_seconds_count 2");
  }

  @Test
  void rejectsAConcurrencyBelowOne() {
    assertThatThrownBy(() -> new MetaFetcher(mem, null, 0, List.of(), null))
        .hasMessageContaining("concurrency 0 must be at least 1");
  }

  static String scrape(PrometheusRegistry registry) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
    return out.toString(StandardCharsets.UTF_8);
  }
}
