package dev.hypnos.core.util;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * XXH64 (xxHash, 64-bit variant) with seed 0 over a byte range, as computed by Go's
 * {@code cespare/xxhash/v2}. Thanos uses it for {@code storepb.Chunk.hash} and for the shard hash of
 * a series' labels.
 *
 * <p>Concurrency: stateless, thread-safe.
 */
public final class XxHash64 {
  private static final long PRIME1 = 0x9E3779B185EBCA87L;
  private static final long PRIME2 = 0xC2B2AE3D27D4EB4FL;
  private static final long PRIME3 = 0x165667B19E3779F9L;
  private static final long PRIME4 = 0x85EBCA77C2B2AE63L;
  private static final long PRIME5 = 0x27D4EB2F165667C5L;

  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private XxHash64() {}

  /** XXH64 with seed 0 of all of {@code data}. */
  public static long hash(byte[] data) {
    return hash(data, 0, data.length);
  }

  /** XXH64 with seed 0 of {@code data[offset, offset + length)}. */
  public static long hash(byte[] data, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, data.length);
    int p = offset;
    int end = offset + length;
    long h;
    if (length >= 32) {
      long v1 = PRIME1 + PRIME2;
      long v2 = PRIME2;
      long v3 = 0;
      long v4 = -PRIME1;
      int stripesEnd = end - 32;
      while (p <= stripesEnd) {
        v1 = round(v1, (long) LONG_LE.get(data, p));
        v2 = round(v2, (long) LONG_LE.get(data, p + 8));
        v3 = round(v3, (long) LONG_LE.get(data, p + 16));
        v4 = round(v4, (long) LONG_LE.get(data, p + 24));
        p += 32;
      }
      h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12)
          + Long.rotateLeft(v4, 18);
      h = merge(h, v1);
      h = merge(h, v2);
      h = merge(h, v3);
      h = merge(h, v4);
    } else {
      h = PRIME5;
    }
    h += length;
    while (p + 8 <= end) {
      h ^= round(0, (long) LONG_LE.get(data, p));
      h = Long.rotateLeft(h, 27) * PRIME1 + PRIME4;
      p += 8;
    }
    if (p + 4 <= end) {
      h ^= ((int) INT_LE.get(data, p) & 0xFFFFFFFFL) * PRIME1;
      h = Long.rotateLeft(h, 23) * PRIME2 + PRIME3;
      p += 4;
    }
    while (p < end) {
      h ^= (data[p] & 0xFFL) * PRIME5;
      h = Long.rotateLeft(h, 11) * PRIME1;
      p++;
    }
    h ^= h >>> 33;
    h *= PRIME2;
    h ^= h >>> 29;
    h *= PRIME3;
    h ^= h >>> 32;
    return h;
  }

  private static long round(long acc, long lane) {
    acc += lane * PRIME2;
    acc = Long.rotateLeft(acc, 31);
    return acc * PRIME1;
  }

  private static long merge(long h, long v) {
    h ^= round(0, v);
    return h * PRIME1 + PRIME4;
  }
}
