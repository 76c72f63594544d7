package dev.hypnos.storegateway.sync;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import java.time.InstantSource;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;

/**
 * Keeps the blocks that overlap {@code [minTime, maxTime]} ({@code --min-time}/{@code --max-time},
 * used to shard stores by time), counting the others {@code time-excluded}. As in Thanos, a block
 * is kept when {@code block.maxTime >= minTime && block.minTime <= maxTime}; relative bounds are
 * resolved at each sync.
 */
public final class TimePartitionFilter implements MetaFilter {
  private final TimeOrDuration minTime;
  private final TimeOrDuration maxTime;
  private final InstantSource clock;

  public TimePartitionFilter(TimeOrDuration minTime, TimeOrDuration maxTime, InstantSource clock) {
    this.minTime = Objects.requireNonNull(minTime, "minTime");
    this.maxTime = Objects.requireNonNull(maxTime, "maxTime");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (!minTime.isRelative() && !maxTime.isRelative() && minTime.toEpochMillis(clock) > maxTime.toEpochMillis(clock)) {
      throw new IllegalArgumentException("--min-time " + minTime + " is after --max-time " + maxTime);
    }
  }

  @Override
  public void filter(SortedMap<BlockId, BlockMeta> metas, SyncCounts counts) {
    long min = minTime.toEpochMillis(clock);
    long max = maxTime.toEpochMillis(clock);
    for (Iterator<Map.Entry<BlockId, BlockMeta>> it = metas.entrySet().iterator(); it.hasNext(); ) {
      BlockMeta m = it.next().getValue();
      if (m.maxTime() >= min && m.minTime() <= max) {
        continue;
      }
      it.remove();
      counts.add(SyncState.TIME_EXCLUDED);
    }
  }
}
