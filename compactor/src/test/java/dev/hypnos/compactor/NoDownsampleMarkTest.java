package dev.hypnos.compactor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BlockUploader;
import dev.hypnos.core.block.BlockWriter;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.index.Postings;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.FilesystemBucket;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code no-downsample-mark.json} (Thanos {@code pkg/block/metadata/markers.go}): blocks carrying
 * one are not downsampled, and a downsampling candidate with corrupt files (a bad series CRC in the
 * index, a bad chunk CRC) is given one, with a log line naming it, instead of failing every
 * iteration; the healthy blocks of the bucket are downsampled in the same iteration.
 */
class NoDownsampleMarkTest {
  static final long H = 3_600_000L;
  static final long START = 1_700_006_400_000L;
  @TempDir Path tmp;

  Path rawBlock(String cluster, int seed) throws IOException {
    return rawBlock(tmp, cluster, seed, 42);
  }

  /** A raw block of {@code hours} from {@link #START} of three series at 60 s with the given external labels. */
  static Path rawBlock(Path tmp, String cluster, int seed, int hours) throws IOException {
    BlockId id = BlockId.of(START + hours * H, new SplittableRandom(seed));
    int n = hours * 60;
    long[] ts = new long[n];
    for (int i = 0; i < n; i++) {
      ts[i] = START + i * 60_000L;
    }
    try (BlockWriter w = BlockWriter.create(Files.createDirectories(tmp.resolve("local-" + cluster)), id,
        BlockWriter.Options.DEFAULT)) {
      for (int s = 0; s < 3; s++) {
        double[] vs = new double[n];
        for (int i = 0; i < n; i++) {
          vs[i] = s * 1000 + i * (s + 1);
        }
        w.addSeries(Labels.of("__name__", "requests_total", "instance", "i" + s), new DownsamplerTest.ArrayIterator(ts, vs));
      }
      w.commit(START, START + hours * H, new BlockMeta.Compaction(1, List.of(id), false, List.of(), false, List.of()),
          BlockMeta.Thanos.of(Map.of("cluster", cluster), 0, "sidecar"));
      return w.finalDir();
    }
  }

