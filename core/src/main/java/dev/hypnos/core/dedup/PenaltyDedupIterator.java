package dev.hypnos.core.dedup;

import dev.hypnos.core.chunk.ChunkIterator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Merges two replicas of one series with Thanos's penalty algorithm. It stays on the replica it
 * is reading and looks at the other one only for samples more than twice the last observed scrape
 * interval ahead (5 s before an interval is known), so it switches replicas only across a gap and
 * does not interleave two scrape phases. Ties go to the first replica. More replicas are folded
 * pairwise: {@code dedup(dedup(r0, r1), r2)}. Two replicas (and any number
 * without counter correction) are merged by {@link PenaltyDedupBatch}, the same algorithm over
 * arrays.
 *
 * <p>Concurrency: not thread-safe.
 */
public final class PenaltyDedupIterator implements AdjustableIterator {
  /** Penalty in ms before an interval is known: scrape intervals are seconds long. */
  static final long INITIAL_PENALTY = 5000;

  private final AdjustableIterator a;
  private final AdjustableIterator b;
  private boolean aOk;
  private boolean bOk;
  private long lastT = Long.MIN_VALUE;
  private AdjustableIterator last;
  private long penA;
  private long penB;
  private boolean useA = true;
  private boolean current;

  private PenaltyDedupIterator(AdjustableIterator a, AdjustableIterator b) {
    this.a = a;
    this.b = b;
    this.last = a;
    this.aOk = a.next();
    this.bOk = b.next();
  }

  /**
   * The deduplicated samples of {@code replicas} (at least one). With {@code counter}, values are
   * corrected so that switching replicas never looks like a counter reset.
   */
  public static ChunkIterator of(List<? extends ChunkIterator> replicas, boolean counter) {
    if (replicas.size() == 2) {
      // The common case (one HA pair): the same algorithm as a tight loop over arrays.
      return new PenaltyDedupBatch(replicas.get(0), replicas.get(1), counter);
    }
    if (replicas.size() > 2 && !counter) {
      // Folded pairwise as below. Without counter correction a merged pair's output does not
      // depend on how far ahead it is read, so batches may be nested.
      ChunkIterator it = new PenaltyDedupBatch(replicas.get(0), replicas.get(1), false);
      for (int i = 2; i < replicas.size(); i++) {
        it = new PenaltyDedupBatch(it, replicas.get(i), false);
      }
      return it;
    }
    return chained(replicas, counter);
  }

  /** The sample-at-a-time iterators folded pairwise; any number of replicas. */
  static ChunkIterator chained(List<? extends ChunkIterator> replicas, boolean counter) {
    if (replicas.isEmpty()) {
      throw new IllegalArgumentException("dedup needs at least one replica");
    }
    AdjustableIterator it = wrap(replicas.get(0), counter);
    if (replicas.size() == 1) {
      return it;
    }
    for (int i = 1; i < replicas.size(); i++) {
      it = new PenaltyDedupIterator(it, wrap(replicas.get(i), counter));
    }
    return it;
  }

  private static AdjustableIterator wrap(ChunkIterator it, boolean counter) {
    return counter ? AdjustableIterator.counter(it) : AdjustableIterator.plain(it);
  }

  @Override
  public boolean next() {
    boolean lastUseA = useA;
    boolean lastValid = useA ? aOk : bOk;
    double lastValue = lastValid ? last.value() : 0;

    // Move both replicas past the last emitted timestamp plus their penalty.
    if (aOk) {
      aOk = a.seek(lastT + 1 + penA);
    }
    if (bOk) {
      bOk = b.seek(lastT + 1 + penB);
    }
    boolean ok;
    if (!aOk) {
      useA = false;
      if (bOk) {
        lastT = b.timestamp();
        last = b;
        penB = 0;
      }
      ok = bOk;
    } else if (!bOk) {
      useA = true;
      lastT = a.timestamp();
      last = a;
      penA = 0;
      ok = true;
    } else {
      long ta = a.timestamp();
      long tb = b.timestamp();
      useA = ta <= tb;
      if (useA) {
        penB = lastT != Long.MIN_VALUE ? 2 * (ta - lastT) : INITIAL_PENALTY;
        penA = 0;
        lastT = ta;
        last = a;
      } else {
        penA = lastT != Long.MIN_VALUE ? 2 * (tb - lastT) : INITIAL_PENALTY;
        penB = 0;
        lastT = tb;
        last = b;
      }
      ok = true;
    }
    if (useA != lastUseA && lastValid) {
      adjustAtValue(lastValue);
    }
    current = ok;
    return ok;
  }

  @Override
  public void adjustAtValue(double lastValue) {
    if (aOk) {
      a.adjustAtValue(lastValue);
    }
    if (bOk) {
      b.adjustAtValue(lastValue);
    }
  }

  /** Steps with {@link #next} (never the replicas' own seek), so gaps are not skipped over. */
  @Override
  public boolean seek(long t) {
    while (!current || timestamp() < t) {
      if (!next()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean hasCurrent() {
    return current;
  }

  @Override
  public long timestamp() {
    return last.timestamp();
  }

  @Override
  public double value() {
    return last.value();
  }

  @Override
  public @Nullable String error() {
    String e = a.error();
    return e != null ? e : b.error();
  }
}
