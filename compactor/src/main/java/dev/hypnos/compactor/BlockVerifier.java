package dev.hypnos.compactor;

import dev.hypnos.core.block.BlockReader;
import dev.hypnos.core.index.CorruptBlockException;
import dev.hypnos.core.labels.Labels;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Index checks run on a downloaded block before it is compacted, after Thanos's index health
 * statistics: every series entry is read (so its checksum is checked), series must come in strictly
 * increasing label order, and within a series each chunk must start after the previous one ended.
 * Chunks that only repeat the previous chunk's exact time range count as duplicates, which a merge
 * handles, not as out of order.
 */
public final class BlockVerifier {
  /**
   * What is wrong with a block.
   *
   * @param reason the no-compact mark reason ({@link Marks#REASON_OUT_OF_ORDER_CHUNKS} or {@link
   *     Marks#REASON_CORRUPTED})
   * @param details a sentence for people: which series, which chunks, which file and offset
   */
  public record Problem(String reason, String details) {}

  private BlockVerifier() {}

  /** Checks a block's index; null when healthy. Read errors that are not corruption are thrown. */
  public static @Nullable Problem check(BlockReader block) throws IOException {
    long[] outOfOrder = {0, 0};
    @Nullable String[] first = {null};
    @Nullable Labels[] previous = {null};
    @Nullable String[] unsorted = {null};
    try {
      block.forEachSeries((ref, s) -> {
        Labels l = s.labels();
        Labels p = previous[0];
        if (p != null && p.compareTo(l) >= 0) {
          unsorted[0] = "series " + l + " follows " + p + " in the index of block " + block.id()
              + "; series must be sorted by labels";
          return false;
        }
        previous[0] = l;
        int ooo = 0;
        for (int i = 1; i < s.chunkCount(); i++) {
          long min = s.chunkMinTime(i);
          long prevMin = s.chunkMinTime(i - 1);
          long prevMax = s.chunkMaxTime(i - 1);
          if (min > prevMax || (min == prevMin && s.chunkMaxTime(i) == prevMax)) {
            continue;
          }
          if (first[0] == null) {
            first[0] = "series " + l + ": chunk " + i + " [" + min + ", " + s.chunkMaxTime(i)
                + "] starts before chunk " + (i - 1) + " [" + prevMin + ", " + prevMax + "] ends";
          }
          ooo++;
        }
        if (ooo > 0) {
          outOfOrder[0]++;
          outOfOrder[1] += ooo;
        }
        return true;
      });
    } catch (CorruptBlockException e) {
      return new Problem(Marks.REASON_CORRUPTED, e.getMessage());
    }
    if (unsorted[0] != null) {
      return new Problem(Marks.REASON_CORRUPTED, unsorted[0]);
    }
    if (outOfOrder[0] > 0) {
      return new Problem(Marks.REASON_OUT_OF_ORDER_CHUNKS, outOfOrder[0] + " series of block " + block.id()
          + " have " + outOfOrder[1] + " out-of-order chunks, the first: " + first[0]);
    }
    return null;
  }
}
