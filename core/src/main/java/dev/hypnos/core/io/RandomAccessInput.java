package dev.hypnos.core.io;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Positional, read-only access to a sequence of bytes of fixed length (a file, an object, an
 * array).
 *
 * <p>Reads past the end throw {@link EOFException} naming the input, offset and length; they never
 * return short. Buffers returned by {@link #slice} are big-endian, read-only, and stay valid until
 * the input is closed.
 *
 * <p>Concurrency: implementations are safe for concurrent reads; {@link #close} must not race with
 * reads.
 */
public interface RandomAccessInput extends Closeable {
  /** A short human-readable name for error messages, such as the file path. */
  String name();

  /** Total number of bytes. */
  long length();

  /**
   * A view (or a copy) of {@code len} bytes starting at {@code offset}, positioned at 0 with limit
   * {@code len}.
   *
   * @throws EOFException when {@code [offset, offset+len)} does not lie within the input
   */
  ByteBuffer slice(long offset, int len) throws IOException;

  /** Reads exactly {@code len} bytes at {@code offset} into {@code dst[dstOff..]}. */
  default void readFully(long offset, byte[] dst, int dstOff, int len) throws IOException {
    slice(offset, len).get(dst, dstOff, len);
  }

  /** Checks that {@code [offset, offset+len)} lies within an input of {@code length} bytes. */
  static void checkRange(String name, long length, long offset, long len) throws EOFException {
    if (offset < 0 || len < 0 || offset > length - len) {
      throw new EOFException(
          "read " + len + " bytes at offset " + offset + " of " + name + ": beyond its end ("
              + length + " bytes)");
    }
  }
}