  static void flipByte(Path file, long offset) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0x5A);
    }
  }

  @Test
  void corruptCandidatesAreMarkedNoDownsampleAndMarkedBlocksAreSkipped() throws IOException {
    Bucket bucket = new FilesystemBucket(Files.createDirectories(tmp.resolve("bucket")));
    Map<String, BlockId> ids = new LinkedHashMap<>();
    int seed = 1;
    for (String cluster : List.of("index-crc", "chunk-crc", "manual", "fine")) {
      Path dir = rawBlock(cluster, seed++);
      if (cluster.equals("index-crc")) {
        long ref;
        try (BlockReader r = BlockReader.open(dir)) {
          Postings p = r.index().allPostings();
          assertThat(p.next()).isTrue();
          ref = p.at();
        }
        flipByte(dir.resolve("index"), ref * 16 + 3);
      } else if (cluster.equals("chunk-crc")) {
        Path seg = dir.resolve("chunks").resolve("000001");
        flipByte(seg, Files.size(seg) - 1); // the last chunk's CRC
      }
      ids.put(cluster, BlockUploader.upload(bucket, dir).ulid());
    }
    // A mark as `thanos tools bucket mark --marker=no-downsample-mark.json` writes it.
    BlockId manual = ids.get("manual");
    byte[] mark = ("{\"id\":\"" + manual + "\",\"version\":1,\"details\":\"by hand\",\"no_downsample_time\":1700000000,"
        + "\"reason\":\"manual\"}").getBytes(StandardCharsets.UTF_8);
    bucket.upload(manual + "/no-downsample-mark.json", new ByteArrayInputStream(mark), mark.length);

    List<String> logs = new CopyOnWriteArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord r) {
        logs.add(r.getLevel() + " " + r.getMessage());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger.getLogger(Compactor.class.getName()).addHandler(handler);
    Instant now = Instant.ofEpochMilli(START + 50 * H);
    Compactor.Result r;
    Compactor.Result again;
    try {
      r = compactor(bucket, now).runOnce();
      again = compactor(bucket, now.plusSeconds(600)).runOnce();
    } finally {
      Logger.getLogger(Compactor.class.getName()).removeHandler(handler);
    }

    assertThat(r.failures()).isEmpty();
    assertThat(r.downsampled()).hasSize(1);
    BlockMeta made = r.downsampled().get(0);
    assertThat(made.thanos().labels()).isEqualTo(Map.of("cluster", "fine"));
    assertThat(made.resolution()).isEqualTo(Downsampler.RES_5M);
    assertThat(made.compaction().sources()).containsExactly(ids.get("fine"));
    assertThat(r.markedNoDownsample()).containsExactlyInAnyOrder(ids.get("index-crc"), ids.get("chunk-crc"));
    assertThat(r.markedNoCompact()).isEmpty();

    JsonNode json = readJson(bucket, ids.get("index-crc") + "/no-downsample-mark.json");
    assertThat(json.path("id").asText()).isEqualTo(ids.get("index-crc").toString());
    assertThat(json.path("version").asInt()).isEqualTo(1);
    assertThat(json.path("no_downsample_time").asLong()).isEqualTo(now.getEpochSecond());
    assertThat(json.path("reason").asText()).isEqualTo(Marks.REASON_CORRUPTED);
    assertThat(json.path("details").asText()).contains("CRC mismatch", "index");
    JsonNode chunkMark = readJson(bucket, ids.get("chunk-crc") + "/no-downsample-mark.json");
    assertThat(chunkMark.path("reason").asText()).isEqualTo(Marks.REASON_CORRUPTED);
    assertThat(chunkMark.path("details").asText()).contains("CRC mismatch", "chunks/000001");
    for (String bad : List.of("index-crc", "chunk-crc")) {
      BlockId id = ids.get(bad);
      assertThat(logs).anyMatch(l -> l.startsWith("WARNING block " + id + " marked no-downsample (block-corrupted)"));
      assertThat(BucketBlocks.isMarkedForDeletion(bucket, id)).isFalse();
      assertThat(bucket.exists(id + "/meta.json")).isTrue();
    }
    // The manual mark was honoured and left as it was.
    assertThat(readJson(bucket, manual + "/no-downsample-mark.json").path("reason").asText()).isEqualTo("manual");
    assertThat(r.markedNoDownsample()).doesNotContain(manual);

    // The next iteration neither retries nor marks again, and fails nothing.
    assertThat(again.failures()).isEmpty();
    assertThat(again.downsampled()).isEmpty();
    assertThat(again.markedNoDownsample()).isEmpty();
    for (BlockId id : BucketBlocks.list(bucket)) {
      BlockMeta m = BucketBlocks.readMeta(bucket, id);
      if (m.resolution() != 0) {
        assertThat(m.compaction().sources()).containsExactly(ids.get("fine"));
      }
    }
  }

  Compactor compactor(Bucket bucket, Instant now) {
    return new Compactor(bucket, InstantSource.fixed(now), new SplittableRandom(now.getEpochSecond()),
        new Compactor.Options(tmp.resolve("work-" + now.getEpochSecond()),
            Planner.DEFAULT_RANGES, List.of(), dev.hypnos.core.dedup.DedupSeriesSet.Algorithm.PENALTY, Duration.ZERO,
            Retention.FOREVER, new Cleaner(Cleaner.DEFAULT_DELETE_DELAY, Cleaner.PARTIAL_UPLOAD_AGE), true),
        new CompactorMetrics());
  }

  static JsonNode readJson(Bucket bucket, String key) throws IOException {
    try (InputStream in = bucket.get(key)) {
      return new ObjectMapper().readTree(in);
    }
  }
}
