package dev.hypnos.core.index;

import java.io.IOException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A block file holds bytes that do not match its format: bad magic, unsupported version, checksum
 * mismatch, truncation, impossible values. The message names the block (its id, or its directory
 * when the id is unknown), the file within the block, the offset, and what was expected versus
 * found, for example {@code CRC mismatch in block 01H.../index at offset 1234: expected crc32c
 * 0x1a2b3c4d, got 0x00000000}.
 */
public final class CorruptBlockException extends IOException {
  private final String block;
  private final String file;
  private final long offset;

  /**
   * @param block block id or directory
   * @param file file name relative to the block, such as {@code index} or {@code chunks/000001}
   * @param offset byte offset within that file where the problem was found
   * @param problem what is wrong, as a short phrase ("CRC mismatch", "bad magic")
   * @param detail expected versus actual, or other detail; may be empty
   */
  public CorruptBlockException(String block, String file, long offset, String problem, String detail) {
    this(block, file, offset, problem, detail, null);
  }

  public CorruptBlockException(
      String block, String file, long offset, String problem, String detail, @Nullable Throwable cause) {
    super(format(block, file, offset, problem, detail), cause);
    this.block = Objects.requireNonNull(block, "block");
    this.file = Objects.requireNonNull(file, "file");
    this.offset = offset;
  }

  private static String format(String block, String file, long offset, String problem, String detail) {
    StringBuilder sb = new StringBuilder(problem).append(" in block ").append(block).append('/').append(file)
        .append(" at offset ").append(offset);
    if (!detail.isEmpty()) {
      sb.append(": ").append(detail);
    }
    return sb.toString();
  }

  /** A checksum mismatch. */
  public static CorruptBlockException crcMismatch(
      String block, String file, long offset, String what, int expected, int actual) {
    return new CorruptBlockException(block, file, offset, "CRC mismatch",
        what + ": expected crc32c " + String.format("0x%08x", expected) + ", got " + String.format("0x%08x", actual));
  }

  public String block() {
    return block;
  }

  public String file() {
    return file;
  }

  public long offset() {
    return offset;
  }
}
