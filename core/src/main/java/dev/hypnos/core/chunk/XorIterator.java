package dev.hypnos.core.chunk;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Decodes an XOR chunk (FORMATS.md §3.5) sample by sample. One instance can decode any number of
 * chunks through {@link #reset(byte[], int, int)}; decoding allocates nothing.
 *
 * <p>Bits are read from a 64-bit window refilled eight bytes at a time. The window may be filled
 * from bytes past the chunk's end (still inside the array, or zeros past the array); every sample
 * is checked against the chunk's end before it is exposed, so truncated data ends iteration with
 * {@link #error()} set rather than yielding a made-up sample.
 *
 * <p>Corrupt data: iteration stops with {@link #error()} set when the data is truncated, a varint
 * overflows, or a value window is impossible. Bits that merely decode to odd values cannot be told
 * from real ones, as in Prometheus. Iteration always ends after at most the header's sample count.
 *
 * <p>{@link #timestamp()} and {@link #value()} are meaningful only while {@link #hasCurrent()}.
 *
 * <p>Concurrency: not thread-safe.
 */
public final class XorIterator implements ChunkIterator {
  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final byte[] EMPTY = new byte[0];

  private byte[] data = EMPTY;
  /** Start and end (exclusive) of the chunk in {@link #data}. */
  private int start;
  private int end;
  /** Last index at which an 8-byte load stays inside the array. */
  private int fastLimit;

  /** Next byte to load into the window. */
  private int bp;
  /** Bit window, next bit at the top; bits below {@link #avail} are zero or the right bits. */
  private long win;
  private int avail;

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
    this.fastLimit = data.length - 8;
    this.bp = offset + 2;
    this.win = 0;
    this.avail = 0;
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
    int r = read;
    if (r >= total) {
      current = false;
      return false;
    }
    if (r < 2) {
      return r == 0 ? readFirst() : readSecond();
    }
    if (avail < 57) {
      refill();
    }
    long w = win;
    long dod;
    if (w >= 0) {
      win = w << 1;
      avail -= 1;
      dod = 0;
    } else {
      int ones = Long.numberOfLeadingZeros(~w);
      if (ones == 1) {
        long b = (w << 2) >>> 50;
        dod = b > 8192 ? b - 16384 : b;
        win = w << 16;
        avail -= 16;
      } else if (ones == 2) {
        long b = (w << 3) >>> 47;
        dod = b > 65536 ? b - 131072 : b;
        win = w << 20;
        avail -= 20;
      } else if (ones == 3) {
        long b = (w << 4) >>> 44;
        dod = b > 524288 ? b - 1048576 : b;
        win = w << 24;
        avail -= 24;
      } else {
        win = w << 4;
        avail -= 4;
        dod = readWide(64);
      }
    }
    long delta = tDelta + dod;
    if (!readValue()) {
      return false;
    }
    tDelta = delta;
    t += delta;
    read = r + 1;
    current = true;
    return true;
  }

  /** Decodes one XOR-coded value into {@link #vbits}; false (with the error set) when corrupt. */
  private boolean readValue() {
    if (avail < 13) {
      refill();
    }
    long w = win;
    if (w >= 0) {
      win = w << 1;
      avail -= 1;
      return checkInside();
    }
    int lead;
    int trail;
    if ((w << 1) >= 0) {
      lead = leading;
      trail = trailing;
      win = w << 2;
      avail -= 2;
    } else {
      lead = (int) ((w << 2) >>> 59);
      int sig = (int) ((w << 7) >>> 58);
      if (sig == 0) {
        sig = 64;
      }
      trail = 64 - lead - sig;
      if (trail < 0) {
        return fail(
            "value window of " + lead + " leading zeros and " + sig
                + " significant bits exceeds 64 bits");
      }
      leading = lead;
      trailing = trail;
      win = w << 13;
      avail -= 13;
    }
    int sig = 64 - lead - trail;
    long bits;
    if (sig <= 56) {
      if (avail < sig) {
        refill();
      }
      bits = win >>> (64 - sig);
      win <<= sig;
      avail -= sig;
    } else {
      bits = readWide(sig);
    }
    if (!checkInside()) {
      return false;
    }
    vbits ^= bits << trail;
    return true;
  }

  /** Reads 57..64 bits as two parts. */
  private long readWide(int n) {
    long hi = readSmall(n - 32);
    return (hi << 32) | readSmall(32);
  }

  /** Reads 1..56 bits. */
  private long readSmall(int n) {
    if (avail < n) {
      refill();
    }
    long v = win >>> (64 - n);
    win <<= n;
    avail -= n;
    return v;
  }

  /** Tops the window up to at least 57 bits; precondition: {@code avail <= 56}. */
  private void refill() {
    int p = bp;
    int a = avail;
    if (p <= fastLimit) {
      win |= ((long) LONG_BE.get(data, p)) >>> a;
      int k = (64 - a) >>> 3;
      bp = p + k;
      avail = a + (k << 3);
    } else {
      refillSlow(p, a);
    }
  }

  private void refillSlow(int p, int a) {
    long w = win;
    byte[] d = data;
    while (a <= 56) {
      long b = p < d.length ? d[p] & 0xFFL : 0L;
      w |= b << (56 - a);
      p++;
      a += 8;
    }
    win = w;
    bp = p;
    avail = a;
  }

  /** False (with the error set) when the bits consumed so far run past the chunk's end. */
  private boolean checkInside() {
    if (((long) bp << 3) - avail > ((long) end << 3)) {
      return fail("data ends inside the sample (chunk of " + (end - start) + " bytes)");
    }
    return true;
  }

  private boolean readFirst() {
    int p = bp;
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
    bp = p + 8;
    read = 1;
    current = true;
    return true;
  }

  private boolean readSecond() {
    int p = bp;
    long u = 0;
    for (int i = 0, shift = 0; ; i++, shift += 7) {
      if (p >= end) {
        return fail(
            "data ends inside the second timestamp (chunk of " + (end - start) + " bytes)");
      }
      int b = data[p++] & 0xFF;
      if (i == 9 && b > 1) {
        return fail("second timestamp delta varint overflows 64 bits");
      }
      u |= (long) (b & 0x7F) << shift;
      if (b < 0x80) {
        break;
      }
    }
    bp = p;
    if (!readValue()) {
      return false;
    }
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
