package dev.hypnos.sidecar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BlockMetaJson;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.objstore.Bucket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads the blocks Prometheus writes into its TSDB directory to object storage, as the Thanos
 * sidecar's shipper does.
 *
 * <p>One {@link #sync} round: every block directory with {@code compaction.level == 1} (any level
 * with {@code uploadCompacted}) and samples, not yet listed in {@code <tsdb>/thanos.shipper.json},
 * is hard-linked (copied where links are impossible) into {@code <tsdb>/thanos/upload/<ULID>/},
 * its {@code meta.json} there rewritten with the Thanos section (external labels, resolution 0,
 * {@code source: sidecar}, segment files, file sizes), then uploaded: chunk segments, index, and
 * {@code meta.json} last, so the block only looks complete once everything is in place. A block
 * whose {@code meta.json} is already in the bucket is recorded without uploading. The state file
 * is rewritten atomically after each successful upload; a failed upload is logged, counted, and
 * tried again next round.
 *
 * <p>Concurrency: {@link #sync} calls are serialized.
 */
public final class Shipper {
  /** The state file name in the TSDB directory. */
  public static final String STATE_FILE = "thanos.shipper.json";
  /** The source recorded in the Thanos section. */
  public static final String SOURCE = "sidecar";
  private static final Logger LOG = LoggerFactory.getLogger(Shipper.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSSXXX")
      .withZone(ZoneOffset.UTC);

  private final Path tsdbDir;
  private final Bucket bucket;
  private final Supplier<Labels> externalLabels;
  private final boolean uploadCompacted;
  private final InstantSource clock;
  private final AtomicLong uploads = new AtomicLong();
  private final AtomicLong uploadFailures = new AtomicLong();
  private final AtomicLong syncs = new AtomicLong();
  private final AtomicLong syncFailures = new AtomicLong();

  /** What one round did. */
  public record SyncResult(List<BlockId> uploaded, List<BlockId> failed) {
    public SyncResult {
      uploaded = List.copyOf(uploaded);
      failed = List.copyOf(failed);
    }
  }

  /** Counters since start: uploaded blocks, failed uploads, rounds, failed rounds. */
  public record Metrics(long uploads, long uploadFailures, long syncs, long syncFailures) {}

  /**
   * @param externalLabels the labels to record in each block (read when a block is shipped); must
   *     not be empty
   * @param uploadCompacted also ship blocks of compaction level above 1 (migrations)
   */
  public Shipper(Path tsdbDir, Bucket bucket, Supplier<Labels> externalLabels, boolean uploadCompacted, InstantSource clock) {
    this.tsdbDir = Objects.requireNonNull(tsdbDir, "tsdbDir");
    this.bucket = Objects.requireNonNull(bucket, "bucket");
    this.externalLabels = Objects.requireNonNull(externalLabels, "externalLabels");
    this.uploadCompacted = uploadCompacted;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Runs {@link #sync} now and then every {@code interval} on a daemon thread (Thanos syncs every
   * 30 s); a failing round is logged and the next one runs as planned. Closing stops the rounds.
   */
  public AutoCloseable runEvery(Duration interval) {
    ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "shipper");
      t.setDaemon(true);
      return t;
    });
    exec.scheduleWithFixedDelay(() -> {
      try {
        sync();
      } catch (IOException | RuntimeException e) {
        LOG.warn("shipper round on {}: {}", tsdbDir, e.toString());
      }
    }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return exec::shutdownNow;
  }

  public Metrics metrics() {
    return new Metrics(uploads.get(), uploadFailures.get(), syncs.get(), syncFailures.get());
  }

  /**
   * One round: ships every eligible block not yet shipped.
   *
   * @throws IOException when the TSDB directory or the state file cannot be read or written
   */
  public synchronized SyncResult sync() throws IOException {
    syncs.incrementAndGet();
    try {
      return doSync();
    } catch (IOException | RuntimeException e) {
      syncFailures.incrementAndGet();
      throw e;
    }
  }

  private SyncResult doSync() throws IOException {
    Set<String> shipped = readState(tsdbDir);
    List<BlockMeta> blocks = localBlocks();
    Set<String> present = new LinkedHashSet<>();
    for (BlockMeta m : blocks) {
      present.add(m.ulid().toString());
    }
    // forget blocks that Prometheus deleted
    Set<String> state = new LinkedHashSet<>();
    for (String id : shipped) {
      if (present.contains(id)) {
        state.add(id);
      }
    }
    if (!state.equals(shipped)) {
      writeState(tsdbDir, state);
    }
    List<BlockId> uploaded = new ArrayList<>();
    List<BlockId> failed = new ArrayList<>();
    for (BlockMeta meta : blocks) {
      String id = meta.ulid().toString();
      if (state.contains(id)) {
        continue;
      }
      if (meta.compaction().level() > 1 && !uploadCompacted) {
        continue;
      }
      if (meta.stats().numSamples() == 0) {
        continue;
      }
      try {
        if (bucket.exists(id + "/" + BlockMetaJson.FILE_NAME)) {
          LOG.info("block {} is already in bucket {}; recording it as shipped", id, bucket.name());
        } else {
          upload(meta);
          uploads.incrementAndGet();
          uploaded.add(meta.ulid());
          LOG.info("shipped block {} [{}, {}) to bucket {}", id, meta.minTime(), meta.maxTime(), bucket.name());
        }
        state.add(id);
        writeState(tsdbDir, state);
      } catch (IOException | RuntimeException e) {
        uploadFailures.incrementAndGet();
        failed.add(meta.ulid());
        LOG.warn("ship block {} to bucket {} (retried next round): {}", id, bucket.name(), e.toString());
      }
    }
    return new SyncResult(uploaded, failed);
  }

  private List<BlockMeta> localBlocks() throws IOException {
    List<BlockMeta> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(tsdbDir)) {
      for (Path p : ds) {
        if (!BlockId.isValid(p.getFileName().toString()) || !Files.isRegularFile(p.resolve(BlockMetaJson.FILE_NAME))) {
          continue;
        }
        try {
          out.add(BlockMetaJson.read(p));
        } catch (IOException | RuntimeException e) {
          LOG.warn("read meta.json of local block {} (skipped this round): {}", p, e.toString());
        }
      }
    }
    out.sort(Comparator.comparingLong(BlockMeta::minTime).thenComparing(BlockMeta::ulid));
    return out;
  }

  private void upload(BlockMeta meta) throws IOException {
    String id = meta.ulid().toString();
    Path src = tsdbDir.resolve(id);
    Path dst = tsdbDir.resolve("thanos").resolve("upload").resolve(id);
    deleteTree(dst);
    Files.createDirectories(dst.resolve("chunks"));
    try {
      List<String> segments = new ArrayList<>();
      List<BlockMeta.File> files = new ArrayList<>();
      try (Stream<Path> s = Files.list(src.resolve("chunks"))) {
        for (Path c : s.sorted().toList()) {
          String name = c.getFileName().toString();
          link(c, dst.resolve("chunks").resolve(name));
          segments.add(name);
          files.add(new BlockMeta.File("chunks/" + name, Files.size(c), null));
        }
      }
      link(src.resolve("index"), dst.resolve("index"));
      files.add(new BlockMeta.File("index", Files.size(dst.resolve("index")), null));
      files.add(new BlockMeta.File(BlockMetaJson.FILE_NAME, 0, null));
      Labels ext = externalLabels.get();
      if (ext.isEmpty()) {
        throw new IllegalStateException("ship block " + id + ": no external labels to record in its meta.json");
      }
      BlockMeta.Thanos old = meta.thanos();
      BlockMeta.Thanos thanos = new BlockMeta.Thanos(BlockMeta.Thanos.VERSION_1, ext.toMap(), new BlockMeta.Downsample(0),
          SOURCE, segments, files, old == null ? null : old.rewrites(),
          old == null ? new BlockMeta.IndexStats(0, 0) : old.indexStats(), old == null ? null : old.extensions(),
          RFC3339.format(clock.instant()));
      BlockMetaJson.write(dst, meta.withThanos(thanos));

      for (String seg : segments) {
        bucket.upload(id + "/chunks/" + seg, dst.resolve("chunks").resolve(seg));
      }
      bucket.upload(id + "/index", dst.resolve("index"));
      bucket.upload(id + "/" + BlockMetaJson.FILE_NAME, dst.resolve(BlockMetaJson.FILE_NAME));
    } finally {
      deleteTree(dst);
    }
  }

  private static void link(Path from, Path to) throws IOException {
    try {
      Files.createLink(to, from);
    } catch (UnsupportedOperationException | FileSystemException e) {
      Files.copy(from, to);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * The block ids recorded in {@code <tsdbDir>/thanos.shipper.json}, empty when the file is
   * missing.
   *
   * @throws IOException when the file is unreadable or not a version 1 state
   */
  public static Set<String> readState(Path tsdbDir) throws IOException {
    Path file = tsdbDir.resolve(STATE_FILE);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return new LinkedHashSet<>();
    }
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new IOException("read shipper state " + file + ": not JSON: " + e.getMessage(), e);
    }
    if (root == null || root.path("version").asInt() != 1) {
      throw new IOException("read shipper state " + file + ": version " + (root == null ? "?" : root.path("version"))
          + " is not supported, expected 1");
    }
    Set<String> out = new LinkedHashSet<>();
    for (JsonNode n : root.path("uploaded")) {
      out.add(n.asText());
    }
    return out;
  }

  /** Writes the state file atomically, tab-indented as Go's MarshalIndent writes it. */
  static void writeState(Path tsdbDir, Set<String> uploaded) throws IOException {
    StringBuilder sb = new StringBuilder("{\n\t\"version\": 1,\n\t\"uploaded\": ");
    if (uploaded.isEmpty()) {
      sb.append("[]");
    } else {
      sb.append("[\n");
      int i = 0;
      for (String id : uploaded) {
        sb.append("\t\t\"").append(id).append('"').append(++i < uploaded.size() ? ",\n" : "\n");
      }
      sb.append("\t]");
    }
    sb.append("\n}\n");
    BlockMetaJson.writeAtomically(tsdbDir.resolve(STATE_FILE), sb.toString().getBytes(StandardCharsets.UTF_8));
  }
}
