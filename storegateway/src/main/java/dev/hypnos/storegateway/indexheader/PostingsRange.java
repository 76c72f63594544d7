package dev.hypnos.storegateway.indexheader;

import java.util.Objects;

/**
 * Where the postings list of one label pair lies in the block's original {@code index} file:
 * {@code [start, end)}, start being the list's {@code len} field and end the start of the next
 * list (or the postings offset table for the last one). The range covers the list's CRC and may
 * cover padding or deprecated sections after it; the list's own length field says where it ends.
 */
public record PostingsRange(String name, String value, long start, long end) {
  public PostingsRange {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    if (start < 0 || end < start) {
      throw new IllegalArgumentException("bad postings range [" + start + ", " + end + ") for " + name + "=" + value);
    }
  }

  public long length() {
    return end - start;
  }
}
