package dev.hypnos.compactor;

import dev.hypnos.core.block.BlockMeta;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The blocks that may be compacted together: same resolution and same external labels (replica
 * labels removed), ordered by minTime then ULID.
 *
 * @param key {@code <resolution>@<labels hash>}, as Thanos's group key
 */
public record BlockGroup(String key, long resolution, Map<String, String> labels, List<BlockMeta> metas) {
  public BlockGroup {
    Objects.requireNonNull(key, "key");
    labels = Map.copyOf(labels);
    List<BlockMeta> sorted = new ArrayList<>(metas);
    sorted.sort(Comparator.comparingLong(BlockMeta::minTime).thenComparing(BlockMeta::ulid));
    metas = List.copyOf(sorted);
  }

  /** True when two blocks of the group overlap in time ({@code [minTime, maxTime)}). */
  public boolean hasOverlaps() {
    return !Planner.overlapping(metas).isEmpty();
  }
}
