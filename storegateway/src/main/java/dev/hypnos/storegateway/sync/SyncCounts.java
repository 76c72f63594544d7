package dev.hypnos.storegateway.sync;

import java.util.EnumMap;
import java.util.Map;

/**
 * How many blocks ended in each {@link SyncState} during one fetch. Filled by the fetcher and its
 * filters, then published to the metrics all at once, so a scrape never sees half a sync.
 *
 * <p>Concurrency: thread-safe (filters may count from worker threads).
 */
public final class SyncCounts {
  private final EnumMap<SyncState, Integer> counts = new EnumMap<>(SyncState.class);

  public synchronized void add(SyncState state) {
    counts.merge(state, 1, Integer::sum);
  }

  synchronized void set(SyncState state, int n) {
    counts.put(state, n);
  }

  public synchronized int get(SyncState state) {
    return counts.getOrDefault(state, 0);
  }

  /** Every state, zero included. */
  public synchronized Map<SyncState, Integer> toMap() {
    EnumMap<SyncState, Integer> all = new EnumMap<>(SyncState.class);
    for (SyncState s : SyncState.values()) {
      all.put(s, counts.getOrDefault(s, 0));
    }
    return all;
  }

  @Override
  public synchronized String toString() {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<SyncState, Integer> e : counts.entrySet()) {
      if (e.getValue() != 0) {
        sb.append(sb.isEmpty() ? "" : " ").append(e.getKey().label()).append('=').append(e.getValue());
      }
    }
    return sb.toString();
  }
}
