package dev.hypnos.storegateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.index.CorruptBlockException;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.labels.Matcher;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.Buckets;
import dev.hypnos.core.objstore.FilesystemBucket;
import dev.hypnos.storeapi.SeriesRequest;
import dev.hypnos.storeapi.SeriesResponse;
import dev.hypnos.storeapi.StoreSeries;
import dev.hypnos.storegateway.BlockFixture.Sample;
import dev.hypnos.storegateway.block.IndexCache;
import dev.hypnos.storegateway.block.Partitioner;
import dev.hypnos.testing.Promtool;
import dev.hypnos.testing.S3Proxy;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corrupt blocks are skipped with a warning; the same answers come from an S3 bucket. */
class CorruptAndS3Test {
  @TempDir Path tmp;
  static BlockFixture fx;

  @BeforeAll
  static void fixture() throws IOException {
    fx = BlockFixture.get();
  }

  static BucketStore store(Bucket bucket, Path dataDir) {
    return new BucketStore(bucket, dataDir, new IndexCache(1 << 20), new Partitioner(Partitioner.DEFAULT_MAX_GAP),
        InstantSource.fixed(Instant.EPOCH), BucketStore.Options.DEFAULTS.withSeriesBatchSize(50));
  }

  static void flip(Path file, long offset) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0x10);
    }
  }

  /** The dump's answer without the samples of the given blocks. */
  static Map<Labels, List<Sample>> expectedWithout(List<Matcher> ms, List<BlockMeta> skipped) {
    Map<Labels, List<Sample>> out = new TreeMap<>();
    for (Map.Entry<Labels, List<Sample>> e : fx.expected(fx.minTime, fx.maxTime, ms, BlockFixture.EXTERNAL).entrySet()) {
      List<Sample> keep = new ArrayList<>();
      for (Sample s : e.getValue()) {
        boolean in = false;
        for (BlockMeta m : skipped) {
          in |= s.t() >= m.minTime() && s.t() < m.maxTime();
        }
        if (!in) {
          keep.add(s);
        }
      }
      if (!keep.isEmpty()) {
        out.put(e.getKey(), keep);
      }
    }
    return out;
  }

  static Map<Labels, List<Sample>> answer(List<SeriesResponse> rs, long mint, long maxt) {
    Map<Labels, List<Sample>> got = new TreeMap<>();
    for (SeriesResponse r : rs) {
      if (r instanceof SeriesResponse.SeriesItem i) {
        StoreSeries s = i.series();
        got.put(s.labels(), BlockFixture.samples(s, mint, maxt));
      }
    }
    return got;
  }

  @Test
  void corruptChunkAndSeriesEntryAndTruncatedIndexSkipTheirBlocks() throws IOException {
    Path dir = tmp.resolve("bucket");
    Promtool.copyTree(fx.bucketDir, dir);
    BlockMeta badChunks = fx.metas.get(0);
    BlockMeta badIndex = fx.metas.get(1);
    BlockMeta truncated = fx.metas.get(2);
    flip(dir.resolve(badChunks.ulid() + "/chunks/000001"), 100);
    // A byte inside the first series entry (series start after the symbol table).
    Path index = dir.resolve(badIndex.ulid() + "/index");
    long series = java.nio.ByteBuffer.wrap(Files.readAllBytes(index)).getLong((int) Files.size(index) - 52 + 8);
    flip(index, (series + 15) / 16 * 16 + 3); // entries start 16-byte aligned
    Path tIndex = dir.resolve(truncated.ulid() + "/index");
    byte[] full = Files.readAllBytes(tIndex);
    Files.write(tIndex, java.util.Arrays.copyOf(full, full.length / 2));

    try (FilesystemBucket bucket = new FilesystemBucket(dir); BucketStore store = store(bucket, tmp.resolve("data"))) {
      Map<BlockId, IOException> failed = store.setBlocks(fx.metas);
      assertThat(failed).containsOnlyKeys(truncated.ulid());
      assertThat(failed.get(truncated.ulid())).isInstanceOf(CorruptBlockException.class)
          .hasMessageContaining(truncated.ulid() + "/index");
      List<Matcher> ms = List.of(Matcher.re("__name__", ".+"));
      List<SeriesResponse> rs = new ArrayList<>();
      store.series(SeriesRequest.builder(fx.minTime, fx.maxTime, ms).build(), rs::add);
      List<String> warnings = new ArrayList<>();
      for (SeriesResponse r : rs) {
        if (r instanceof SeriesResponse.Warning w) {
          warnings.add(w.message());
        }
      }
      assertThat(warnings).hasSize(2);
      assertThat(warnings).anySatisfy(w -> assertThat(w).contains(badChunks.ulid() + "/chunks/000001")
          .contains("CRC mismatch"));
      assertThat(warnings).anySatisfy(w -> assertThat(w).contains(badIndex.ulid() + "/index").contains("CRC mismatch")
          .contains("series entry"));
      assertThat(store.corruptBlockCount()).isEqualTo(3);
      assertThat(answer(rs, fx.minTime, fx.maxTime)).isEqualTo(expectedWithout(ms, List.of(badChunks, badIndex, truncated)));
    }
  }

  @Test
  void servesTheSameFromS3() throws IOException {
    try (S3Proxy s3 = S3Proxy.start("hypnos-access", "hypnos-secret")) {
      Path b = s3.createBucket("blocks");
      Promtool.copyTree(fx.bucketDir, b);
      String yaml = "type: S3\nconfig:\n  bucket: blocks\n  endpoint: " + s3.hostPort()
          + "\n  region: us-east-1\n  access_key: hypnos-access\n  secret_key: hypnos-secret\n  insecure: true\n";
      try (Bucket bucket = Buckets.open(yaml, "s3.yml"); BucketStore store = store(bucket, tmp.resolve("s3data"))) {
        assertThat(store.setBlocks(fx.metas)).isEmpty();
        long mint = fx.minTime + 2 * 3_600_000L - 600_000;
        long maxt = fx.maxTime - 3_600_000L;
        List<Matcher> ms = List.of(Matcher.re("__name__", "hypnos_(requests_1_total|temperature_1)"),
            Matcher.nre("zone", "eu"), Matcher.eq("cluster", "eu-1"));
        List<SeriesResponse> rs = new ArrayList<>();
        store.series(SeriesRequest.builder(mint, maxt, ms).build(), rs::add);
        Map<Labels, List<Sample>> want = fx.expected(mint, maxt, ms, BlockFixture.EXTERNAL);
        assertThat(want).hasSizeGreaterThan(10);
        assertThat(answer(rs, mint, maxt)).isEqualTo(want);
      }
    }
  }
}
