package dev.hypnos.storegateway;

import dev.hypnos.core.labels.Labels;
import dev.hypnos.storegateway.block.BucketBlock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Block choice for a Series call, as Thanos's {@code bucketBlockSet.getFor} (FORMATS.md §4):
 * blocks are grouped by external labels; within a group, resolutions are tried from coarse to fine
 * ({@code 1h, 5m, raw}), starting at the coarsest one not above {@code max_resolution_window}; the
 * blocks of that resolution overlapping the range are taken, and the gaps before, between and after
 * them are filled recursively from the next finer resolution. Block ranges are half-open {@code
 * [minTime, maxTime)}.
 */
final class BlockSets {
  static final long[] RESOLUTIONS = {3_600_000L, 300_000L, 0L};

  private BlockSets() {}

  static List<BucketBlock> getFor(Collection<BucketBlock> all, long mint, long maxt, long maxResolution) {
    Map<Labels, List<List<BucketBlock>>> groups = new TreeMap<>();
    for (BucketBlock b : all) {
      List<List<BucketBlock>> byRes = groups.computeIfAbsent(b.externalLabels(), k -> {
        List<List<BucketBlock>> l = new ArrayList<>();
        for (int i = 0; i < RESOLUTIONS.length; i++) {
          l.add(new ArrayList<>());
        }
        return l;
      });
      int r = resolutionIndex(b.meta().resolution());
      if (r >= 0) {
        byRes.get(r).add(b);
      }
    }
    Comparator<BucketBlock> byTime =
        Comparator.comparingLong((BucketBlock b) -> b.meta().minTime()).thenComparing(BucketBlock::id);
    List<BucketBlock> out = new ArrayList<>();
    for (List<List<BucketBlock>> byRes : groups.values()) {
      for (List<BucketBlock> l : byRes) {
        l.sort(byTime);
      }
      int i = 0;
      while (i < RESOLUTIONS.length && RESOLUTIONS[i] > maxResolution) {
        i++;
      }
      collect(byRes, i, mint, maxt, out);
    }
    // The recursion can reach a finer block twice (before and after a coarser one): keep the first.
    return List.copyOf(new LinkedHashSet<>(out));
  }

  private static int resolutionIndex(long res) {
    for (int i = 0; i < RESOLUTIONS.length; i++) {
      if (RESOLUTIONS[i] == res) {
        return i;
      }
    }
    return -1;
  }

  private static void collect(List<List<BucketBlock>> byRes, int i, long mint, long maxt, List<BucketBlock> out) {
    if (mint > maxt || i >= RESOLUTIONS.length) {
      return;
    }
    long start = mint;
    for (BucketBlock b : byRes.get(i)) {
      if (b.meta().maxTime() <= mint) {
        continue;
      }
      if (b.meta().minTime() > maxt) {
        break;
      }
      if (i + 1 < RESOLUTIONS.length) {
        collect(byRes, i + 1, start, b.meta().minTime() - 1, out);
      }
      out.add(b);
      start = b.meta().maxTime();
    }
    if (i + 1 < RESOLUTIONS.length) {
      collect(byRes, i + 1, start, maxt, out);
    }
  }
}
