package dev.hypnos.core.chunk;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Builds an XOR chunk sample by sample, producing exactly the bytes that Prometheus's
 * {@code chunkenc.xorAppender} produces for the same samples (FORMATS.md §3.5).
 *
 * <p>Layout: a 2-byte big-endian sample count; sample 0 as a zigzag varint timestamp and the raw 64
 * bits of its value; sample 1 as an unsigned varint timestamp delta and an XOR-coded value; later
 * samples as a delta-of-delta bucket (prefix {@code 0}, {@code 10}+14 bits, {@code 110}+17,
 * {@code 1110}+20 or {@code 1111}+64) and an XOR-coded value. Bits are written MSB first.
 *
 * <p>Timestamps are not checked for order, as in Prometheus: equal timestamps occur in Thanos
 * downsampled counter chunks, and a decreasing one is encoded the way Go encodes it.
 *
 * <p>Byte-exactness detail: Prometheus's bit stream appends a whole zero byte when a full byte is
 * written at a byte boundary, so a chunk whose last write was a multiple of 8 bits ending on a byte
 * boundary (always the case for a single sample) carries one trailing zero byte. This encoder
 * reproduces that.
 *
 * <p>Concurrency: not thread-safe. Reusable through {@link #reset()}.
 */
public final class XorEncoder {
  /** The most samples one chunk can count in its 16-bit header. */
  public static final int MAX_SAMPLES = 0xFFFF;

  private static final VarHandle LONG_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final int NO_WINDOW = 0xFF;

  /** Whole 64-bit words written so far (the header's 16 bits are left zero here). */
  private byte[] buf;
  /** Bytes of {@link #buf} holding flushed words. */
  private int bytePos;
  /** Pending bits, the last {@link #accBits} of them valid (higher bits are ignored). */
  private long acc;
  private int accBits;
  private int count;
  private long prevT;
  private long prevBits;
  private long prevDelta;
  private int leading;
  private int trailing;
  /** Whether the last write of the last sample was whole bytes (see the class comment). */
  private boolean endsWithByteWrite;

  public XorEncoder() {
    this(128);
  }

  /** An encoder whose buffer starts with room for about {@code expectedBytes} bytes. */
  public XorEncoder(int expectedBytes) {
    buf = new byte[Math.max(expectedBytes, 16) + 16];
    reset();
  }

  /** Forgets all samples, keeping the buffer. */
  public void reset() {
    bytePos = 0;
    acc = 0;
    accBits = 16; // the sample count, filled in by bytes()
    count = 0;
    prevT = 0;
    prevBits = 0;
    prevDelta = 0;
    leading = NO_WINDOW;
    trailing = 0;
    endsWithByteWrite = false;
  }

  /**
   * Appends one sample.
   *
   * @throws IllegalStateException when the chunk already holds {@link #MAX_SAMPLES} samples
   */
  public void append(long t, double v) {
    long bits = Double.doubleToRawLongBits(v);
    int n = count;
    if (n >= 2) {
      long delta = t - prevT;
      long dod = delta - prevDelta;
      if (n == MAX_SAMPLES) {
        throw tooMany(t);
      }
      ensure();
      if (dod == 0) {
        writeBits(0, 1);
      } else if (dod >= -8191 && dod <= 8192) {
        writeBits((0b10L << 14) | (dod & 0x3FFF), 16);
      } else if (dod >= -65535 && dod <= 65536) {
        writeBits((0b110L << 17) | (dod & 0x1FFFF), 20);
      } else if (dod >= -524287 && dod <= 524288) {
        writeBits((0b1110L << 20) | (dod & 0xFFFFF), 24);
      } else {
        writeBits(0b1111L, 4);
        writeBits(dod, 64);
      }
      writeValue(bits);
      prevDelta = delta;
    } else if (n == 0) {
      ensure();
      writeVarintBytes(Varints.zigzag(t));
      writeBits(bits, 64);
      endsWithByteWrite = true;
    } else {
      long delta = t - prevT;
      ensure();
      writeVarintBytes(delta);
      writeValue(bits);
      prevDelta = delta;
    }
    prevT = t;
    prevBits = bits;
    count = n + 1;
  }

  private IllegalStateException tooMany(long t) {
    return new IllegalStateException(
        "append sample at t=" + t + " to XOR chunk: it already holds " + MAX_SAMPLES
            + " samples, the most its 16-bit count allows; cut a new chunk");
  }

  private void writeValue(long bits) {
    long x = bits ^ prevBits;
    if (x == 0) {
      writeBits(0, 1);
      endsWithByteWrite = false;
      return;
    }
    int lz = Long.numberOfLeadingZeros(x);
    int tz = Long.numberOfTrailingZeros(x);
    if (lz > 31) {
      lz = 31;
    }
    int sig;
    if (leading != NO_WINDOW && lz >= leading && tz >= trailing) {
      sig = 64 - leading - trailing;
      writeBits(0b10L, 2);
      writeBits(x >>> trailing, sig);
    } else {
      leading = lz;
      trailing = tz;
      sig = 64 - lz - tz;
      writeBits((0b11L << 11) | ((long) lz << 6) | (sig & 63), 13);
      writeBits(x >>> tz, sig);
    }
    endsWithByteWrite = (sig & 7) == 0;
  }

  private void writeVarintBytes(long u) {
    while ((u & ~0x7FL) != 0) {
      writeBits((u & 0x7F) | 0x80, 8);
      u >>>= 7;
    }
    writeBits(u, 8);
  }

  /** Makes room for the largest sample (under 200 bits, so at most four word flushes). */
  private void ensure() {
    int need = bytePos + 40;
    if (need > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(need, buf.length * 2));
    }
  }

  /**
   * Appends the low {@code n} bits of {@code v} (1..64; bits above {@code n} must be zero), MSB
   * first, flushing a 64-bit word when the accumulator fills.
   */
  private void writeBits(long v, int n) {
    int free = 64 - accBits;
    if (n < free) {
      acc = (acc << n) | v;
      accBits += n;
      return;
    }
    int rest = n - free;
    long word = accBits == 0 ? v : (acc << free) | (v >>> rest);
    LONG_BE.set(buf, bytePos, word);
    bytePos += 8;
    acc = v;
    accBits = rest;
  }

  /** Number of samples appended. */
  public int numSamples() {
    return count;
  }

  /** Size in bytes of the chunk as it stands, the 2-byte header included. */
  public int byteLength() {
    int len = bytePos + ((accBits + 7) >>> 3);
    if (endsWithByteWrite && (accBits & 7) == 0) {
      len++;
    }
    return len;
  }

  /** Timestamp of the last appended sample; undefined when empty. */
  public long lastTimestamp() {
    return prevT;
  }

  /** A copy of the chunk bytes as they stand (count header first; no encoding byte, no CRC). */
  public byte[] bytes() {
    byte[] out = Arrays.copyOf(buf, byteLength());
    long pending = accBits == 0 ? 0 : acc << (64 - accBits);
    int n = (accBits + 7) >>> 3;
    for (int i = 0; i < n; i++) {
      out[bytePos + i] = (byte) (pending >>> (56 - 8 * i));
    }
    if (bytePos + n < out.length) {
      out[bytePos + n] = 0; // the trailing zero byte; the buffer may hold an older chunk there
    }
    out[0] = (byte) (count >>> 8);
    out[1] = (byte) count;
    return out;
  }

  /** An immutable chunk of the samples appended so far; the encoder stays usable. */
  public XorChunk toChunk() {
    return XorChunk.wrap(bytes());
  }
}
