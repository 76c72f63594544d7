package dev.hypnos.storegateway.sync;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;

/**
 * Leaves out blocks younger than {@code --consistency-delay}, judged by the time in their ULID,
 * counting them {@code too-fresh}: on an eventually consistent object store a fresh block may not
 * be fully visible yet. Blocks written by the compactor or a bucket repair are exempt (they are
 * only uploaded complete), as in Thanos.
 */
public final class ConsistencyDelayFilter implements MetaFilter {
  /** Thanos section sources whose blocks are never too fresh. */
  public static final Set<String> EXEMPT_SOURCES = Set.of("compactor", "compactor.repair", "bucket.repair");

  private final Duration delay;
  private final InstantSource clock;

  public ConsistencyDelayFilter(Duration delay, InstantSource clock) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("--consistency-delay " + delay + " is negative");
    }
    this.delay = delay;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public void filter(SortedMap<BlockId, BlockMeta> metas, SyncCounts counts) {
    if (delay.isZero()) {
      return;
    }
    long now = clock.millis();
    long delayMs = delay.toMillis();
    for (Iterator<Map.Entry<BlockId, BlockMeta>> it = metas.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<BlockId, BlockMeta> e = it.next();
      BlockMeta.Thanos t = e.getValue().thanos();
      String source = t == null ? "" : t.source();
      if (now - e.getKey().timestamp() < delayMs && !EXEMPT_SOURCES.contains(source)) {
        it.remove();
        counts.add(SyncState.TOO_FRESH);
      }
    }
  }
}
