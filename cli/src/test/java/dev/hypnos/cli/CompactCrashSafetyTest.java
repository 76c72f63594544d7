package dev.hypnos.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.block.BlockUploader;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.block.RawChunk;
import dev.hypnos.core.chunk.XorIterator;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.FilesystemBucket;
import dev.hypnos.core.objstore.ObjectNotFoundException;
import dev.hypnos.testing.OpenMetricsGenerator;
import dev.hypnos.testing.Promtool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a real {@code hypnos compact} process (a child JVM, SIGKILL) at chosen writes of its
 * upload, marking and deletion, runs it again to completion on the same bucket and data dir, and
 * checks that the bucket converges: the blocks a store gateway would serve (meta.json present, no
 * deletion mark, not covered by another such block) hold every source sample exactly once, every
 * block with meta.json is whole, and the one compacted block is there. The same view is checked
 * right after each kill, when the process left the bucket half-way.
 */
class CompactCrashSafetyTest {
  static final long H = 3_600_000L;
  @TempDir static Path tmp;
  static Path pristine;
  static List<String> sourceSamples;

  @BeforeAll
  static void makeBucket() throws IOException {
    OpenMetricsGenerator.Config cfg = new OpenMetricsGenerator.Config(21, 1_700_000_123_000L, 16 * H, 30_000, 4, 3, 1);
    OpenMetricsGenerator.Result gen = new OpenMetricsGenerator(cfg).write(tmp.resolve("data.om"));
    List<Path> blocks = Promtool.require().createBlocksFromOpenMetrics(gen.file(), tmp.resolve("db"));
    assertThat(blocks).hasSize(9);
    pristine = Files.createDirectories(tmp.resolve("pristine"));
    Bucket bucket = new FilesystemBucket(pristine);
    List<String> samples = new ArrayList<>();
    for (Path b : blocks) {
      BlockMeta m = BlockMetaJson.read(b);
      BlockMetaJson.write(b, m.withThanos(BlockMeta.Thanos.of(Map.of("cluster", "crash"), 0, "sidecar")));
      BlockUploader.upload(bucket, b);
      samples.addAll(samples(b));
    }
    samples.sort(null);
    assertThat(samples).hasSize((int) gen.totalSamples());
    sourceSamples = samples;
  }

  /** Every sample of a local block as {@code labels t v}, chunk by chunk (duplicates kept). */
  static List<String> samples(Path blockDir) throws IOException {
    List<String> out = new ArrayList<>();
    try (BlockReader b = BlockReader.open(blockDir)) {
      XorIterator it = new XorIterator();
      b.forEachSeries((ref, s) -> {
        for (int i = 0; i < s.chunkCount(); i++) {
          RawChunk c = b.chunk(s.chunkRef(i));
          assertThat(c.encoding()).isEqualTo(RawChunk.ENC_XOR);
          it.reset(c.data(), 0, c.data().length);
          while (it.next()) {
            out.add(s.labels() + " " + it.timestamp() + " " + Double.doubleToRawLongBits(it.value()));
          }
        }
        return true;
      });
    }
    return out;
  }

  /** What a store gateway would serve, checked: returns the visible blocks' metas. */
  static List<BlockMeta> checkVisible(Path bucketDir, String when) throws IOException {
    Bucket bucket = new FilesystemBucket(bucketDir);
    List<BlockMeta> withMeta = new ArrayList<>();
    for (BlockId id : BucketBlocks.list(bucket)) {
      BlockMeta m;
      try {
        m = BucketBlocks.readMeta(bucket, id);
      } catch (ObjectNotFoundException e) {
        continue; // partial: not served
      }
      // A block with meta.json is whole: every file it lists is there with its size.
      for (BlockMeta.File f : m.thanos().files()) {
        if (f.sizeBytes() > 0) {
          assertThat(bucket.attributes(id + "/" + f.relPath()).size()).as(when + ": " + id + "/" + f.relPath())
              .isEqualTo(f.sizeBytes());
        }
      }
      if (!BucketBlocks.isMarkedForDeletion(bucket, id)) {
        withMeta.add(m);
      }
    }
    List<BlockMeta> visible = new ArrayList<>();
    for (BlockMeta m : withMeta) {
      Set<BlockId> mine = sources(m);
      boolean covered = false;
      for (BlockMeta o : withMeta) {
        Set<BlockId> theirs = sources(o);
        if (o != m && theirs.containsAll(mine) && (theirs.size() > mine.size() || o.ulid().compareTo(m.ulid()) < 0)) {
          covered = true;
        }
      }
      if (!covered) {
        visible.add(m);
      }
    }
    List<String> served = new ArrayList<>();
    Path dl = Files.createTempDirectory(tmp, "dl");
    for (BlockMeta m : visible) {
      served.addAll(samples(BucketBlocks.download(bucket, m.ulid(), dl)));
    }
    served.sort(null);
    assertThat(served).as(when + ": samples served, each exactly once").isEqualTo(sourceSamples);
    return visible;
  }

