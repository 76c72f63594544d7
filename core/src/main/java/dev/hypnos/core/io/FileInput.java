package dev.hypnos.core.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.jspecify.annotations.Nullable;

/**
 * A {@link RandomAccessInput} over a local file. Files below 2 GiB are memory-mapped once at open
 * and slices are views of the mapping; larger files are read with positional reads into fresh
 * buffers. The length is fixed at open: bytes appended later are not seen.
 *
 * <p>Surprise: a mapped file that another process truncates while mapped may raise an internal
 * error on access. Block files are immutable once written, so this is not expected in practice.
 */
public final class FileInput implements RandomAccessInput {
  private final Path path;
  private final FileChannel channel;
  private final long length;
  private final @Nullable MappedByteBuffer map;

  private FileInput(Path path, FileChannel channel, long length, @Nullable MappedByteBuffer map) {
    this.path = path;
    this.channel = channel;
    this.length = length;
    this.map = map;
  }

  /** Opens {@code path} for reading. */
  public static FileInput open(Path path) throws IOException {
    return open(path, true);
  }

  /**
   * Opens {@code path}; with {@code mmap} false every slice is a positional read into a new buffer
   * (what files of 2 GiB and more always get).
   */
  public static FileInput open(Path path, boolean mmap) throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
    try {
      long len = ch.size();
      MappedByteBuffer map = null;
      if (mmap && len > 0 && len <= Integer.MAX_VALUE) {
        map = ch.map(FileChannel.MapMode.READ_ONLY, 0, len);
      }
      return new FileInput(path, ch, len, map);
    } catch (IOException | RuntimeException e) {
      try {
        ch.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  public Path path() {
    return path;
  }

  @Override
  public String name() {
    return path.toString();
  }

  @Override
  public long length() {
    return length;
  }

  @Override
  public ByteBuffer slice(long offset, int len) throws IOException {
    RandomAccessInput.checkRange(name(), length, offset, len);
    MappedByteBuffer m = map;
    if (m != null) {
      return m.slice((int) offset, len).asReadOnlyBuffer();
    }
    ByteBuffer buf = ByteBuffer.allocate(len);
    long pos = offset;
    while (buf.hasRemaining()) {
      int n = channel.read(buf, pos);
      if (n < 0) {
        throw new EOFException("read " + len + " bytes at offset " + offset + " of " + name()
            + ": file ended at " + pos);
      }
      pos += n;
    }
    return buf.flip().asReadOnlyBuffer();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  @Override
  public String toString() {
    return name();
  }
}
