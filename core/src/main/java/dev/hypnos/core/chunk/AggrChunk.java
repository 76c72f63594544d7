package dev.hypnos.core.chunk;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A Thanos downsampled chunk (encoding byte {@code 0xFF}, FORMATS.md §4): five entries, one per
 * {@link AggrType} in order count, sum, min, max, counter. Each entry is an unsigned varint length
 * {@code L}, then, when {@code L > 0}, one encoding byte and {@code L} data bytes; {@code L = 0}
 * marks an absent aggregate. Float series carry five XOR chunks; native-histogram series carry an
 * XOR count, float-histogram sum and counter, and no min or max.
 *
 * <p>Parsing does not copy: entries are views into the parsed array.
 *
 * <p>Concurrency: immutable, safe to share.
 */
public final class AggrChunk {
  /** One present aggregate: its encoding and where its data lies. */
  public record Entry(ChunkEncoding encoding, byte[] array, int offset, int length) {
    public Entry {
      Objects.requireNonNull(encoding, "encoding");
      Objects.requireNonNull(array, "array");
      Objects.checkFromIndexSize(offset, length, array.length);
    }

    /** A fresh copy of the entry's data bytes (without the encoding byte). */
    public byte[] bytes() {
      return Arrays.copyOfRange(array, offset, offset + length);
    }

    /**
     * The data as an XOR chunk view.
     *
     * @throws IllegalStateException when the entry is not XOR-encoded
     */
    public XorChunk asXor() {
      if (encoding != ChunkEncoding.XOR) {
        throw new IllegalStateException(
            "read aggregate as XOR chunk: it is encoded as " + encoding);
      }
      return XorChunk.wrap(array, offset, length);
    }

    /** Same encoding and bytes. */
    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Entry e
          && encoding == e.encoding
          && Arrays.equals(array, offset, offset + length, e.array, e.offset, e.offset + e.length);
    }

    @Override
    public int hashCode() {
      return encoding.hashCode() * 31 + Arrays.hashCode(bytes());
    }

    @Override
    public String toString() {
      return "Entry{" + encoding + ", " + length + " bytes}";
    }
  }

  private final @Nullable Entry[] entries;

  private AggrChunk(@Nullable Entry[] entries) {
    this.entries = entries;
  }

  /**
   * Parses the data of an aggregate chunk (what follows the {@code 0xFF} encoding byte).
   *
   * @throws IllegalArgumentException on truncated or malformed data, or trailing bytes
   */
  public static AggrChunk parse(byte[] data, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, data.length);
    int end = offset + length;
    int p = offset;
    @Nullable Entry[] entries = new Entry[5];
    for (int i = 0; i < 5; i++) {
      long len = 0;
      for (int shift = 0; ; shift += 7) {
        if (p >= end) {
          throw malformed(i, "data ends inside its length", length);
        }
        if (shift > 28) {
          throw malformed(i, "length varint is longer than 5 bytes", length);
        }
        int b = data[p++] & 0xFF;
        len |= (long) (b & 0x7F) << shift;
        if (b < 0x80) {
          break;
        }
      }
      if (len == 0) {
        continue;
      }
      if (len > end - p - 1) {
        throw malformed(i, "entry of " + len + " bytes runs past the end", length);
      }
      ChunkEncoding enc;
      try {
        enc = ChunkEncoding.fromByte(data[p]);
      } catch (IllegalArgumentException e) {
        throw malformed(i, e.getMessage(), length);
      }
      entries[i] = new Entry(enc, data, p + 1, (int) len);
      p += 1 + (int) len;
    }
    if (p != end) {
      throw new IllegalArgumentException(
          "parse aggregate chunk of " + length + " bytes: " + (end - p)
              + " bytes left after the five entries");
    }
    return new AggrChunk(entries);
  }

  /** Parses all of {@code data}. */
  public static AggrChunk parse(byte[] data) {
    return parse(data, 0, data.length);
  }

  private static IllegalArgumentException malformed(int index, String why, int length) {
    return new IllegalArgumentException(
        "parse aggregate chunk of " + length + " bytes, entry "
            + AggrType.ofIndex(index).name().toLowerCase(java.util.Locale.ROOT) + ": " + why);
  }

  /** The entry for {@code type}, or null when the aggregate is absent. */
  public @Nullable Entry entry(AggrType type) {
    return entries[type.index()];
  }

  /**
   * The XOR chunk for {@code type}, or null when absent.
   *
   * @throws IllegalStateException when present with another encoding
   */
  public @Nullable XorChunk xor(AggrType type) {
    Entry e = entries[type.index()];
    return e == null ? null : e.asXor();
  }

  /** Encodes five XOR aggregates (any may be null for absent) in {@link AggrType} order. */
  public static byte[] encodeXor(
      @Nullable XorChunk count,
      @Nullable XorChunk sum,
      @Nullable XorChunk min,
      @Nullable XorChunk max,
      @Nullable XorChunk counter) {
    return encode(xorEntry(count), xorEntry(sum), xorEntry(min), xorEntry(max), xorEntry(counter));
  }

  private static @Nullable Entry xorEntry(@Nullable XorChunk c) {
    return c == null ? null : new Entry(ChunkEncoding.XOR, c.array(), c.offset(), c.length());
  }

  /**
   * Encodes five entries (any may be null for absent) in {@link AggrType} order.
   *
   * @throws IllegalArgumentException when a present entry has no data (it would read as absent)
   */
  public static byte[] encode(
      @Nullable Entry count,
      @Nullable Entry sum,
      @Nullable Entry min,
      @Nullable Entry max,
      @Nullable Entry counter) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    byte[] varint = new byte[10];
    @Nullable Entry[] all = {count, sum, min, max, counter};
    for (int i = 0; i < 5; i++) {
      Entry e = all[i];
      if (e == null) {
        out.write(0);
        continue;
      }
      if (e.length() == 0) {
        throw new IllegalArgumentException(
            "encode aggregate chunk entry " + AggrType.ofIndex(i) + ": empty data");
      }
      int n = Varints.putUvarint(varint, 0, e.length());
      out.write(varint, 0, n);
      out.write(e.encoding().code());
      out.write(e.array(), e.offset(), e.length());
    }
    return out.toByteArray();
  }

  @Override
  public String toString() {
    return "AggrChunk" + Arrays.toString(entries);
  }
}
