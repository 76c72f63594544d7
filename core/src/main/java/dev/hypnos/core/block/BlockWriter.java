package dev.hypnos.core.block;

import dev.hypnos.core.chunk.ChunkIterator;
import dev.hypnos.core.chunk.XorEncoder;
import dev.hypnos.core.index.IndexWriter;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.storage.Series;
import dev.hypnos.core.storage.SeriesSet;
import dev.hypnos.core.util.IoUtil;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Writes a whole block directory ({@code chunks/}, {@code index}, {@code meta.json}) from series
 * given in label order, either as samples (re-encoded into XOR chunks of at most {@link
 * Options#samplesPerChunk()} samples, 120 by default like Prometheus's compaction) or as ready
 * chunks.
 *
 * <p>Everything is written under {@code <parent>/<ulid>.tmp-for-creation}: chunks as series arrive,
 * the series (labels and chunk metas) to a spool file there, the label strings to a set in memory.
 * {@link #commit} then writes the index from the spool, {@code meta.json} last, forces all to disk
 * and renames the directory to {@code <parent>/<ulid>}. So a crash or an error at any point never
 * leaves a directory under the final name; {@link #close()} without commit deletes the temporary
 * directory.
 *
 * <p>Series without samples are left out. A series' samples must be in increasing time order.
 *
 * <p>Concurrency: not thread-safe.
 */
public final class BlockWriter implements Closeable {
  /** Suffix of the directory a block is written in before it is renamed (as Prometheus names it). */
  public static final String TMP_SUFFIX = ".tmp-for-creation";
  private static final String SPOOL = "series.spool";

  /**
   * @param segmentSize chunk segment size, {@link ChunkSegmentWriter#DEFAULT_SEGMENT_SIZE} in production
   * @param samplesPerChunk most samples per re-encoded XOR chunk
   */
  public record Options(long segmentSize, int samplesPerChunk) {
    public static final Options DEFAULT = new Options(ChunkSegmentWriter.DEFAULT_SEGMENT_SIZE, 120);

    public Options {
      if (samplesPerChunk < 1 || samplesPerChunk > XorEncoder.MAX_SAMPLES) {
        throw new IllegalArgumentException("samples per chunk " + samplesPerChunk + " must be 1.." + XorEncoder.MAX_SAMPLES);
      }
    }
  }

  /** A ready chunk of a series: its time range (inclusive) and its bytes. */
  public record Chunk(long minTime, long maxTime, RawChunk chunk) {
    public Chunk {
      Objects.requireNonNull(chunk, "chunk");
      if (maxTime < minTime) {
        throw new IllegalArgumentException("chunk maxTime " + maxTime + " before minTime " + minTime);
      }
    }
  }

  private final BlockId id;
  private final Path finalDir;
  private final Path tmpDir;
  private final Options options;
  private final ChunkSegmentWriter chunks;
  private final DataOutputStream spool;
  private final HashSet<String> symbols = new HashSet<>();
  private final XorEncoder encoder = new XorEncoder(256);

  // Per-series chunk metas of the series being added.
  private long[] mint = new long[16];
  private long[] maxt = new long[16];
  private long[] refs = new long[16];
  private int n;

  private @Nullable Labels last;
  private long numSeries;
  private long numChunks;
  private long numSamples;
  private long numFloatSamples;
  private long numHistogramSamples;
  private long minSampleTime = Long.MAX_VALUE;
  private long maxSampleTime = Long.MIN_VALUE;
  private boolean committed;
  private boolean closed;

  private BlockWriter(BlockId id, Path finalDir, Path tmpDir, Options options, ChunkSegmentWriter chunks,
      DataOutputStream spool) {
    this.id = id;
    this.finalDir = finalDir;
    this.tmpDir = tmpDir;
    this.options = options;
    this.chunks = chunks;
    this.spool = spool;
  }

  /**
   * Starts block {@code id} in {@code parentDir}. Fails when {@code <parent>/<id>} exists; a stale
   * temporary directory of the same id is removed.
   */
  public static BlockWriter create(Path parentDir, BlockId id, Options options) throws IOException {
    Path finalDir = parentDir.resolve(id.toString());
    if (Files.exists(finalDir)) {
      throw new FileAlreadyExistsException(finalDir.toString(), null, "create block " + id + ": the directory exists");
    }
    Path tmp = parentDir.resolve(id + TMP_SUFFIX);
    IoUtil.deleteTree(tmp);
    Files.createDirectories(tmp);
    ChunkSegmentWriter cw = null;
    try {
      cw = new ChunkSegmentWriter(tmp.resolve("chunks"), options.segmentSize());
      DataOutputStream spool = new DataOutputStream(new BufferedOutputStream(
          Files.newOutputStream(tmp.resolve(SPOOL)), 1 << 16));
      return new BlockWriter(id, finalDir, tmp, options, cw, spool);
    } catch (IOException | RuntimeException e) {
      if (cw != null) {
        cw.close();
      }
      IoUtil.deleteTree(tmp);
      throw e;
    }
  }

  public BlockId id() {
    return id;
  }

  /** Where the block will be once committed. */
  public Path finalDir() {
    return finalDir;
  }

  /** The temporary directory the block is written in. */
  public Path tmpDir() {
    return tmpDir;
  }

  /** Adds every series of {@code set} (sorted by labels); does not close the set. */
  public void addAll(SeriesSet set) throws IOException {
    while (set.next()) {
      Series s = set.at();
      addSeries(s.labels(), s.iterator());
    }
  }

  /**
   * Adds a series from its samples, cutting a chunk every {@link Options#samplesPerChunk()}
   * samples. Nothing is added when the iterator is empty.
   */
  public void addSeries(Labels labels, ChunkIterator samples) throws IOException {
    checkOrder(labels);
    n = 0;
    encoder.reset();
    long first = 0;
    long prev = Long.MIN_VALUE;
    long count = 0;
    while (samples.next()) {
      long t = samples.timestamp();
      if (count > 0 && t <= prev) {
        throw new IllegalArgumentException("add series " + labels + " to block " + id + ": sample at " + t
            + " does not follow the previous one at " + prev);
      }
      if (encoder.numSamples() == options.samplesPerChunk()) {
        flushChunk(first, prev);
      }
      if (encoder.numSamples() == 0) {
        first = t;
      }
      encoder.append(t, samples.value());
      prev = t;
      count++;
    }
    String err = samples.error();
    if (err != null) {
      throw new IOException("read samples of series " + labels + " for block " + id + ": " + err);
    }
    if (count == 0) {
      return;
    }
    flushChunk(first, prev);
    numSamples += count;
    numFloatSamples += count;
    endSeries(labels);
  }

  private void flushChunk(long first, long lastT) throws IOException {
    byte[] data = encoder.bytes();
    long ref = chunks.write(RawChunk.ENC_XOR, data, 0, data.length);
    addMeta(first, lastT, ref);
    encoder.reset();
  }

  /**
   * Adds a series from ready chunks, written as they are (time order, no overlap). Nothing is
   * added for an empty list. Samples are counted from the 2-byte header of XOR and histogram chunks.
   */
  public void addSeriesChunks(Labels labels, List<Chunk> seriesChunks) throws IOException {
    checkOrder(labels);
    n = 0;
    if (seriesChunks.isEmpty()) {
      return;
    }
    long prevMax = Long.MIN_VALUE;
    long samples = 0;
    for (int i = 0; i < seriesChunks.size(); i++) {
      Chunk c = seriesChunks.get(i);
      if (i > 0 && c.minTime() <= prevMax) {
        throw new IllegalArgumentException("add series " + labels + " to block " + id + ": chunk " + i
            + " starts at " + c.minTime() + ", not after the previous chunk's end " + prevMax);
      }
      prevMax = c.maxTime();
      long ref = chunks.write(c.chunk());
      addMeta(c.minTime(), c.maxTime(), ref);
      byte enc = c.chunk().encoding();
      if (enc == RawChunk.ENC_XOR) {
        samples += c.chunk().headerSampleCount();
        numFloatSamples += c.chunk().headerSampleCount();
      } else if (enc == RawChunk.ENC_HISTOGRAM || enc == RawChunk.ENC_FLOAT_HISTOGRAM) {
        samples += c.chunk().headerSampleCount();
        numHistogramSamples += c.chunk().headerSampleCount();
      }
    }
    numSamples += samples;
    endSeries(labels);
  }

  private void checkState() {
    if (committed || closed) {
      throw new IllegalStateException("block " + id + " is already " + (committed ? "committed" : "closed"));
    }
  }

  private void checkOrder(Labels labels) {
    checkState();
    Labels l = last;
    if (l != null && labels.compareTo(l) <= 0) {
      throw new IllegalArgumentException("add series " + labels + " to block " + id
          + ": out of order, it does not sort after the previous series " + l);
    }
    if (labels.isEmpty()) {
      throw new IllegalArgumentException("add series to block " + id + ": a series needs at least one label");
    }
  }

  private void addMeta(long minTime, long maxTime, long ref) {
    if (n == mint.length) {
      mint = Arrays.copyOf(mint, n * 2);
      maxt = Arrays.copyOf(maxt, n * 2);
      refs = Arrays.copyOf(refs, n * 2);
    }
    mint[n] = minTime;
    maxt[n] = maxTime;
    refs[n] = ref;
    n++;
    minSampleTime = Math.min(minSampleTime, minTime);
    maxSampleTime = Math.max(maxSampleTime, maxTime);
  }

  private void endSeries(Labels labels) throws IOException {
    DataOutputStream o = spool;
    o.writeInt(labels.size());
    for (int i = 0; i < labels.size(); i++) {
      writeString(o, labels.name(i));
      writeString(o, labels.value(i));
      symbols.add(labels.name(i));
      symbols.add(labels.value(i));
    }
    o.writeInt(n);
    for (int i = 0; i < n; i++) {
      o.writeLong(mint[i]);
      o.writeLong(maxt[i]);
      o.writeLong(refs[i]);
    }
    last = labels;
    numSeries++;
    numChunks += n;
  }

  private static void writeString(DataOutputStream o, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    o.writeInt(b.length);
    o.write(b);
  }

  private static String readString(DataInputStream in) throws IOException {
    int len = in.readInt();
    byte[] b = new byte[len];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  public long numSeries() {
    return numSeries;
  }

  public long numSamples() {
    return numSamples;
  }

  public long numChunks() {
    return numChunks;
  }

  /** Timestamp of the earliest chunk start added, {@code Long.MAX_VALUE} when empty. */
  public long minSampleTime() {
    return minSampleTime;
  }

  /** Timestamp of the latest chunk end added, {@code Long.MIN_VALUE} when empty. */
  public long maxSampleTime() {
    return maxSampleTime;
  }

  /**
   * Writes the index and {@code meta.json}, then renames the block to its final directory.
   *
   * @param minTime block start (inclusive); every sample must be at or after it
   * @param maxTime block end (exclusive); every sample must be before it
   * @param compaction compaction section to record
   * @param thanos Thanos section, or null; its {@code index_stats} are filled in
   * @return the meta as written
   */
  public BlockMeta commit(long minTime, long maxTime, BlockMeta.Compaction compaction, BlockMeta.@Nullable Thanos thanos)
      throws IOException {
    checkState();
    if (maxTime <= minTime) {
      throw new IllegalArgumentException("commit block " + id + ": time range [" + minTime + ", " + maxTime + ") is empty");
    }
    if (numSeries > 0 && (minSampleTime < minTime || maxSampleTime >= maxTime)) {
      throw new IllegalArgumentException("commit block " + id + ": samples span [" + minSampleTime + ", "
          + maxSampleTime + "], outside the block range [" + minTime + ", " + maxTime + ")");
    }
    committed = true;
    boolean done = false;
    try {
      chunks.finish();
      chunks.close();
      spool.close();
      long maxSeriesSize = writeIndex();
      Files.delete(tmpDir.resolve(SPOOL));
      BlockMeta.Stats stats = new BlockMeta.Stats(numSamples, numFloatSamples, numHistogramSamples, numSeries, numChunks, 0);
      BlockMeta.Thanos t = thanos;
      if (t != null) {
        t = new BlockMeta.Thanos(t.version(), t.labels(), t.downsample(), t.source(), t.segmentFiles(), t.files(),
            t.rewrites(), new BlockMeta.IndexStats(maxSeriesSize, chunks.maxChunkSize()), t.extensions(),
            t.uploadTime());
      }
      BlockMeta meta = new BlockMeta(id, minTime, maxTime, stats, compaction, BlockMeta.VERSION_1, t);
      BlockMetaJson.write(tmpDir, meta);
      syncDir(tmpDir.resolve("chunks"));
      syncDir(tmpDir);
      try {
        Files.move(tmpDir, finalDir, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmpDir, finalDir);
      }
      Path parent = finalDir.toAbsolutePath().getParent();
      if (parent != null) {
        syncDir(parent);
      }
      done = true;
      return meta;
    } finally {
      if (!done) {
        try {
          IoUtil.closeAll(List.of(chunks, spool));
        } catch (IOException ignored) {
          // The commit's own failure is the one to report; the directory goes anyway.
        }
        IoUtil.deleteTree(tmpDir);
      }
    }
  }

  /** Commits with the range covered by the samples: [first sample, last sample + 1). */
  public BlockMeta commit(BlockMeta.Compaction compaction, BlockMeta.@Nullable Thanos thanos) throws IOException {
    if (numSeries == 0) {
      throw new IllegalStateException("commit block " + id + ": no series, so no time range; give one");
    }
    return commit(minSampleTime, maxSampleTime + 1, compaction, thanos);
  }

  private long writeIndex() throws IOException {
    Path spoolFile = tmpDir.resolve(SPOOL);
    // Prometheus's symbol tables always hold "" (the all-postings key's name and value); so do ours.
    symbols.add("");
    try (IndexWriter iw = IndexWriter.create(tmpDir.resolve("index"), symbols);
        DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(spoolFile), 1 << 16))) {
      symbols.clear();
      long[] a = new long[16];
      long[] b = new long[16];
      long[] c = new long[16];
      for (long s = 0; s < numSeries; s++) {
        int nl = in.readInt();
        String[] kv = new String[nl * 2];
        for (int i = 0; i < kv.length; i++) {
          kv[i] = readString(in);
        }
        int nc = in.readInt();
        if (nc > a.length) {
          a = new long[nc];
          b = new long[nc];
          c = new long[nc];
        }
        for (int i = 0; i < nc; i++) {
          a[i] = in.readLong();
          b[i] = in.readLong();
          c[i] = in.readLong();
        }
        iw.addSeries(Labels.fromSortedUnsafe(kv), a, b, c, nc);
      }
      iw.finish();
      return iw.maxSeriesSize();
    }
  }

  private static void syncDir(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException ignored) {
      // Best effort: not every platform can open a directory.
    }
  }

  /** Without a commit, deletes the temporary directory. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    if (!committed) {
      try {
        IoUtil.closeAll(List.of(chunks, spool));
      } finally {
        IoUtil.deleteTree(tmpDir);
      }
    }
  }

  @Override
  public String toString() {
    return "BlockWriter[" + id + " in " + tmpDir + ", " + numSeries + " series]";
  }
}