  static Set<BlockId> sources(BlockMeta m) {
    return m.compaction().sources().isEmpty() ? Set.of(m.ulid()) : new HashSet<>(m.compaction().sources());
  }

  /** A {@code hypnos compact} child JVM that pauses before write {@code pauseAt} (0: never). */
  static Process start(Path bucketDir, Path dataDir, int pauseAt, Path log, String... extra) throws IOException {
    Path config = bucketDir.resolveSibling(bucketDir.getFileName() + ".yml");
    Files.writeString(config, "type: FILESYSTEM\nconfig:\n  directory: " + bucketDir + "\n");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", System.getProperty("java.class.path"), PausingCompactMain.class.getName(),
        String.valueOf(pauseAt), "compact", "--objstore.config-file=" + config, "--data-dir=" + dataDir,
        "--http-address=127.0.0.1:0", "--consistency-delay=0s", "--delete-delay=0s", "--downsampling.disable"));
    cmd.addAll(List.of(extra));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  static String runToEnd(Path bucketDir, Path dataDir, Path log) throws Exception {
    Process p = start(bucketDir, dataDir, 0, log);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("compact finished").isTrue();
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  static boolean anyMarked(Path bucketDir) throws IOException {
    Bucket bucket = new FilesystemBucket(bucketDir);
    for (BlockId id : BucketBlocks.list(bucket)) {
      if (BucketBlocks.isMarkedForDeletion(bucket, id)) {
        return true;
      }
    }
    return false;
  }

  static Path copyOfPristine(String name) throws IOException {
    Path dir = tmp.resolve(name);
    Promtool.copyTree(pristine, dir);
    return dir;
  }

  /** The write numbers at which to kill, chosen from what a full run writes, with what they are. */
  static Map<Integer, String> killPoints(List<String> writes) {
    Map<Integer, String> out = new java.util.TreeMap<>();
    String newBlock = null;
    for (String w : writes) {
      String[] f = w.split(" ");
      if (f[1].equals("upload") && f[2].endsWith("/meta.json")) {
        newBlock = f[2].substring(0, 26);
      }
    }
    assertThat(newBlock).as("the run uploads a new block").isNotNull();
    int firstMark = -1;
    int marks = 0;
    int firstDelete = -1;
    for (String w : writes) {
      String[] f = w.split(" ");
      int n = Integer.parseInt(f[0]);
      String op = f[1];
      String key = f[2];
      if (op.equals("upload") && key.startsWith(newBlock + "/chunks/") && !out.containsValue("new block: first chunk segment")) {
        out.put(n, "new block: first chunk segment");
      } else if (op.equals("upload") && key.equals(newBlock + "/index")) {
        out.put(n, "new block: index");
      } else if (op.equals("upload") && key.equals(newBlock + "/meta.json")) {
        out.put(n, "new block: meta.json");
      } else if (op.equals("upload") && key.endsWith("/deletion-mark.json")) {
        marks++;
        if (firstMark < 0) {
          firstMark = n;
          out.put(n, "first source deletion mark");
        } else if (marks == 3) {
          out.put(n, "third source deletion mark");
        }
      } else if (op.equals("delete")) {
        if (firstDelete < 0) {
          firstDelete = n;
          out.put(n, "deletion: first source's meta.json");
        } else if (n == firstDelete + 1) {
          out.put(n, "deletion: first source's next object");
        } else if (key.endsWith("/deletion-mark.json") && !out.containsValue("deletion: first deletion mark")) {
          out.put(n, "deletion: first deletion mark");
        }
      }
    }
    int last = writes.size();
    out.putIfAbsent(last, "last write");
    return out;
  }

  @Test
  void killedAtAnyWriteTheBucketConvergesOnTheNextRun() throws Exception {
    // A full run first: what it writes, and where it ends.
    Path full = copyOfPristine("full");
    String out = runToEnd(full, tmp.resolve("data-full"), tmp.resolve("full.log"));
    List<String> writes = new ArrayList<>();
    Matcher m = Pattern.compile("(?m)^WRITE (\\d+ \\S+ \\S+)$").matcher(out);
    while (m.find()) {
      writes.add(m.group(1));
    }
    assertThat(out).contains("compacted 1,", "WRITES " + writes.size());
    List<BlockMeta> end = checkVisible(full, "full run");
    assertThat(end).hasSize(6).anyMatch(b -> b.compaction().sources().size() == 4);
    Set<BlockId> endSources = new HashSet<>();
    for (BlockMeta b : end) {
      endSources.addAll(sources(b));
    }

    Map<Integer, String> points = killPoints(writes);
    assertThat(points).hasSizeGreaterThanOrEqualTo(8);
    for (Map.Entry<Integer, String> point : points.entrySet()) {
      int n = point.getKey();
      String what = "killed before write " + n + " (" + point.getValue() + ")";
      Path bucketDir = copyOfPristine("kill-" + n);
      Path dataDir = tmp.resolve("data-kill-" + n);
      Path log = tmp.resolve("kill-" + n + ".log");
      Process p = start(bucketDir, dataDir, n, log);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      while (!Files.readString(log, StandardCharsets.UTF_8).contains("PAUSED " + n + " ")) {
        assertThat(p.isAlive()).as(what + ": " + Files.readString(log, StandardCharsets.UTF_8)).isTrue();
        assertThat(System.nanoTime()).as(what + ": no pause in time").isLessThan(deadline);
        Thread.sleep(20);
      }
      p.destroyForcibly(); // SIGKILL
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(what).isEqualTo(137);
      checkVisible(bucketDir, what + ", before the rerun");

      runToEnd(bucketDir, dataDir, tmp.resolve("rerun-" + n + ".log"));
      if (anyMarked(bucketDir)) {
        // Marks the rerun made itself within the same second as its cleanup (delete delay 0s
        // compares whole seconds) are deleted by the run after.
        runToEnd(bucketDir, dataDir, tmp.resolve("rerun2-" + n + ".log"));
      }
      List<BlockMeta> after = checkVisible(bucketDir, what + ", after the rerun");
      assertThat(after).as(what).hasSize(6);
      Set<BlockId> afterSources = new HashSet<>();
      for (BlockMeta b : after) {
        afterSources.addAll(sources(b));
      }
      assertThat(afterSources).as(what).isEqualTo(endSources);
      // Converged: nothing marked is left, and nothing but the killed upload's leftover lacks meta.json.
      Bucket bucket = new FilesystemBucket(bucketDir);
      List<BlockId> partial = new ArrayList<>();
      for (BlockId id : BucketBlocks.list(bucket)) {
        assertThat(BucketBlocks.isMarkedForDeletion(bucket, id)).as(what + ": " + id + " still marked").isFalse();
        if (!bucket.exists(id + "/meta.json")) {
          partial.add(id);
        }
      }
      assertThat(partial).as(what + ": partial uploads left").hasSizeLessThanOrEqualTo(1);
      assertThat(BucketBlocks.list(bucket)).hasSize(6 + partial.size());
    }
  }

  static void awaitOutput(Process p, Path log, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (!Files.readString(log, StandardCharsets.UTF_8).contains(text)) {
      assertThat(p.isAlive()).as("waiting for " + text + ": " + Files.readString(log, StandardCharsets.UTF_8)).isTrue();
      assertThat(System.nanoTime()).as("no " + text + " in time").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @Test
  void sigtermInWaitModeFinishesTheUploadInProgressAndExitsZero() throws Exception {
    Path bucketDir = copyOfPristine("term");
    Path dataDir = tmp.resolve("data-term");
    // A slow bucket (each write 300 ms): SIGTERM arrives during the new block's first upload.
    Path log = tmp.resolve("term.log");
    Process p = start(bucketDir, dataDir, -300, log, "--wait", "--wait-interval=1h");
    awaitOutput(p, log, "WRITE 1 upload ");
    p.destroy(); // SIGTERM
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("stopped early", "compactor stopped: received SIGTERM");
    // The upload was finished with its source marks; nothing else ran (no deletion).
    assertThat(out).doesNotContain(" delete ");
    Bucket bucket = new FilesystemBucket(bucketDir);
    for (BlockId id : BucketBlocks.list(bucket)) {
      assertThat(bucket.exists(id + "/meta.json")).as(id + " has meta.json").isTrue();
    }
    List<BlockMeta> visible = checkVisible(bucketDir, "after SIGTERM");
    assertThat(visible).hasSize(6).anyMatch(b -> b.compaction().sources().size() == 4);

    // Restarted, idle in its wait, SIGTERM: exit 0 at once; the restart finished the cleanup.
    Path log2 = tmp.resolve("term2.log");
    Process p2 = start(bucketDir, dataDir, 0, log2, "--wait", "--wait-interval=1h");
    awaitOutput(p2, log2, "compacted 0,");
    p2.destroy();
    assertThat(p2.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String out2 = Files.readString(log2, StandardCharsets.UTF_8);
    assertThat(p2.exitValue()).as(out2).isZero();
    assertThat(out2).contains("deleted 4", "compactor stopped: received SIGTERM");
    assertThat(anyMarked(bucketDir)).isFalse();
    assertThat(BucketBlocks.list(bucket)).hasSize(6);
  }
}
