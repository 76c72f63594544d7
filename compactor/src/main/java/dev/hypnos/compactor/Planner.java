package dev.hypnos.compactor;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Chooses the blocks of one group to compact next, as Thanos's default ({@code tsdbBasedPlanner}):
 *
 * <ol>
 *   <li>Overlapping blocks (no-compact-marked ones left out) are compacted first, all of the first
 *       overlapping run.
 *   <li>Otherwise the newest block (highest minTime) is left out, and for each range after the
 *       first (8h, 2d, 14d by default) the blocks are split into runs lying inside ranges aligned to
 *       its size; the first run of at least two blocks that spans the whole range, or ends before
 *       the newest block's start, is chosen. No-compact-marked blocks cut the run: the first part
 *       of two or more blocks around them is chosen. Runs holding a block whose compaction failed
 *       are skipped.
 *   <li>Otherwise a block at least as long as the middle range with more than 5% tombstones per
 *       series is rewritten alone.
 * </ol>
 */
public final class Planner {
  /** Default compaction ranges: 2h, 8h, 2d, 14d. */
  public static final List<Long> DEFAULT_RANGES =
      List.of(2 * 3_600_000L, 8 * 3_600_000L, 48 * 3_600_000L, 14 * 24 * 3_600_000L);

  private final List<Long> ranges;

  public Planner(List<Long> ranges) {
    if (ranges.isEmpty()) {
      throw new IllegalArgumentException("compaction ranges: need at least one");
    }
    for (int i = 0; i < ranges.size(); i++) {
      if (ranges.get(i) <= 0 || (i > 0 && ranges.get(i) <= ranges.get(i - 1))) {
        throw new IllegalArgumentException("compaction ranges " + ranges + ": must be positive and increasing");
      }
    }
    this.ranges = List.copyOf(ranges);
  }

  public List<Long> ranges() {
    return ranges;
  }

  /**
   * The blocks to compact next from a group's blocks sorted by minTime, or an empty list.
   *
   * @param noCompact blocks carrying {@code no-compact-mark.json}
   */
  public List<BlockMeta> plan(List<BlockMeta> metasByMinTime, Set<BlockId> noCompact) {
    if (metasByMinTime.isEmpty()) {
      return List.of();
    }
    List<BlockMeta> notExcluded = new ArrayList<>();
    for (BlockMeta m : metasByMinTime) {
      if (!noCompact.contains(m.ulid())) {
        notExcluded.add(m);
      }
    }
    List<BlockMeta> res = overlapping(notExcluded);
    if (!res.isEmpty()) {
      return res;
    }
    BlockMeta newest = metasByMinTime.get(metasByMinTime.size() - 1);
    if (!noCompact.contains(newest.ulid()) && !notExcluded.isEmpty()) {
      notExcluded.remove(notExcluded.size() - 1);
    }
    res = selectMetas(metasByMinTime.subList(0, metasByMinTime.size() - 1), noCompact);
    if (!res.isEmpty()) {
      return res;
    }
    long middle = ranges.get(ranges.size() / 2);
    for (int i = notExcluded.size() - 1; i >= 0; i--) {
      BlockMeta m = notExcluded.get(i);
      if (m.maxTime() - m.minTime() < middle) {
        break;
      }
      if ((double) m.stats().numTombstones() / (m.stats().numSeries() + 1) > 0.05) {
        return List.of(m);
      }
    }
    return List.of();
  }

  private List<BlockMeta> selectMetas(List<BlockMeta> metas, Set<BlockId> noCompact) {
    if (ranges.size() < 2 || metas.isEmpty()) {
      return List.of();
    }
    long highTime = metas.get(metas.size() - 1).minTime();
    for (int r = 1; r < ranges.size(); r++) {
      long iv = ranges.get(r);
      outer:
      for (List<BlockMeta> p : splitByRange(metas, iv)) {
        for (BlockMeta m : p) {
          if (m.compaction().failed()) {
            continue outer;
          }
        }
        if (p.size() < 2) {
          continue;
        }
        long mint = p.get(0).minTime();
        long maxt = p.get(p.size() - 1).maxTime();
        if (maxt - mint != iv && maxt > highTime) {
          continue;
        }
        int lastExcluded = 0;
        for (int i = 0; i < p.size(); i++) {
          if (!noCompact.contains(p.get(i).ulid())) {
            continue;
          }
          if (i - lastExcluded > 1) {
            return List.copyOf(p.subList(lastExcluded, i));
          }
          lastExcluded = i + 1;
        }
        if (p.size() - lastExcluded > 1) {
          return List.copyOf(p.subList(lastExcluded, p.size()));
        }
      }
    }
    return List.of();
  }

  /** Runs of consecutive blocks lying inside one range of size {@code tr} aligned to it. */
  static List<List<BlockMeta>> splitByRange(List<BlockMeta> metas, long tr) {
    List<List<BlockMeta>> out = new ArrayList<>();
    int i = 0;
    while (i < metas.size()) {
      BlockMeta m = metas.get(i);
      long t0 = m.minTime() >= 0 ? tr * (m.minTime() / tr) : tr * ((m.minTime() - tr + 1) / tr);
      if (m.maxTime() > t0 + tr) {
        i++;
        continue;
      }
      List<BlockMeta> group = new ArrayList<>();
      while (i < metas.size() && metas.get(i).maxTime() <= t0 + tr) {
        group.add(metas.get(i));
        i++;
      }
      if (!group.isEmpty()) {
        out.add(group);
      }
    }
    return out;
  }

  /** The first run of overlapping blocks in blocks sorted by minTime, or an empty list. */
  static List<BlockMeta> overlapping(List<BlockMeta> metasByMinTime) {
    if (metasByMinTime.size() < 2) {
      return List.of();
    }
    List<BlockMeta> out = new ArrayList<>();
    long globalMax = metasByMinTime.get(0).maxTime();
    for (int i = 1; i < metasByMinTime.size(); i++) {
      BlockMeta m = metasByMinTime.get(i);
      if (m.minTime() < globalMax) {
        if (out.isEmpty()) {
          out.add(metasByMinTime.get(i - 1));
        }
        out.add(m);
      } else if (!out.isEmpty()) {
        break;
      }
      globalMax = Math.max(globalMax, m.maxTime());
    }
    return out;
  }
}
