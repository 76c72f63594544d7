package dev.hypnos.storegateway.block;

import dev.hypnos.core.block.RawChunk;
import java.util.Arrays;
import java.util.Objects;

/**
 * One chunk as read from a segment, not decoded: its encoding byte and its data, the bytes {@code
 * [offset, offset + length)} of {@code array}. The array is shared with the other chunks read in the
 * same request and must not be modified.
 *
 * <p>Concurrency: immutable (by convention for the array), safe to share.
 */
public record ChunkBytes(byte encoding, byte[] array, int offset, int length) {
  public ChunkBytes {
    Objects.requireNonNull(array, "array");
    Objects.checkFromIndexSize(offset, length, array.length);
  }

  /** A copy of the data as a {@link RawChunk}. */
  public RawChunk toRawChunk() {
    return new RawChunk(encoding, Arrays.copyOfRange(array, offset, offset + length));
  }
}
