package dev.hypnos.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.FilesystemBucket;
import dev.hypnos.core.objstore.ObjectAttributes;
import dev.hypnos.testing.Promtool;
import dev.hypnos.testing.storeapi.Dataset;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shipper on a TSDB directory of real promtool blocks, into a filesystem bucket. */
class ShipperTest {
  private static final Labels EXT = Labels.of("cluster", "eu-1", "replica", "r0");
  private static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-01-02T03:04:05Z"));

  private Path work;
  private Path tsdb;
  private List<Path> blocks;
  private FilesystemBucket fs;

  @BeforeEach
  void setUp() throws IOException {
    work = Files.createTempDirectory("hypnos-shipper-test");
    blocks = Dataset.standard().writeBlocks(Promtool.require(), work.resolve("gen"));
    tsdb = work.resolve("gen").resolve("blocks");
    Files.createDirectories(tsdb.resolve("wal"));
    fs = new FilesystemBucket(work.resolve("bucket"));
  }

  @AfterEach
  void tearDown() throws IOException {
    Promtool.deleteTree(work);
  }

  @Test
  void shipsLevelOneBlocksWithTheThanosSectionAndRecordsThem() throws IOException {
    assertThat(blocks).hasSize(3);
    RecordingBucket bucket = new RecordingBucket(fs, k -> false);
    Shipper shipper = new Shipper(tsdb, bucket, () -> EXT, false, CLOCK);

    Shipper.SyncResult r = shipper.sync();

    List<BlockId> ids = new ArrayList<>();
    for (Path b : blocks) {
      ids.add(BlockMetaJson.read(b).ulid());
    }
    assertThat(r.uploaded()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(r.failed()).isEmpty();
    for (Path b : blocks) {
      BlockMeta local = BlockMetaJson.read(b);
      String id = local.ulid().toString();
      BlockMeta shipped;
      try (InputStream in = fs.get(id + "/meta.json")) {
        shipped = BlockMetaJson.parse(in.readAllBytes(), id);
      }
      assertThat(shipped.withThanos(null)).isEqualTo(local.withThanos(null));
      BlockMeta.Thanos t = shipped.thanos();
      assertThat(t).isNotNull();
      assertThat(t.labels()).isEqualTo(Map.of("cluster", "eu-1", "replica", "r0"));
      assertThat(t.source()).isEqualTo("sidecar");
      assertThat(t.downsample().resolution()).isZero();
      assertThat(t.segmentFiles()).containsExactly("000001");
      assertThat(t.files()).extracting(BlockMeta.File::relPath).containsExactly("chunks/000001", "index", "meta.json");
      assertThat(t.files().get(0).sizeBytes()).isEqualTo(Files.size(b.resolve("chunks/000001")));
      assertThat(t.files().get(1).sizeBytes()).isEqualTo(Files.size(b.resolve("index")));
      assertThat(t.uploadTime()).startsWith("2026-01-02T03:04:05");
      assertThat(fs.get(id + "/index").readAllBytes()).isEqualTo(Files.readAllBytes(b.resolve("index")));
      assertThat(fs.get(id + "/chunks/000001").readAllBytes()).isEqualTo(Files.readAllBytes(b.resolve("chunks/000001")));
      // the local block is untouched
      assertThat(local.thanos()).isNull();
      // order: chunks, index, meta.json last
      List<String> keys = bucket.uploadsOf(id);
      assertThat(keys).containsExactly(id + "/chunks/000001", id + "/index", id + "/meta.json");
    }
    String state = Files.readString(tsdb.resolve(Shipper.STATE_FILE), StandardCharsets.UTF_8);
    List<String> sorted = new ArrayList<>();
    for (Path b : blocks) {
      sorted.add(BlockMetaJson.read(b).ulid().toString());
    }
    Collections.sort(sorted); // promtool blocks: ULID order is time order here
    assertThat(state).isEqualTo("{\n\t\"version\": 1,\n\t\"uploaded\": [\n\t\t\"" + sorted.get(0) + "\",\n\t\t\""
        + sorted.get(1) + "\",\n\t\t\"" + sorted.get(2) + "\"\n\t]\n}\n");
    assertThat(Shipper.readState(tsdb)).containsExactlyElementsOf(sorted);
    assertThat(tsdb.resolve("thanos/upload")).isEmptyDirectory();
    assertThat(shipper.metrics().uploads()).isEqualTo(3);

    Shipper.SyncResult again = shipper.sync();
    assertThat(again.uploaded()).isEmpty();
    assertThat(again.failed()).isEmpty();
    assertThat(bucket.uploads).hasSize(9);
  }

  @Test
  void failedUploadIsRetriedAndNeverRecorded() throws IOException {
    String victim = BlockMetaJson.read(blocks.get(1)).ulid().toString();
    boolean[] failedOnce = {false};
    RecordingBucket bucket = new RecordingBucket(fs, k -> {
      if (k.equals(victim + "/index") && !failedOnce[0]) {
        failedOnce[0] = true;
        return true;
      }
      return false;
    });
    Shipper shipper = new Shipper(tsdb, bucket, () -> EXT, false, CLOCK);

    Shipper.SyncResult first = shipper.sync();
    assertThat(first.failed()).extracting(BlockId::toString).containsExactly(victim);
    assertThat(first.uploaded()).hasSize(2);
    assertThat(fs.exists(victim + "/meta.json")).as("meta.json of the failed block").isFalse();
    assertThat(Shipper.readState(tsdb)).hasSize(2).doesNotContain(victim);
    assertThat(shipper.metrics().uploadFailures()).isEqualTo(1);

    Shipper.SyncResult second = shipper.sync();
    assertThat(second.uploaded()).extracting(BlockId::toString).containsExactly(victim);
    assertThat(second.failed()).isEmpty();
    assertThat(fs.exists(victim + "/meta.json")).isTrue();
    assertThat(Shipper.readState(tsdb)).hasSize(3).contains(victim);
    assertThat(shipper.metrics().uploads()).isEqualTo(3);
    assertThat(shipper.metrics().syncs()).isEqualTo(2);
  }

  @Test
  void compactedBlocksOnlyWithUploadCompacted() throws IOException {
    Path b = blocks.get(0);
    BlockMeta meta = BlockMetaJson.read(b);
    BlockMeta.Compaction c = meta.compaction();
    BlockMetaJson.write(b, new BlockMeta(meta.ulid(), meta.minTime(), meta.maxTime(), meta.stats(),
        new BlockMeta.Compaction(2, c.sources(), false, c.parents(), false, c.hints()), meta.version(), null));
    String id = meta.ulid().toString();

    Shipper.SyncResult r = new Shipper(tsdb, fs, () -> EXT, false, CLOCK).sync();
    assertThat(r.uploaded()).hasSize(2).extracting(BlockId::toString).doesNotContain(id);
    assertThat(fs.exists(id + "/meta.json")).isFalse();

    Shipper.SyncResult migrate = new Shipper(tsdb, fs, () -> EXT, true, CLOCK).sync();
    assertThat(migrate.uploaded()).extracting(BlockId::toString).containsExactly(id);
    assertThat(Shipper.readState(tsdb)).hasSize(3);
  }

  @Test
  void blockAlreadyInTheBucketIsRecordedWithoutUpload() throws IOException {
    String id = BlockMetaJson.read(blocks.get(2)).ulid().toString();
    fs.upload(id + "/meta.json", blocks.get(2).resolve("meta.json"));
    RecordingBucket bucket = new RecordingBucket(fs, k -> false);
    Shipper.SyncResult r = new Shipper(tsdb, bucket, () -> EXT, false, CLOCK).sync();
    assertThat(r.uploaded()).hasSize(2).extracting(BlockId::toString).doesNotContain(id);
    assertThat(bucket.uploadsOf(id)).isEmpty();
    assertThat(Shipper.readState(tsdb)).contains(id).hasSize(3);
  }

  /** A bucket that records upload keys and fails the uploads {@code failOn} picks. */
  private static final class RecordingBucket implements Bucket {
    private final Bucket delegate;
    private final Predicate<String> failOn;
    final List<String> uploads = new ArrayList<>();

    RecordingBucket(Bucket delegate, Predicate<String> failOn) {
      this.delegate = delegate;
      this.failOn = failOn;
    }

    List<String> uploadsOf(String id) {
      return uploads.stream().filter(k -> k.startsWith(id + "/")).toList();
    }

    @Override
    public String name() {
      return delegate.name();
    }

    @Override
    public InputStream get(String key) throws IOException {
      return delegate.get(key);
    }

    @Override
    public InputStream getRange(String key, long offset, long length) throws IOException {
      return delegate.getRange(key, offset, length);
    }

    @Override
    public void iter(String dir, Consumer<String> consumer) throws IOException {
      delegate.iter(dir, consumer);
    }

    @Override
    public void iterRecursive(String dir, Consumer<String> consumer) throws IOException {
      delegate.iterRecursive(dir, consumer);
    }

    @Override
    public boolean exists(String key) throws IOException {
      return delegate.exists(key);
    }

    @Override
    public ObjectAttributes attributes(String key) throws IOException {
      return delegate.attributes(key);
    }

    @Override
    public void upload(String key, InputStream in, long length) throws IOException {
      if (failOn.test(key)) {
        throw new IOException("upload " + key + ": injected failure");
      }
      delegate.upload(key, in, length);
      uploads.add(key);
    }

    @Override
    public void delete(String key) throws IOException {
      delegate.delete(key);
    }

    @Override
    public void close() throws IOException {
      delegate.close();
    }
  }
}
