package dev.hypnos.core.chunk;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Decodes an XOR chunk (FORMATS.md §3.5) sample by sample. One instance can decode any number of
 * chunks through {@link #reset(byte[], int, int)}; decoding allocates nothing.
 *
 * <p>Bits are read as unaligned 64-bit big-endian peeks at the current bit position, so a sample
 * costs one or two loads and no bit-by-bit work. Peeks may see bytes past the chunk's end (still
 * inside the array; near the array's end a zero-padded copy of the last bytes is used); every
 * sample is checked against the chunk's end before it is exposed, so truncated data ends iteration
 * with {@link #error()} set rather than yielding a made-up sample.
 *
 * <p>Corrupt data: iteration stops with {@link #error()} set when the data is truncated, a varint
 * overflows, or a value window is impossible. Bits that merely decode to odd values cannot be told
 * from real ones, as in Prometheus. Iteration always ends after at most the header's sample count.
 *
 * <p>{@link #timestamp()} and {@link #value()} are meaningful only while {@link #hasCurrent()}.
 * Bulk readers should prefer {@link #next(long[], double[], int, int)}, which decodes a batch with
 * the decoder state in registers (about 20% faster per sample than {@link #next()}).
 *
 * <p>Concurrency: not thread-safe.
 */
public final class XorIterator implements ChunkIterator {
  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final byte[] EMPTY = new byte[0];
  /** Bytes a sample can reach past its start: 145 bits of sample plus a 9-byte peek, rounded up. */
  private static final int SAFE_TAIL = 24;

  /** The array being read; switched to {@link #tail} for the last bytes of an array. */
  private byte[] data = EMPTY;
  private byte @Nullable [] tail;
  /** Chunk start and end (exclusive) as given to {@link #reset}, in the caller's array. */
  private int start;
  private int end;
  /** Bit position of the next bit in {@link #data}. */
  private long pos;
  /** Bit position just past the chunk in {@link #data}. */
  private long endBits;
  /** Largest {@link #pos} from which a whole sample can be peeked without leaving the array. */
  private long safeLimit;

  private int total;
  private int read;
  private boolean current;

  private long t;
  private long vbits;
  private long tDelta;
  private int leading;
  private int trailing;

  private @Nullable String error;

  /** An iterator over no samples; call {@link #reset} to point it at a chunk. */
  public XorIterator() {}

  /** Points this iterator at the chunk {@code data[offset, offset + length)}, not copied. */
  public XorIterator reset(byte[] data, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, data.length);
    this.data = data;
    this.start = offset;
    this.end = offset + length;
    this.pos = (long) (offset + 2) << 3;
    this.endBits = (long) end << 3;
    this.safeLimit = ((long) data.length - SAFE_TAIL) << 3;
    this.read = 0;
    this.current = false;
    this.t = 0;
    this.vbits = 0;
    this.tDelta = 0;
    this.leading = 0;
    this.trailing = 0;
    this.error = null;
    if (length < 2) {
      this.total = 0;
      this.error =
          "decode XOR chunk of " + length + " bytes: shorter than its 2-byte sample count";
    } else {
      this.total = ((data[offset] & 0xFF) << 8) | (data[offset + 1] & 0xFF);
    }
    return this;
  }

  /** Points this iterator at {@code chunk}. */
  public XorIterator reset(XorChunk chunk) {
    return reset(chunk.array(), chunk.offset(), chunk.length());
  }

  /** The sample count from the chunk header. */
  public int numSamples() {
    return total;
  }

  @Override
  public boolean next() {
    // Kept small so that callers can inline it; rare cases live in separate methods.
    int r = read;
    if (r < 2 || r >= total) {
      return nextRare(r);
    }
    long p = pos;
    if (p > safeLimit) {
      p = moveToTail(p);
    }
    byte[] d = data;
    long w = ((long) LONG_BE.get(d, (int) (p >>> 3))) << (p & 7);
    long dod = 0;
    if (w >= 0) {
      p += 1;
      w <<= 1;
    } else if ((w << 1) >= 0) {
      long b = (w << 2) >>> 50;
      dod = b > 8192 ? b - 16384 : b;
      p += 16;
      w <<= 16;
    } else {
      dod = wideDod(d, w, p);
      p += (w << 2) >= 0 ? 20 : (w << 3) >= 0 ? 24 : 68;
      w = peek64(d, p);
    }
    // w now holds at least 33 valid bits at p: enough for the value's control bits and header.
    p = w >= 0 ? p + 1 : changedValue(d, w, p);
    if (p > endBits) {
      return p != Long.MAX_VALUE && truncated();
    }
    pos = p;
    long delta = tDelta + dod;
    tDelta = delta;
    t += delta;
    read = r + 1;
    current = true;
    return true;
  }

  /**
   * Decodes up to {@code max} next samples into {@code ts[off..]} and {@code values[off..]} and
   * returns how many it wrote; fewer than {@code max} only at the end of the chunk or on corrupt
   * data (see {@link #error()}). The fastest way to read a chunk: the decoder state stays in
   * registers for the whole batch. May be mixed freely with {@link #next()}; afterwards the
   * current sample is the last one written.
   */
  @Override
  public int next(long[] ts, double[] values, int off, int max) {
    Objects.checkFromIndexSize(off, max, ts.length);
    Objects.checkFromIndexSize(off, max, values.length);
    int n = 0;
    while (n < max && read < 2 && read < total) {
      if (!next()) {
        return n;
      }
      ts[off + n] = t;
      values[off + n] = Double.longBitsToDouble(vbits);
      n++;
    }
    int r = read;
    int stop = (int) Math.min(total, (long) r + (max - n));
    if (r >= stop) {
      if (n == 0 && max > 0) {
        current = false; // at the end, as next() would report
      }
      return n;
    }
    byte[] d = data;
    long p = pos;
    long safe = safeLimit;
    long eb = endBits;
    long tt = t;
    long dl = tDelta;
    long vb = vbits;
    int lead = leading;
    int trail = trailing;
    int o = off + n;
    while (r < stop) {
      if (p > safe) {
        p = moveToTail(p);
        d = data;
        safe = safeLimit;
        eb = endBits;
      }
      long w = ((long) LONG_BE.get(d, (int) (p >>> 3))) << (p & 7);
      if (w >= 0) {
        p += 1;
        w <<= 1;
      } else if ((w << 1) >= 0) {
        long b = (w << 2) >>> 50;
        dl += b > 8192 ? b - 16384 : b;
        p += 16;
        w <<= 16;
      } else {
        dl += wideDod(d, w, p);
        p += (w << 2) >= 0 ? 20 : (w << 3) >= 0 ? 24 : 68;
        w = peek64(d, p);
      }
      if (w >= 0) {
        p += 1;
      } else {
        if ((w << 1) >= 0) {
          p += 2;
        } else {
          int l = (int) ((w << 2) >>> 59);
          int sig = (int) ((w << 7) >>> 58);
          int tr = (sig == 0 ? 0 : 64 - sig) - l;
          if (tr < 0) {
            read = r;
            badWindow(l, sig);
            return o - off;
          }
          lead = l;
          trail = tr;
          p += 13;
        }
        int sig = 64 - lead - trail;
        vb ^= (peek64(d, p) >>> (64 - sig)) << trail;
        p += sig;
      }
      if (p > eb) {
        read = r;
        truncated();
        return o - off;
      }
      tt += dl;
      ts[o] = tt;
      values[o] = Double.longBitsToDouble(vb);
      o++;
      r++;
    }
    pos = p;
    t = tt;
    tDelta = dl;
    vbits = vb;
    leading = lead;
    trailing = trail;
    read = r;
    current = true;
    return o - off;
  }

  private boolean nextRare(int r) {
    if (r >= total) {
      current = false;
      return false;
    }
    return r == 0 ? readFirst() : readSecond();
  }

  /** Delta of delta in the 17, 20 or 64 bit bucket; {@code w} holds the bits at {@code p}. */
  private static long wideDod(byte[] d, long w, long p) {
    if ((w << 2) >= 0) {
      long b = (w << 3) >>> 47;
      return b > 65536 ? b - 131072 : b;
    }
    if ((w << 3) >= 0) {
      long b = (w << 4) >>> 44;
      return b > 524288 ? b - 1048576 : b;
    }
    return peek64(d, p + 4);
  }

  /**
   * Decodes one XOR-coded value at bit {@code p} into {@link #vbits}; returns the position after
   * it, or {@code Long.MAX_VALUE} (with the error set) when the window is impossible.
   */
  private long readValue(byte[] d, long p) {
    long w = peek64(d, p);
    return w >= 0 ? p + 1 : changedValue(d, w, p);
  }

  /** As {@link #readValue} for a changed value (control bit 1), whose bits at {@code p} are w. */
  private long changedValue(byte[] d, long w, long p) {
    int lead;
    int trail;
    if ((w << 1) >= 0) {
      lead = leading;
      trail = trailing;
      p += 2;
    } else {
      lead = (int) ((w << 2) >>> 59);
      int sig = (int) ((w << 7) >>> 58);
      trail = (sig == 0 ? 0 : 64 - sig) - lead;
      if (trail < 0) {
        return badWindow(lead, sig);
      }
      leading = lead;
      trailing = trail;
      p += 13;
    }
    int sig = 64 - lead - trail;
    vbits ^= (peek64(d, p) >>> (64 - sig)) << trail;
    return p + sig;
  }

  private long badWindow(int lead, int sig) {
    fail("value window of " + lead + " leading zeros and " + (sig == 0 ? 64 : sig)
        + " significant bits exceeds 64 bits");
    return Long.MAX_VALUE;
  }

  /** The 64 bits starting at bit {@code p}; needs 9 readable bytes from {@code p >>> 3}. */
  private static long peek64(byte[] d, long p) {
    int i = (int) (p >>> 3);
    int s = (int) p & 7;
    return (((long) LONG_BE.get(d, i)) << s) | ((d[i + 8] & 0xFFL) >>> (8 - s));
  }

  /**
   * Continues from a zero-padded copy of the array's last bytes, so that peeks near the array's
   * end stay inside an array. Bits past the chunk's end are never exposed: each sample is checked
   * against {@link #endBits}.
   */
  private long moveToTail(long p) {
    byte[] tl = tail;
    if (tl == null) {
      tl = new byte[4 * SAFE_TAIL + 16];
      tail = tl;
    } else {
      Arrays.fill(tl, (byte) 0);
    }
    int from = (int) (p >>> 3);
    int n = Math.max(0, data.length - from);
    System.arraycopy(data, from, tl, 0, n);
    long shift = (long) from << 3;
    data = tl;
    endBits -= shift;
    safeLimit = Long.MAX_VALUE;
    pos = p - shift;
    return pos;
  }

  private boolean truncated() {
    return fail("data ends inside the sample (chunk of " + (end - start) + " bytes)");
  }

  private boolean readFirst() {
    int p = (int) (pos >>> 3);
    long u = 0;
    for (int i = 0, shift = 0; ; i++, shift += 7) {
      if (p >= end) {
        return fail("data ends inside the first timestamp (chunk of " + (end - start) + " bytes)");
      }
      int b = data[p++] & 0xFF;
      if (i == 9 && b > 1) {
        return fail("first timestamp varint overflows 64 bits");
      }
      u |= (long) (b & 0x7F) << shift;
      if (b < 0x80) {
        break;
      }
    }
    if (end - p < 8) {
      return fail("data ends inside the first value (chunk of " + (end - start) + " bytes)");
    }
    t = Varints.unzigzag(u);
    vbits = (long) LONG_BE.get(data, p);
    pos = (long) (p + 8) << 3;
    read = 1;
    current = true;
    return true;
  }

  private boolean readSecond() {
    int bp = (int) (pos >>> 3);
    long u = 0;
    for (int i = 0, shift = 0; ; i++, shift += 7) {
      if (bp >= end) {
        return fail(
            "data ends inside the second timestamp (chunk of " + (end - start) + " bytes)");
      }
      int b = data[bp++] & 0xFF;
      if (i == 9 && b > 1) {
        return fail("second timestamp delta varint overflows 64 bits");
      }
      u |= (long) (b & 0x7F) << shift;
      if (b < 0x80) {
        break;
      }
    }
    long p = (long) bp << 3;
    if (p > safeLimit) {
      p = moveToTail(p);
    }
    p = readValue(data, p);
    if (p > endBits) {
      return p == Long.MAX_VALUE ? false : truncated();
    }
    pos = p;
    tDelta = u;
    t += u;
    read = 2;
    current = true;
    return true;
  }

  private boolean fail(String why) {
    error = "decode XOR chunk sample " + (read + 1) + " of " + total + ": " + why;
    total = read;
    current = false;
    return false;
  }

  /**
   * Advances to the first sample at or after {@code t}; stays put when the current sample already
   * qualifies (Prometheus {@code Seek}).
   */
  @Override
  public boolean seek(long t) {
    if (current && this.t >= t) {
      return true;
    }
    while (next()) {
      if (this.t >= t) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean hasCurrent() {
    return current;
  }

  @Override
  public long timestamp() {
    return t;
  }

  @Override
  public double value() {
    return Double.longBitsToDouble(vbits);
  }

  /** Raw bits of the current value (stale markers and NaN payloads intact). */
  public long valueBits() {
    return vbits;
  }

  @Override
  public @Nullable String error() {
    return error;
  }
}
