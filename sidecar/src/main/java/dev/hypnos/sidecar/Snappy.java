package dev.hypnos.sidecar;

import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * The snappy block format (not the framed one), as Prometheus remote read uses it for request and
 * SAMPLES response bodies. Compression writes literals only: a valid snappy stream that any
 * decoder reads, traded for ratio, which is irrelevant for small read requests.
 */
final class Snappy {
  private static final int MAX_LITERAL = 1 << 16;

  private Snappy() {}

  /** {@code data} as a snappy block: uvarint length, then literal elements. */
  static byte[] compress(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + data.length / 60 + 16);
    writeUvarint(out, data.length);
    for (int pos = 0; pos < data.length; ) {
      int n = Math.min(MAX_LITERAL, data.length - pos);
      int m = n - 1;
      if (m < 60) {
        out.write(m << 2);
      } else if (m < 1 << 8) {
        out.write(60 << 2);
        out.write(m);
      } else {
        out.write(61 << 2);
        out.write(m & 0xFF);
        out.write(m >>> 8);
      }
      out.write(data, pos, n);
      pos += n;
    }
    return out.toByteArray();
  }

  /**
   * Decodes a snappy block.
   *
   * @throws IOException when the block is malformed or larger than {@code maxLength}
   */
  static byte[] decompress(byte[] in, int maxLength) throws IOException {
    int pos = 0;
    long len = 0;
    int shift = 0;
    while (true) {
      if (pos >= in.length || shift > 35) {
        throw new IOException("decode snappy block: bad length header");
      }
      int b = in[pos++] & 0xFF;
      len |= (long) (b & 0x7F) << shift;
      if (b < 0x80) {
        break;
      }
      shift += 7;
    }
    if (len > maxLength) {
      throw new IOException("decode snappy block: decoded length " + len + " exceeds the limit " + maxLength);
    }
    byte[] out = new byte[(int) len];
    int o = 0;
    while (pos < in.length) {
      int tag = in[pos++] & 0xFF;
      int offset;
      int n;
      switch (tag & 3) {
        case 0 -> {
          int m = tag >>> 2;
          if (m >= 60) {
            int bytes = m - 59;
            if (pos + bytes > in.length) {
              throw new IOException("decode snappy block: truncated literal length at " + pos);
            }
            m = 0;
            for (int i = 0; i < bytes; i++) {
              m |= (in[pos++] & 0xFF) << (8 * i);
            }
          }
          n = m + 1;
          if (n <= 0 || pos + n > in.length || o + n > out.length) {
            throw new IOException("decode snappy block: literal of " + n + " bytes overruns at " + pos);
          }
          System.arraycopy(in, pos, out, o, n);
          pos += n;
          o += n;
          continue;
        }
        case 1 -> {
          if (pos >= in.length) {
            throw new IOException("decode snappy block: truncated copy at " + pos);
          }
          n = 4 + ((tag >>> 2) & 7);
          offset = ((tag >>> 5) << 8) | (in[pos++] & 0xFF);
        }
        case 2 -> {
          if (pos + 2 > in.length) {
            throw new IOException("decode snappy block: truncated copy at " + pos);
          }
          n = 1 + (tag >>> 2);
          offset = (in[pos] & 0xFF) | (in[pos + 1] & 0xFF) << 8;
          pos += 2;
        }
        default -> {
          if (pos + 4 > in.length) {
            throw new IOException("decode snappy block: truncated copy at " + pos);
          }
          n = 1 + (tag >>> 2);
          offset = (in[pos] & 0xFF) | (in[pos + 1] & 0xFF) << 8 | (in[pos + 2] & 0xFF) << 16 | (in[pos + 3] & 0xFF) << 24;
          pos += 4;
        }
      }
      if (offset <= 0 || offset > o || o + n > out.length) {
        throw new IOException("decode snappy block: copy of " + n + " bytes at offset " + offset + " is out of range at output " + o);
      }
      for (int i = 0; i < n; i++) {
        out[o + i] = out[o - offset + i];
      }
      o += n;
    }
    if (o != out.length) {
      throw new IOException("decode snappy block: decoded " + o + " bytes, header says " + out.length);
    }
    return out;
  }

  private static void writeUvarint(ByteArrayOutputStream out, long v) {
    while (v >= 0x80) {
      out.write((int) (v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.write((int) v);
  }
}
