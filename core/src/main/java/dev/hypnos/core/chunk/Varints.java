package dev.hypnos.core.chunk;

/** Go {@code encoding/binary} varints, as used inside chunk data. */
final class Varints {
  private Varints() {}

  /** Zigzag as in Go's {@code binary.PutVarint}. */
  static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  static long unzigzag(long u) {
    return (u >>> 1) ^ -(u & 1);
  }

  /** Number of bytes of {@code v} as an unsigned varint (1..10). */
  static int uvarintSize(long v) {
    int n = 1;
    while ((v & ~0x7FL) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  /** Writes {@code v} as an unsigned varint at {@code p}; returns the position after it. */
  static int putUvarint(byte[] b, int p, long v) {
    while ((v & ~0x7FL) != 0) {
      b[p++] = (byte) (v | 0x80);
      v >>>= 7;
    }
    b[p++] = (byte) v;
    return p;
  }
}
