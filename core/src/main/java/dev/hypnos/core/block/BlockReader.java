package dev.hypnos.core.block;

import dev.hypnos.core.index.IndexReader;
import dev.hypnos.core.index.Postings;
import dev.hypnos.core.index.SeriesBuilder;
import dev.hypnos.core.io.FileInput;
import dev.hypnos.core.util.IoUtil;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A local block directory opened for reading: {@code meta.json}, {@code index}, {@code chunks/}
 * and the optional {@code tombstones}. Everything is verified at open as far as the readers do
 * (headers, TOC, symbol and postings offset tables, segment headers); series and chunks are checked
 * when read.
 *
 * <p>Concurrency: safe for concurrent reads; {@link #close} must not race with reads.
 */
public final class BlockReader implements Closeable {
  private final Path dir;
  private final BlockMeta meta;
  private final IndexReader index;
  private final ChunkSegmentReader chunks;
  private final Tombstones tombstones;

  private BlockReader(Path dir, BlockMeta meta, IndexReader index, ChunkSegmentReader chunks, Tombstones tombstones) {
    this.dir = dir;
    this.meta = meta;
    this.index = index;
    this.chunks = chunks;
    this.tombstones = tombstones;
  }

  /** Opens the block in {@code dir}. */
  public static BlockReader open(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString(), null, "block directory does not exist");
    }
    BlockMeta meta = BlockMetaJson.read(dir);
    String block = meta.ulid().toString();
    String dirName = dir.getFileName() == null ? "" : dir.getFileName().toString();
    if (!dirName.equals(block)) {
      block = block + " (directory " + dir + ")";
    }
    Path indexFile = dir.resolve("index");
    if (!Files.exists(indexFile)) {
      throw new NoSuchFileException(indexFile.toString(), null, "block " + block + " has no index file");
    }
    IndexReader index = IndexReader.open(FileInput.open(indexFile), block);
    ChunkSegmentReader chunks = null;
    try {
      Path chunksDir = dir.resolve("chunks");
      if (!Files.isDirectory(chunksDir)) {
        throw new NoSuchFileException(chunksDir.toString(), null, "block " + block + " has no chunks directory");
      }
      chunks = ChunkSegmentReader.open(chunksDir, block);
      Tombstones ts = Tombstones.read(dir, block);
      return new BlockReader(dir, meta, index, chunks, ts);
    } catch (IOException | RuntimeException e) {
      closeQuietly(chunks, e);
      closeQuietly(index, e);
      throw e;
    }
  }

  private static void closeQuietly(@Nullable Closeable c, Throwable primary) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException e) {
      primary.addSuppressed(e);
    }
  }

  public Path dir() {
    return dir;
  }

  public BlockMeta meta() {
    return meta;
  }

  public BlockId id() {
    return meta.ulid();
  }

  public IndexReader index() {
    return index;
  }

  public ChunkSegmentReader chunks() {
    return chunks;
  }

  public Tombstones tombstones() {
    return tombstones;
  }

  /** Reads the chunk {@code ref} of this block. */
  public RawChunk chunk(long ref) throws IOException {
    return chunks.chunk(ref);
  }

  /** Receives series in index order; return false to stop. */
  @FunctionalInterface
  public interface SeriesVisitor {
    boolean visit(long ref, SeriesBuilder series) throws IOException;
  }

  /**
   * Calls {@code visitor} for every series in index (label set) order with one reused {@link
   * SeriesBuilder}; returns the number of series visited.
   */
  public long forEachSeries(SeriesVisitor visitor) throws IOException {
    Postings p = index.allPostings();
    SeriesBuilder sb = new SeriesBuilder();
    long n = 0;
    while (p.next()) {
      long ref = p.at();
      index.series(ref, sb);
      n++;
      if (!visitor.visit(ref, sb)) {
        break;
      }
    }
    return n;
  }

  @Override
  public void close() throws IOException {
    IoUtil.closeAll(List.of(chunks, index));
  }

  @Override
  public String toString() {
    return "BlockReader[" + meta.ulid() + " at " + dir + "]";
  }

}
