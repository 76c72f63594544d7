package dev.hypnos.storegateway.block;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Sequential reads over one byte range of an object, by absolute offset: skip forward to an offset,
 * read a uvarint, read a number of bytes. Reads that run past the range return short (the caller
 * decides to re-read or to report a truncation); nothing is buffered beyond what is returned.
 *
 * <p>Concurrency: not thread-safe.
 */
final class RangeStream implements Closeable {
  private final InputStream in;
  private final long end;
  private long pos;
  private final byte[] one = new byte[1];

  RangeStream(InputStream in, long start, long end) {
    this.in = in;
    this.pos = start;
    this.end = end;
  }

  long position() {
    return pos;
  }

  /** Moves forward to {@code offset}; false if the stream ends first. */
  boolean skipTo(long offset) throws IOException {
    if (offset < pos) {
      throw new IllegalStateException("cannot move back from " + pos + " to " + offset);
    }
    long n = offset - pos;
    while (n > 0) {
      long skipped = in.skip(n);
      if (skipped <= 0) {
        if (in.read(one) < 0) {
          return false;
        }
        skipped = 1;
      }
      n -= skipped;
      pos += skipped;
    }
    return true;
  }

  /**
   * Reads a Go uvarint into {@code out[0]} (value) and returns its size in bytes, or -1 if the
   * stream ended inside it, or -2 if it overflows 64 bits.
   */
  int uvarint(long[] out) throws IOException {
    long x = 0;
    int shift = 0;
    for (int i = 0; i < 10; i++) {
      int b = in.read();
      if (b < 0) {
        return -1;
      }
      pos++;
      if (b < 0x80) {
        if (i == 9 && b > 1) {
          return -2;
        }
        out[0] = x | ((long) b << shift);
        return i + 1;
      }
      x |= (long) (b & 0x7F) << shift;
      shift += 7;
    }
    return -2;
  }

  /** Reads up to {@code n} bytes: fewer only when the stream ends. */
  byte[] read(int n) throws IOException {
    byte[] b = in.readNBytes(n);
    pos += b.length;
    return b.length == n ? b : Arrays.copyOf(b, b.length);
  }

  long end() {
    return end;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
