package dev.hypnos.core.chunk;

import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An immutable view over the bytes of one XOR chunk as Prometheus stores them in a segment file or
 * sends them in {@code storepb.Chunk.data}: the 2-byte big-endian sample count and the bit stream,
 * without the encoding byte and without the CRC.
 *
 * <p>{@link #wrap(byte[], int, int)} does not copy: the caller promises never to modify the range
 * afterwards (it may be a slice of a larger buffer such as a whole segment file).
 *
 * <p>Concurrency: immutable, safe to share; each thread needs its own iterator.
 */
public final class XorChunk {
  private final byte[] array;
  private final int offset;
  private final int length;

  private XorChunk(byte[] array, int offset, int length) {
    this.array = array;
    this.offset = offset;
    this.length = length;
  }

  /**
   * Wraps {@code array[offset, offset + length)} without copying.
   *
   * @throws IllegalArgumentException when the range is shorter than the 2-byte header
   */
  public static XorChunk wrap(byte[] array, int offset, int length) {
    Objects.requireNonNull(array, "array");
    Objects.checkFromIndexSize(offset, length, array.length);
    if (length < 2) {
      throw new IllegalArgumentException(
          "wrap XOR chunk of " + length + " bytes: shorter than its 2-byte sample count");
    }
    return new XorChunk(array, offset, length);
  }

  /** Wraps all of {@code array} without copying. */
  public static XorChunk wrap(byte[] array) {
    return wrap(array, 0, array.length);
  }

  /** Wraps a private copy of {@code array[offset, offset + length)}. */
  public static XorChunk copyOf(byte[] array, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, array.length);
    return wrap(Arrays.copyOfRange(array, offset, offset + length));
  }

  /** The sample count from the header. */
  public int numSamples() {
    return ((array[offset] & 0xFF) << 8) | (array[offset + 1] & 0xFF);
  }

  /** A fresh copy of the chunk bytes. */
  public byte[] bytes() {
    return Arrays.copyOfRange(array, offset, offset + length);
  }

  /** The backing array, shared: read {@link #offset()}..{@link #length()} of it, never write. */
  public byte[] array() {
    return array;
  }

  public int offset() {
    return offset;
  }

  /** Size of the chunk in bytes, header included. */
  public int length() {
    return length;
  }

  /** An iterator over the samples, reusing {@code reuse} when given. */
  public XorIterator iterator(@Nullable XorIterator reuse) {
    XorIterator it = reuse != null ? reuse : new XorIterator();
    it.reset(array, offset, length);
    return it;
  }

  /** Same bytes (not the same backing array). */
  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof XorChunk c
        && Arrays.equals(array, offset, offset + length, c.array, c.offset, c.offset + c.length);
  }

  @Override
  public int hashCode() {
    int h = 1;
    for (int i = offset; i < offset + length; i++) {
      h = 31 * h + array[i];
    }
    return h;
  }

  @Override
  public String toString() {
    return "XorChunk{samples=" + numSamples() + ", bytes=" + length + "}";
  }
}
