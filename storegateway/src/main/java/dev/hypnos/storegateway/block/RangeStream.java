package dev.hypnos.storegateway.block;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sequential reads over one byte range of an object, by absolute offset: skip forward to an offset,
 * read a byte, a uvarint, or a number of bytes into a caller's array. Reads that run past the range
 * return short (the caller decides to re-read or to report a truncation).
 *
 * <p>Bytes come through one read window, so small items (varints, headers) cost no bucket read
 * each and an item's bytes are copied once, from the window into the array the caller keeps; an
 * item larger than the window is read straight into the caller's array. The window starts at
 * {@value #FIRST_WINDOW} bytes (or the range's length if shorter) and grows while the stream keeps
 * reading, up to a {@value #WINDOW}-byte window from a small process-wide pool, given back by
 * {@link #close}.
 * Memory per open stream is one window, whatever the range's length.
 *
 * <p>Concurrency: not thread-safe; the pool is.
 */
final class RangeStream implements Closeable {
  /** Window size; ranges shorter than this get a window of their own length. */
  static final int WINDOW = 64 * 1024;
  /**
   * The first window: many ranges end early in practice (a few series or chunks read with generous
   * size estimates), and what the window reads past the last item is fetched for nothing, so a
   * stream starts small and grows its window ({@value #SECOND_WINDOW} bytes after its first bucket
   * read, {@value #WINDOW} after its third) only while it keeps reading.
   */
  static final int FIRST_WINDOW = 512;
  static final int SECOND_WINDOW = 4 * 1024;
  /** Windows kept for reuse at most (1 MiB); more are left to the garbage collector. */
  private static final int POOL_MAX = 16;
  private static final ConcurrentLinkedQueue<byte[]> POOL = new ConcurrentLinkedQueue<>();
  private static final AtomicInteger POOLED = new AtomicInteger();

  private final InputStream in;
  private final long end;
  private byte[] buf;
  private boolean pooled;
  private int bufPos;
  private int bufLim;
  private long pos; // absolute offset of the next byte returned
  private boolean eof;
  private int reads; // read calls on the underlying stream
  private final int firstRead; // bytes the first read asks for

  RangeStream(InputStream in, long start, long end) {
    this(in, start, end, end - start);
  }

  /**
   * @param expected how many bytes the caller will probably read from {@code start}: the first
   *     window covers that (at least {@value #FIRST_WINDOW} bytes, at most {@value #WINDOW}), so a
   *     batch whose items are close together is read in one bucket read without fetching the
   *     estimate tail
   */
  RangeStream(InputStream in, long start, long end, long expected) {
    this.in = in;
    this.pos = start;
    this.end = end;
    long len = end - start;
    long first = Math.min(len, Math.min(WINDOW, Math.max(FIRST_WINDOW, expected)));
    this.firstRead = (int) Math.max(1, first);
    if (first > WINDOW / 4) {
      this.buf = takeWindow();
      this.pooled = true;
    } else {
      this.buf = new byte[(int) Math.max(16, first)];
      this.pooled = false;
    }
  }

  private static byte[] takeWindow() {
    byte[] b = POOL.poll();
    if (b != null) {
      POOLED.decrementAndGet();
      return b;
    }
    return new byte[WINDOW];
  }

  long position() {
    return pos;
  }

  /** Refills the empty window; false at the end of the stream. */
  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    if (!pooled && end - pos > buf.length) {
      if (reads >= 3) {
        buf = takeWindow();
        pooled = true;
      } else if (reads >= 1 && buf.length < SECOND_WINDOW) {
        buf = new byte[(int) Math.min(SECOND_WINDOW, end - pos)];
      }
    }
    // The first read asks for what is expected only, even into a larger pooled window.
    int want = reads == 0 ? Math.min(buf.length, firstRead) : buf.length;
    reads++;
    int r = in.read(buf, 0, want);
    if (r <= 0) {
      // InputStream.read returns 0 only for a zero-length request; treat anything else as the end.
      eof = true;
      bufPos = 0;
      bufLim = 0;
      return false;
    }
    bufPos = 0;
    bufLim = r;
    return true;
  }

  /** Moves forward to {@code offset}; false if the stream ends first. */
  boolean skipTo(long offset) throws IOException {
    if (offset < pos) {
      throw new IllegalStateException("cannot move back from " + pos + " to " + offset);
    }
    long n = offset - pos;
    int avail = bufLim - bufPos;
    if (n <= avail) {
      bufPos += (int) n;
      pos = offset;
      return true;
    }
    n -= avail;
    pos += avail;
    bufPos = bufLim;
    while (n > 0) {
      long skipped = eof ? 0 : in.skip(n);
      if (skipped <= 0) {
        if (!fill()) {
          return false;
        }
        int take = (int) Math.min(n, bufLim);
        bufPos = take;
        skipped = take;
      }
      n -= skipped;
      pos += skipped;
    }
    return true;
  }

  /** The next byte (0-255), or -1 at the end. */
  int readByte() throws IOException {
    if (bufPos == bufLim && !fill()) {
      return -1;
    }
    pos++;
    return buf[bufPos++] & 0xFF;
  }

  /**
   * Reads a Go uvarint into {@code out[0]} (value) and returns its size in bytes, or -1 if the
   * stream ended inside it, or -2 if it overflows 64 bits.
   */
  int uvarint(long[] out) throws IOException {
    long x = 0;
    int shift = 0;
    for (int i = 0; i < 10; i++) {
      int b = readByte();
      if (b < 0) {
        return -1;
      }
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

  /**
   * The uvarint at absolute {@code offset} (at or after the current position) when the window
   * already holds all of it, else -1; nothing is read or consumed.
   */
  long peekUvarint(long offset) {
    long rel = offset - pos;
    if (rel < 0 || rel >= bufLim - bufPos) {
      return -1;
    }
    int p = bufPos + (int) rel;
    long x = 0;
    int shift = 0;
    for (int i = 0; i < 9 && p < bufLim; i++) {
      int b = buf[p++] & 0xFF;
      if (b < 0x80) {
        return x | ((long) b << shift);
      }
      x |= (long) (b & 0x7F) << shift;
      shift += 7;
    }
    return -1;
  }

  /** Reads up to {@code len} bytes into {@code dst[off..]}; returns how many (fewer only at the end). */
  int readFully(byte[] dst, int off, int len) throws IOException {
    int done = 0;
    while (done < len) {
      int avail = bufLim - bufPos;
      if (avail == 0) {
        int rest = len - done;
        if (rest >= buf.length && !eof) {
          // Large item: straight into the caller's array, no window copy.
          reads++;
          int r = in.readNBytes(dst, off + done, rest);
          done += r;
          pos += r;
          if (r < rest) {
            eof = true;
          }
          break;
        }
        if (!fill()) {
          break;
        }
        avail = bufLim;
      }
      int take = Math.min(avail, len - done);
      System.arraycopy(buf, bufPos, dst, off + done, take);
      bufPos += take;
      pos += take;
      done += take;
    }
    return done;
  }

  /** Reads up to {@code n} bytes: fewer only when the stream ends. */
  byte[] read(int n) throws IOException {
    byte[] b = new byte[n];
    int got = readFully(b, 0, n);
    return got == n ? b : Arrays.copyOf(b, got);
  }

  /** Reads a big-endian unsigned 32-bit integer, or returns -1 when the stream ends first. */
  long readUint32() throws IOException {
    if (bufLim - bufPos >= 4) {
      int v = ((buf[bufPos] & 0xFF) << 24) | ((buf[bufPos + 1] & 0xFF) << 16) | ((buf[bufPos + 2] & 0xFF) << 8)
          | (buf[bufPos + 3] & 0xFF);
      bufPos += 4;
      pos += 4;
      return v & 0xFFFF_FFFFL;
    }
    long v = 0;
    for (int i = 0; i < 4; i++) {
      int b = readByte();
      if (b < 0) {
        return -1;
      }
      v = (v << 8) | b;
    }
    return v;
  }

  long end() {
    return end;
  }

  @Override
  public void close() throws IOException {
    byte[] b = buf;
    buf = new byte[0];
    bufPos = 0;
    bufLim = 0;
    if (pooled && b.length == WINDOW && POOLED.incrementAndGet() <= POOL_MAX) {
      POOL.offer(b);
    } else if (pooled && b.length == WINDOW) {
      POOLED.decrementAndGet();
    }
    in.close();
  }
}
