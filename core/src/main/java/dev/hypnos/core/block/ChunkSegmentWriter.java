package dev.hypnos.core.block;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;

/**
 * Writes a block's chunk segment files {@code chunks/000001, 000002, ...} in the format {@link
 * ChunkSegmentReader} reads: an 8-byte header (magic {@code 0x85BD40DD}, version 1, three zero
 * bytes), then chunks as {@code uvarint len, encoding <1B>, data, CRC32C(encoding ‖ data) <4B>}.
 *
 * <p>A new segment is started before a chunk that would take the current one past the segment
 * size (512 MiB by default, as Prometheus's {@code DefaultChunkSegmentSize}); a chunk larger than
 * the segment size gets a segment of its own. The returned reference is {@code segmentIndex << 32 |
 * offset}, segment index 0 being file {@code 000001}.
 *
 * <p>{@link #finish()} flushes and forces every segment to disk; {@link #close()} without it
 * leaves the files as they are for the caller to delete.
 *
 * <p>Concurrency: not thread-safe.
 */
public final class ChunkSegmentWriter implements Closeable {
  /** Prometheus's default segment size, 512 MiB. */
  public static final long DEFAULT_SEGMENT_SIZE = 512L * 1024 * 1024;
  /** The most bytes a chunk's length field can take. */
  private static final int MAX_LEN_FIELD = 5;

  private final Path dir;
  private final long segmentSize;
  private final List<String> files = new ArrayList<>();
  private final ByteBuffer buf = ByteBuffer.allocate(1 << 20);
  private final CRC32C crc = new CRC32C();
  private final byte[] head = new byte[MAX_LEN_FIELD + 1];
  private @Nullable FileChannel current;
  /** Bytes in the current segment, buffered ones included. */
  private long size;
  private long flushed;
  private long totalBytes;
  private long chunkCount;
  private long maxChunkSize;
  private boolean finished;

  /**
   * Creates {@code chunksDir} if needed; segments are created as chunks arrive.
   *
   * @param segmentSize the size a segment should not exceed, 9 bytes to 4 GiB
   */
  public ChunkSegmentWriter(Path chunksDir, long segmentSize) throws IOException {
    if (segmentSize <= ChunkSegmentReader.HEADER_LEN || segmentSize > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("chunk segment size " + segmentSize
          + " must be above the 8-byte header and at most 4 GiB (offsets are 32 bits)");
    }
    this.dir = chunksDir;
    this.segmentSize = segmentSize;
    Files.createDirectories(chunksDir);
  }

  /** A writer with the default segment size. */
  public ChunkSegmentWriter(Path chunksDir) throws IOException {
    this(chunksDir, DEFAULT_SEGMENT_SIZE);
  }

  /** Writes one chunk; returns its reference. */
  public long write(RawChunk chunk) throws IOException {
    return write(chunk.encoding(), chunk.data(), 0, chunk.data().length);
  }

  /**
   * Writes the chunk {@code data[off, off + len)} with encoding byte {@code encoding}; returns its
   * reference.
   */
  public long write(byte encoding, byte[] data, int off, int len) throws IOException {
    if (finished) {
      throw new IllegalStateException("chunk segments in " + dir + " are already finished");
    }
    int h = 0;
    long v = len;
    while ((v & ~0x7FL) != 0) {
      head[h++] = (byte) (v | 0x80);
      v >>>= 7;
    }
    head[h++] = (byte) v;
    head[h++] = encoding;
    long chunkSize = h + (long) len + 4;
    if (current == null || (size > ChunkSegmentReader.HEADER_LEN && size + chunkSize > segmentSize)) {
      cut();
    }
    long ref = ((long) (files.size() - 1) << 32) | size;
    crc.reset();
    crc.update(encoding);
    crc.update(data, off, len);
    put(head, 0, h);
    put(data, off, len);
    if (buf.remaining() < 4) {
      flush();
    }
    buf.putInt((int) crc.getValue());
    size += chunkSize;
    totalBytes += chunkSize;
    chunkCount++;
    maxChunkSize = Math.max(maxChunkSize, chunkSize);
    return ref;
  }

  private void put(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      if (!buf.hasRemaining()) {
        flush();
      }
      int n = Math.min(len, buf.remaining());
      buf.put(b, off, n);
      off += n;
      len -= n;
    }
  }

  private void cut() throws IOException {
    finishSegment();
    String name = String.format("%06d", files.size() + 1);
    current = FileChannel.open(dir.resolve(name), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
    files.add(name);
    flushed = 0;
    size = ChunkSegmentReader.HEADER_LEN;
    buf.putInt(ChunkSegmentReader.MAGIC);
    buf.put((byte) ChunkSegmentReader.VERSION_1);
    buf.put(new byte[3]);
    totalBytes += ChunkSegmentReader.HEADER_LEN;
  }

  private void flush() throws IOException {
    FileChannel ch = current;
    if (ch == null) {
      return;
    }
    buf.flip();
    while (buf.hasRemaining()) {
      flushed += ch.write(buf, flushed);
    }
    buf.clear();
  }

  private void finishSegment() throws IOException {
    FileChannel ch = current;
    if (ch == null) {
      return;
    }
    flush();
    ch.force(true);
    ch.close();
    current = null;
  }

  /** Flushes and forces the last segment to disk; no more chunks can be written. */
  public void finish() throws IOException {
    if (!finished) {
      finishSegment();
      finished = true;
    }
  }

  /** Segment file names written so far ({@code 000001}, ...). */
  public List<String> segmentFiles() {
    return List.copyOf(files);
  }

  /** Bytes written to all segments, headers included. */
  public long totalBytes() {
    return totalBytes;
  }

  public long chunkCount() {
    return chunkCount;
  }

  /** Size of the largest chunk written: length field, encoding, data and CRC. */
  public long maxChunkSize() {
    return maxChunkSize;
  }

  @Override
  public void close() throws IOException {
    FileChannel ch = current;
    current = null;
    if (ch != null) {
      ch.close();
    }
  }

  @Override
  public String toString() {
    return "ChunkSegmentWriter[" + dir + ", " + files.size() + " segments]";
  }
}
