package dev.hypnos.core.index;

import dev.hypnos.core.io.DecodeBuffer;
import dev.hypnos.core.io.DecodeException;
import dev.hypnos.core.labels.Labels;
import java.nio.ByteBuffer;

/**
 * The symbol table of an index: sorted, unique strings referenced by their sequential position.
 * Holds the section bytes (a view of the file) and one 4-byte offset per symbol; strings are
 * decoded on each lookup.
 *
 * <p>Concurrency: immutable, safe to share.
 */
public final class Symbols {
  private final ByteBuffer data;
  private final long dataOffset;
  private final int[] offsets;
  private final String block;
  private final String file;

  private Symbols(ByteBuffer data, long dataOffset, int[] offsets, String block, String file) {
    this.data = data;
    this.dataOffset = dataOffset;
    this.offsets = offsets;
    this.block = block;
    this.file = file;
  }

  static Symbols empty(String block, String file) {
    return new Symbols(ByteBuffer.allocate(0), 0, new int[0], block, file);
  }

  /**
   * Indexes a CRC-verified symbol section body ({@code #symbols <4B>} then the strings).
   *
   * @param dataOffset absolute file offset of {@code body}'s first byte, for error messages
   */
  static Symbols read(ByteBuffer body, long dataOffset, String block, String file) throws CorruptBlockException {
    try {
      DecodeBuffer b = new DecodeBuffer(body, dataOffset);
      long count = b.be32u();
      if (count > b.remaining()) {
        throw new CorruptBlockException(block, file, dataOffset, "malformed symbol table",
            "claims " + count + " symbols in " + b.remaining() + " bytes");
      }
      int[] offsets = new int[(int) count];
      for (int i = 0; i < count; i++) {
        offsets[i] = b.position();
        b.skipUvarintBytes();
      }
      return new Symbols(body, dataOffset, offsets, block, file);
    } catch (DecodeException e) {
      throw new CorruptBlockException(block, file, e.offset(), "malformed symbol table", String.valueOf(e.getMessage()), e);
    }
  }

  public int size() {
    return offsets.length;
  }

  /** The symbol with sequential reference {@code ref}. */
  public String lookup(long ref) throws CorruptBlockException {
    if (ref < 0 || ref >= offsets.length) {
      throw new CorruptBlockException(block, file, dataOffset - 4, "unknown symbol reference",
          "reference " + ref + ", the table has " + offsets.length + " symbols");
    }
    try {
      return new DecodeBuffer(data, dataOffset).position(offsets[(int) ref]).uvarintString();
    } catch (DecodeException e) {
      throw new CorruptBlockException(block, file, e.offset(), "malformed symbol " + ref, String.valueOf(e.getMessage()), e);
    }
  }

  /** The reference of {@code symbol} (binary search in Go byte order), or -1 when absent. */
  public long reverseLookup(String symbol) throws CorruptBlockException {
    int lo = 0;
    int hi = offsets.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Labels.compareStrings(lookup(mid), symbol);
      if (c == 0) {
        return mid;
      }
      if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return -1;
  }
}
