package dev.hypnos.storeapi;

import dev.hypnos.core.chunk.ChunkEncoding;
import dev.hypnos.core.chunk.XorChunk;
import dev.hypnos.core.util.XxHash64;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The encoded bytes of one chunk as the Store API carries them ({@code thanos.Chunk}): an
 * encoding, the raw chunkenc data (for XOR starting with the two-byte sample count; no encoding
 * byte, no CRC) and its xxhash64.
 *
 * <p>A view: {@code array[offset, offset + length)} is not copied, so the owner must not change
 * those bytes while the chunk is in use. Equality compares the bytes, not the array identity.
 *
 * @param encoding how {@code data} is encoded
 * @param array holds the data
 * @param offset where the data starts in {@code array}
 * @param length data length in bytes
 * @param hash xxhash64 (seed 0) of the data; 0 means "not computed"
 */
public record ChunkData(Encoding encoding, byte[] array, int offset, int length, long hash) {

  /**
   * Chunk encodings of the Store API. Their wire number is the chunkenc encoding byte minus one,
   * so XOR is 0 and is omitted on the wire.
   */
  public enum Encoding {
    XOR(ChunkEncoding.XOR),
    HISTOGRAM(ChunkEncoding.HISTOGRAM),
    FLOAT_HISTOGRAM(ChunkEncoding.FLOAT_HISTOGRAM);

    private static final Encoding[] VALUES = values();
    private final ChunkEncoding chunkEncoding;

    Encoding(ChunkEncoding chunkEncoding) {
      this.chunkEncoding = chunkEncoding;
    }

    /** The {@code thanos.Chunk.Encoding} number: chunkenc encoding minus one. */
    public int wireNumber() {
      return chunkEncoding.code() - 1;
    }

    /** The encoding as written in a chunk segment file. */
    public ChunkEncoding chunkEncoding() {
      return chunkEncoding;
    }

    /**
     * The Store API encoding for a {@code thanos.Chunk.Encoding} number.
     *
     * @throws StoreApiException INVALID_ARGUMENT for an unknown number
     */
    public static Encoding ofWireNumber(int number) {
      if (number < 0 || number >= VALUES.length) {
        throw StoreApiException.invalidArgument(
            "parse chunk encoding " + number + ": not a known Store API encoding (0 XOR, 1 histogram, 2 float histogram)");
      }
      return VALUES[number];
    }

    /**
     * The Store API encoding for a segment file encoding.
     *
     * @throws IllegalArgumentException for encodings the Store API cannot carry (e.g. XOR2, AGGR)
     */
    public static Encoding of(ChunkEncoding e) {
      return switch (e) {
        case XOR -> XOR;
        case HISTOGRAM -> HISTOGRAM;
        case FLOAT_HISTOGRAM -> FLOAT_HISTOGRAM;
        default -> throw new IllegalArgumentException(
            "map chunk encoding " + e + " to the Store API: only XOR, HISTOGRAM and FLOAT_HISTOGRAM are carried");
      };
    }
  }

  public ChunkData {
    Objects.requireNonNull(encoding, "encoding");
    Objects.requireNonNull(array, "array");
    Objects.checkFromIndexSize(offset, length, array.length);
  }

  /** A view of {@code array[offset, offset + length)} with its xxhash64 computed. */
  public static ChunkData hashed(Encoding encoding, byte[] array, int offset, int length) {
    return new ChunkData(encoding, array, offset, length, XxHash64.hash(array, offset, length));
  }

  /** A view of all of {@code array} with its xxhash64 computed. */
  public static ChunkData hashed(Encoding encoding, byte[] array) {
    return hashed(encoding, array, 0, array.length);
  }

  /** An XOR chunk's bytes (not copied) with their xxhash64. */
  public static ChunkData xor(XorChunk chunk) {
    return hashed(Encoding.XOR, chunk.array(), chunk.offset(), chunk.length());
  }

  /** A fresh copy of the data bytes. */
  public byte[] bytes() {
    return Arrays.copyOfRange(array, offset, offset + length);
  }

  /**
   * The data as an XOR chunk view.
   *
   * @throws IllegalStateException when the encoding is not XOR
   */
  public XorChunk asXor() {
    if (encoding != Encoding.XOR) {
      throw new IllegalStateException("read chunk as XOR: it is encoded as " + encoding);
    }
    return XorChunk.wrap(array, offset, length);
  }

  /** Whether {@link #hash} is set and equals the xxhash64 of the data. */
  public boolean hashMatches() {
    return hash != 0 && hash == XxHash64.hash(array, offset, length);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof ChunkData c
        && encoding == c.encoding
        && hash == c.hash
        && Arrays.equals(array, offset, offset + length, c.array, c.offset, c.offset + c.length);
  }

  @Override
  public int hashCode() {
    int h = encoding.hashCode() * 31 + Long.hashCode(hash);
    for (int i = offset; i < offset + length; i++) {
      h = h * 31 + array[i];
    }
    return h;
  }

  @Override
  public String toString() {
    return "ChunkData{" + encoding + ", " + length + " bytes, hash " + Long.toHexString(hash) + "}";
  }
}
