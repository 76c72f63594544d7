package dev.hypnos.compactor;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.objstore.Bucket;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Retention per resolution (Thanos {@code ApplyRetentionPolicyByResolution}): a block whose maxTime
 * is more than the retention of its resolution before now gets a deletion mark. A zero retention
 * keeps blocks forever.
 *
 * @param raw retention of raw blocks
 * @param fiveMinutes retention of 5m blocks
 * @param oneHour retention of 1h blocks
 */
public record Retention(Duration raw, Duration fiveMinutes, Duration oneHour) {
  public static final Retention FOREVER = new Retention(Duration.ZERO, Duration.ZERO, Duration.ZERO);

  public Retention {
    for (Duration d : List.of(raw, fiveMinutes, oneHour)) {
      if (Objects.requireNonNull(d, "retention").isNegative()) {
        throw new IllegalArgumentException("retention " + d + " must not be negative");
      }
    }
  }

  /** The retention of a resolution; zero (keep) for resolutions it does not know. */
  public Duration of(long resolution) {
    if (resolution == Downsampler.RES_RAW) {
      return raw;
    }
    if (resolution == Downsampler.RES_5M) {
      return fiveMinutes;
    }
    if (resolution == Downsampler.RES_1H) {
      return oneHour;
    }
    return Duration.ZERO;
  }

  /** True when the block has outlived its retention at {@code now}. */
  public boolean expired(BlockMeta meta, Instant now) {
    Duration r = of(meta.resolution());
    return !r.isZero() && meta.maxTime() < now.toEpochMilli() - r.toMillis();
  }

  /**
   * Marks the expired blocks among {@code metas} (skipping those in {@code alreadyMarked}) for
   * deletion and returns their ids.
   */
  public List<BlockId> apply(Bucket bucket, Collection<BlockMeta> metas, Set<BlockId> alreadyMarked, Instant now)
      throws IOException {
    List<BlockId> marked = new ArrayList<>();
    for (BlockMeta m : metas) {
      if (alreadyMarked.contains(m.ulid()) || !expired(m, now)) {
        continue;
      }
      Marks.markForDeletion(bucket, m.ulid(), now, "block exceeds retention of " + of(m.resolution())
          + " for resolution " + m.resolution());
      marked.add(m.ulid());
    }
    return marked;
  }
}
