package dev.hypnos.storegateway.block;

import java.util.ArrayList;
import java.util.List;

/**
 * Groups byte ranges into parts fetched with one request each: ranges (sorted by start) are merged
 * while the gap between the end of one part and the start of the next range is at most {@code
 * maxGap} bytes (Thanos's default is 512 KiB). Overlapping ranges always merge. {@link
 * #partitionBounded} also bounds the bytes fetched for nothing by the bytes wanted.
 */
public record Partitioner(long maxGap) {
  public static final long DEFAULT_MAX_GAP = 512 * 1024;

  public Partitioner {
    if (maxGap < 0) {
      throw new IllegalArgumentException("maximum gap must not be negative, got " + maxGap);
    }
  }

  /** A merged range {@code [start, end)} covering items {@code [first, last)} of the input. */
  public record Part(long start, long end, int first, int last) {
    public long length() {
      return end - start;
    }
  }

  /**
   * Partitions {@code n} ranges {@code [starts[i], ends[i])}, which must be sorted by start.
   */
  public List<Part> partition(long[] starts, long[] ends, int n) {
    List<Part> parts = new ArrayList<>();
    int i = 0;
    while (i < n) {
      int first = i;
      long start = starts[i];
      long end = ends[i];
      i++;
      while (i < n) {
        if (starts[i] < starts[i - 1]) {
          throw new IllegalArgumentException("ranges must be sorted by start: " + starts[i - 1] + " then " + starts[i]);
        }
        if (starts[i] > end + maxGap) {
          break;
        }
        end = Math.max(end, ends[i]);
        i++;
      }
      parts.add(new Part(start, end, first, i));
    }
    return parts;
  }

  /**
   * Like {@link #partition}, but a gap is bridged only when it is no longer than the bytes the part
   * would then hold of its ranges (their union, the new range included): every part fetches at
   * most twice the bytes of its ranges, whatever the gap limit. Dense ranges (a whole family's
   * chunks, adjacent postings lists) still merge into one request; a few ranges far apart are
   * fetched alone instead of with everything between them.
   */
  public List<Part> partitionBounded(long[] starts, long[] ends, int n) {
    List<Part> parts = new ArrayList<>();
    int i = 0;
    while (i < n) {
      int first = i;
      long start = starts[i];
      long end = ends[i];
      long wanted = end - start;
      i++;
      while (i < n) {
        if (starts[i] < starts[i - 1]) {
          throw new IllegalArgumentException("ranges must be sorted by start: " + starts[i - 1] + " then " + starts[i]);
        }
        long gap = starts[i] - end;
        long add = ends[i] - Math.max(starts[i], end);
        if (gap > 0 && (gap > maxGap || gap > wanted + Math.max(0, add))) {
          break;
        }
        if (add > 0) {
          wanted += add;
          end = ends[i];
        }
        i++;
      }
      parts.add(new Part(start, end, first, i));
    }
    return parts;
  }
}
