package dev.hypnos.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.objstore.FilesystemBucket;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CompactCommandTest {
  @TempDir Path tmp;

  @Test
  void parsesPrometheusDurations() {
    assertThat(CompactCommand.parseDuration("f", "0d")).isEqualTo(Duration.ZERO);
    assertThat(CompactCommand.parseDuration("f", "1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(CompactCommand.parseDuration("f", "2w")).isEqualTo(Duration.ofDays(14));
    assertThatThrownBy(() -> CompactCommand.parseDuration("--delete-delay", "48 hours"))
        .hasMessageContaining("--delete-delay");
  }

  @Test
  void oneIterationOverAFilesystemBucketDeletesOldPartialUploads() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("bucket"));
    FilesystemBucket bucket = new FilesystemBucket(root);
    BlockId old = BlockId.of(System.currentTimeMillis() - Duration.ofDays(3).toMillis(), new SplittableRandom(1));
    byte[] d = {1};
    bucket.upload(old + "/index", new ByteArrayInputStream(d), 1);
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new CompactCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(new StringWriter(), true));
    int code = cl.execute("--objstore.config=type: FILESYSTEM\nconfig:\n  directory: " + root,
        "--data-dir=" + tmp.resolve("data"), "--http-address=127.0.0.1:0");
    assertThat(code).isZero();
    assertThat(out.toString()).contains("deleted 1");
    // One iteration, then the command returned (without --wait).
    assertThat(out.toString().lines().filter(l -> l.startsWith("compacted ")).count()).isEqualTo(1);
    List<String> keys = new ArrayList<>();
    bucket.iterRecursive("", keys::add);
    assertThat(keys).noneMatch(k -> k.startsWith(old.toString()));
  }

  @Test
  void retentionFlagsApplyPerResolution() throws Exception {
    // Three blocks (meta.json only: nothing to compact or downsample) that ended ten days ago, at
    // raw, 5m and 1h resolution; retention raw 1d, 5m 30d, 1h 5d marks the raw and the 1h block.
    Path root = Files.createDirectories(tmp.resolve("bucket-retention"));
    FilesystemBucket bucket = new FilesystemBucket(root);
    long end = (System.currentTimeMillis() / 7_200_000L) * 7_200_000L - Duration.ofDays(10).toMillis();
    java.util.Map<Long, BlockId> ids = new java.util.TreeMap<>();
    for (long res : new long[] {0, 300_000, 3_600_000}) {
      BlockId id = BlockId.of(end, new SplittableRandom(res));
      BlockMeta m = new BlockMeta(id, end - 7_200_000L, end, null,
          new BlockMeta.Compaction(1, List.of(id), false, List.of(), false, List.of()), 1,
          BlockMeta.Thanos.of(java.util.Map.of("cluster", "r" + res), res, "compactor"));
      byte[] json = BlockMetaJson.toBytes(m);
      bucket.upload(id + "/meta.json", new ByteArrayInputStream(json), json.length);
      ids.put(res, id);
    }
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new CompactCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(new StringWriter(), true));
    int code = cl.execute("--objstore.config=type: FILESYSTEM\nconfig:\n  directory: " + root,
        "--data-dir=" + tmp.resolve("data-retention"), "--http-address=127.0.0.1:0",
        "--retention.resolution-raw=1d", "--retention.resolution-5m=30d", "--retention.resolution-1h=5d");
    assertThat(code).as(out.toString()).isZero();
    assertThat(out.toString()).contains("marked for deletion 2");
    assertThat(bucket.exists(ids.get(0L) + "/deletion-mark.json")).isTrue();
    assertThat(bucket.exists(ids.get(300_000L) + "/deletion-mark.json")).isFalse();
    assertThat(bucket.exists(ids.get(3_600_000L) + "/deletion-mark.json")).isTrue();
  }

  @Test
  void waitModeServesMetricsAndProbesUntilStopped() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("bucket2"));
    // Two overlapping blocks (meta.json only: a halted group is never downloaded) without a replica label.
    FilesystemBucket bucket = new FilesystemBucket(root);
    long t0 = (System.currentTimeMillis() / 7_200_000L - 3) * 7_200_000L;
    List<BlockId> overlapping = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      BlockId id = BlockId.of(t0 + 7_200_000L, new SplittableRandom(10 + i));
      BlockMeta m = new BlockMeta(id, t0 + i * 3_600_000L, t0 + 7_200_000L + i * 3_600_000L, null,
          new BlockMeta.Compaction(1, List.of(id), false, List.of(), false, List.of()), 1,
          BlockMeta.Thanos.of(java.util.Map.of("cluster", "x"), 0, "sidecar"));
      byte[] json = BlockMetaJson.toBytes(m);
      bucket.upload(id + "/meta.json", new ByteArrayInputStream(json), json.length);
      overlapping.add(id);
    }
    int port;
    try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = ss.getLocalPort();
    }
    CommandLine cl = new CommandLine(new CompactCommand());
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(new StringWriter(), true));
    Thread t = new Thread(() -> cl.execute("--objstore.config=type: FILESYSTEM\nconfig:\n  directory: " + root,
        "--data-dir=" + tmp.resolve("data2"), "--wait", "--wait-interval=1s", "--http-address=127.0.0.1:" + port));
    t.start();
    try {
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      String metrics = null;
      // --wait keeps running: a second iteration follows the first.
      for (int i = 0; i < 300 && metrics == null; i++) {
        try {
          var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200 && r.body().contains("hypnos_compact_iterations_total 2")) {
            metrics = r.body();
          }
        } catch (java.io.IOException e) {
          // not listening yet
        }
        if (metrics == null) {
          Thread.sleep(100);
        }
      }
      assertThat(metrics).isNotNull().contains("hypnos_compact_halted 1", "jvm_memory_used_bytes",
          "hypnos_compact_group_halted{group=\"0@", "hypnos_compact_halted_block{",
          "block=\"" + overlapping.get(0) + "\"", "block=\"" + overlapping.get(1) + "\"",
          "hypnos_compact_todo_deletion_blocks 0", "hypnos_compact_iterations_failed_total 0",
          "hypnos_compact_blocks_compacted_total 0", "hypnos_compact_blocks_downsampled_total 0",
          "hypnos_compact_blocks_deleted_total 0");
      var healthy = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/-/healthy")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(healthy.statusCode()).isEqualTo(200);
      var ready = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
    } finally {
      t.interrupt();
      t.join(10_000);
    }
    assertThat(t.isAlive()).isFalse();
  }
}
