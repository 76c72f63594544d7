package dev.hypnos.core.io;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * A cursor over a byte buffer that decodes the TSDB primitives: big-endian fixed-width integers,
 * Go {@code uvarint} (LEB128) and {@code varint} (zigzag LEB128), uvarint-length-prefixed UTF-8
 * strings, and CRC32C checksums.
 *
 * <p>Every read is bounds-checked: running past the limit throws {@link DecodeException} with the
 * absolute offset ({@code base + position}), never an index-out-of-bounds error. The wrapped buffer
 * is read with absolute gets, so its own position and limit are not changed.
 *
 * <p>Concurrency: not thread-safe; cheap to create, and reusable via {@link #reset}.
 */
public final class DecodeBuffer {
  private ByteBuffer buf;
  private long base;
  private int pos;
  private int limit;

  /** Wraps {@code buf[0..buf.limit())}; {@code base} is the absolute offset of index 0. */
  public DecodeBuffer(ByteBuffer buf, long base) {
    this.buf = buf;
    this.base = base;
    this.pos = 0;
    this.limit = buf.limit();
  }

  public DecodeBuffer(byte[] bytes) {
    this(ByteBuffer.wrap(bytes), 0);
  }

  /** Points this cursor at another buffer. */
  public DecodeBuffer reset(ByteBuffer buf, long base) {
    this.buf = buf;
    this.base = base;
    this.pos = 0;
    this.limit = buf.limit();
    return this;
  }

  /** Position relative to the start of the buffer. */
  public int position() {
    return pos;
  }

  /** Absolute offset of the current position. */
  public long offset() {
    return base + pos;
  }

  public DecodeBuffer position(int newPos) {
    if (newPos < 0 || newPos > limit) {
      throw new DecodeException("seek to " + newPos + " outside buffer of " + limit + " bytes", base + pos);
    }
    pos = newPos;
    return this;
  }

  public int limit() {
    return limit;
  }

  /** Restricts reads to {@code [0, newLimit)}; {@code newLimit} must not exceed the buffer. */
  public DecodeBuffer limit(int newLimit) {
    if (newLimit < 0 || newLimit > buf.limit()) {
      throw new DecodeException(
          "data ends at " + (base + buf.limit()) + ", needed up to " + (base + newLimit), base + pos);
    }
    limit = newLimit;
    if (pos > limit) {
      pos = limit;
    }
    return this;
  }

  public int remaining() {
    return limit - pos;
  }

  private void need(int n, String what) {
    if (n > limit - pos) {
      throw new DecodeException(
          "data ends after " + (limit - pos) + " bytes, reading " + what + " needs " + n, base + pos);
    }
  }

  public DecodeBuffer skip(int n) {
    if (n < 0) {
      throw new DecodeException("negative skip " + n, base + pos);
    }
    need(n, "skip");
    pos += n;
    return this;
  }

  public int u8() {
    need(1, "byte");
    return buf.get(pos++) & 0xFF;
  }

  public int be32() {
    need(4, "32-bit integer");
    int v = buf.getInt(pos);
    pos += 4;
    return v;
  }

  /** An unsigned 32-bit big-endian integer. */
  public long be32u() {
    return be32() & 0xFFFF_FFFFL;
  }

  public long be64() {
    need(8, "64-bit integer");
    long v = buf.getLong(pos);
    pos += 8;
    return v;
  }

  /** Go {@code binary.Uvarint}: at most 10 bytes, rejecting overflow of 64 bits. */
  public long uvarint() {
    long x = 0;
    int shift = 0;
    for (int i = 0; i < 10; i++) {
      if (pos >= limit) {
        throw new DecodeException("data ends inside a uvarint", base + pos);
      }
      int b = buf.get(pos++) & 0xFF;
      if (b < 0x80) {
        if (i == 9 && b > 1) {
          throw new DecodeException("uvarint overflows 64 bits", base + pos - 1);
        }
        return x | ((long) b << shift);
      }
      x |= (long) (b & 0x7F) << shift;
      shift += 7;
    }
    throw new DecodeException("uvarint overflows 64 bits", base + pos);
  }

  /** A uvarint that must fit in 32 unsigned bits, returned as a non-negative long. */
  public long uvarint32() {
    long start = base + pos;
    long v = uvarint();
    if ((v >>> 32) != 0) {
      throw new DecodeException("uvarint " + Long.toUnsignedString(v) + " exceeds 32 bits", start);
    }
    return v;
  }

  /** A uvarint that must fit in a non-negative int, for lengths and counts. */
  public int uvarintInt() {
    long start = base + pos;
    long v = uvarint();
    if (v < 0 || v > Integer.MAX_VALUE) {
      throw new DecodeException("length " + Long.toUnsignedString(v) + " is too large", start);
    }
    return (int) v;
  }

  /** Go {@code binary.Varint}: zigzag-encoded signed value. */
  public long varint() {
    long ux = uvarint();
    return (ux >>> 1) ^ -(ux & 1);
  }

  /** A uvarint length followed by that many UTF-8 bytes. */
  public String uvarintString() {
    int n = uvarintInt();
    need(n, "string of " + n + " bytes");
    String s = utf8(pos, n);
    pos += n;
    return s;
  }

  /** Skips a uvarint-prefixed byte string. */
  public void skipUvarintBytes() {
    int n = uvarintInt();
    skip(n);
  }

  private String utf8(int at, int n) {
    if (buf.hasArray()) {
      return new String(buf.array(), buf.arrayOffset() + at, n, StandardCharsets.UTF_8);
    }
    byte[] tmp = new byte[n];
    buf.get(at, tmp, 0, n);
    return new String(tmp, StandardCharsets.UTF_8);
  }

  /** Copies {@code n} bytes into a new array. */
  public byte[] bytes(int n) {
    need(n, n + " bytes");
    byte[] out = new byte[n];
    buf.get(pos, out, 0, n);
    pos += n;
    return out;
  }

  /** A read-only view of the next {@code n} bytes, advancing past them. */
  public ByteBuffer view(int n) {
    need(n, n + " bytes");
    ByteBuffer v = buf.slice(pos, n).asReadOnlyBuffer();
    pos += n;
    return v;
  }

  /** CRC32C of {@code [from, from+len)} (relative positions); does not move the cursor. */
  public int crc32c(int from, int len) {
    if (from < 0 || len < 0 || from > limit - len) {
      throw new DecodeException("checksum range [" + from + ", " + (from + len) + ") outside data of "
          + limit + " bytes", base + from);
    }
    return crc32c(buf, from, len);
  }

  /** CRC32C of {@code buf[from, from+len)} using absolute indexes. */
  public static int crc32c(ByteBuffer buf, int from, int len) {
    CRC32C crc = new CRC32C();
    crc.update(buf.slice(from, len));
    return (int) crc.getValue();
  }

  /** Formats a CRC as Prometheus tools print it. */
  public static String hex32(int v) {
    return String.format("0x%08x", v);
  }
}
