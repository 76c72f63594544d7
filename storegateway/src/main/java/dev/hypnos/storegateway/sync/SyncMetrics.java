package dev.hypnos.storegateway.sync;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;

/**
 * Metrics of block metadata sync, named as Thanos names them ({@code thanos_blocks_meta_*}) so
 * the Thanos dashboards and alerts work unchanged.
 *
 * <p>Concurrency: thread-safe.
 */
public final class SyncMetrics {
  private final Counter syncs;
  private final Counter failures;
  private final Histogram duration;
  private final Gauge synced;

  private SyncMetrics(PrometheusRegistry registry) {
    syncs = Counter.builder().name("thanos_blocks_meta_syncs_total")
        .help("Total blocks metadata synchronization attempts").register(registry);
    failures = Counter.builder().name("thanos_blocks_meta_sync_failures_total")
        .help("Total blocks metadata synchronization failures").register(registry);
    duration = Histogram.builder().name("thanos_blocks_meta_sync_duration_seconds")
        .help("Duration of the blocks metadata synchronization in seconds")
        .classicUpperBounds(0.01, 1, 10, 100, 300, 600, 1000).register(registry);
    synced = Gauge.builder().name("thanos_blocks_meta_synced")
        .help("Number of block metadata synced").labelNames("state").register(registry);
    for (SyncState s : SyncState.values()) {
      synced.labelValues(s.label()).set(0);
    }
  }

  /** Registers the sync metrics in {@code registry}; call once per registry. */
  public static SyncMetrics register(PrometheusRegistry registry) {
    return new SyncMetrics(registry);
  }

  void attempt() {
    syncs.inc();
  }

  void failure() {
    failures.inc();
  }

  void duration(double seconds) {
    duration.observe(seconds);
  }

  /** Publishes every state's count of one fetch at once. */
  void publish(SyncCounts counts) {
    for (Map.Entry<SyncState, Integer> e : counts.toMap().entrySet()) {
      synced.labelValues(e.getKey().label()).set(e.getValue());
    }
  }
}
