package dev.hypnos.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;

/** A {@link RandomAccessInput} over a byte array, which is not copied. */
public final class ByteArrayInput implements RandomAccessInput {
  private final String name;
  private final byte[] bytes;

  public ByteArrayInput(String name, byte[] bytes) {
    this.name = Objects.requireNonNull(name, "name");
    this.bytes = Objects.requireNonNull(bytes, "bytes");
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long length() {
    return bytes.length;
  }

  @Override
  public ByteBuffer slice(long offset, int len) throws IOException {
    RandomAccessInput.checkRange(name, bytes.length, offset, len);
    return ByteBuffer.wrap(bytes, (int) offset, len).slice().asReadOnlyBuffer();
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return name;
  }
}
