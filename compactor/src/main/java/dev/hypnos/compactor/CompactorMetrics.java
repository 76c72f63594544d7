package dev.hypnos.compactor;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The compactor's metrics, rendered in the Prometheus text format: {@code hypnos_compact_halted}
 * (1 while some group is halted, with one {@code hypnos_compact_group_halted{group}} per halted
 * group), and counters of iterations, failures, and blocks compacted, downsampled and deleted.
 *
 * <p>Concurrency: thread-safe.
 */
public final class CompactorMetrics {
  private volatile Set<String> halted = Set.of();
  private final AtomicLong iterations = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong compacted = new AtomicLong();
  private final AtomicLong downsampled = new AtomicLong();
  private final AtomicLong deleted = new AtomicLong();

  void setHalted(Set<String> groups) {
    halted = Set.copyOf(new TreeSet<>(groups));
  }

  void recordIteration(int compactedBlocks, int downsampledBlocks, int deletedBlocks, boolean failed) {
    iterations.incrementAndGet();
    compacted.addAndGet(compactedBlocks);
    downsampled.addAndGet(downsampledBlocks);
    deleted.addAndGet(deletedBlocks);
    if (failed) {
      failures.incrementAndGet();
    }
  }

  /** 1 when a group halted in the last iteration, else 0. */
  public int halted() {
    return halted.isEmpty() ? 0 : 1;
  }

  /** Keys of the groups halted in the last iteration. */
  public List<String> haltedGroups() {
    return List.copyOf(new TreeSet<>(halted));
  }

  public long iterations() {
    return iterations.get();
  }

  /** The metrics in the Prometheus text exposition format. */
  public String render() {
    StringBuilder sb = new StringBuilder();
    sb.append("# HELP hypnos_compact_halted Set to 1 if a compaction group halted on an unsafe condition.\n");
    sb.append("# TYPE hypnos_compact_halted gauge\n");
    sb.append("hypnos_compact_halted ").append(halted()).append('\n');
    sb.append("# TYPE hypnos_compact_group_halted gauge\n");
    for (String g : haltedGroups()) {
      sb.append("hypnos_compact_group_halted{group=\"").append(g).append("\"} 1\n");
    }
    counter(sb, "hypnos_compact_iterations_total", iterations.get());
    counter(sb, "hypnos_compact_iterations_failed_total", failures.get());
    counter(sb, "hypnos_compact_blocks_compacted_total", compacted.get());
    counter(sb, "hypnos_compact_blocks_downsampled_total", downsampled.get());
    counter(sb, "hypnos_compact_blocks_deleted_total", deleted.get());
    return sb.toString();
  }

  private static void counter(StringBuilder sb, String name, long v) {
    sb.append("# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(v).append('\n');
  }
}
