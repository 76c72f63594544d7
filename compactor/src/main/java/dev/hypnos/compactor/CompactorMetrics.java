package dev.hypnos.compactor;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The compactor's metrics, rendered in the Prometheus text format: {@code hypnos_compact_halted}
 * (1 while some group is halted, with one {@code hypnos_compact_group_halted{group}} per halted
 * group and one {@code hypnos_compact_halted_block{group,block}} per overlapping block that halted
 * it), the work planned ({@code hypnos_compact_todo_*}, as Thanos's {@code thanos_compact_todo_*}),
 * and counters of iterations, failures, and blocks compacted, downsampled and deleted.
 *
 * <p>Concurrency: thread-safe; the compactor writes, scrapes read.
 */
public final class CompactorMetrics {
  /**
   * Work planned, worked out from the bucket as last synced: at the start of an iteration (what it
   * is about to do) and again at its end (what is left for the next one).
   *
   * @param compactions per group key: compactions the planner would run one after the other
   * @param compactionBlocks per group key: source blocks of those compactions
   * @param downsampleBlocks per group key: blocks to downsample
   * @param deletionBlocks blocks to delete: marked ones (deleted once past the delete delay), those
   *     retention would mark, and old partial uploads
   */
  public record Todo(Map<String, Integer> compactions, Map<String, Integer> compactionBlocks,
      Map<String, Integer> downsampleBlocks, int deletionBlocks) {
    public static final Todo NONE = new Todo(Map.of(), Map.of(), Map.of(), 0);

    public Todo {
      compactions = sorted(compactions);
      compactionBlocks = sorted(compactionBlocks);
      downsampleBlocks = sorted(downsampleBlocks);
    }

    private static Map<String, Integer> sorted(Map<String, Integer> m) {
      return java.util.Collections.unmodifiableMap(new TreeMap<>(m));
    }

    /** Compactions planned over all groups. */
    public int totalCompactions() {
      return compactions.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Downsamplings planned over all groups. */
    public int totalDownsamplings() {
      return downsampleBlocks.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  private volatile Map<String, List<String>> halted = Map.of();
  private volatile Todo todo = Todo.NONE;
  private final AtomicLong iterations = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong compacted = new AtomicLong();
  private final AtomicLong downsampled = new AtomicLong();
  private final AtomicLong deleted = new AtomicLong();

  /** Sets the halted groups, each with the overlapping blocks that halted it. */
  void setHalted(Map<String, List<String>> groups) {
    TreeMap<String, List<String>> m = new TreeMap<>();
    groups.forEach((k, v) -> m.put(k, List.copyOf(v)));
    halted = java.util.Collections.unmodifiableMap(m);
  }

  void setTodo(Todo t) {
    todo = Objects.requireNonNull(t, "todo");
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
    return List.copyOf(halted.keySet());
  }

  /** Halted groups of the last iteration, each with the ids of the overlapping blocks. */
  public Map<String, List<String>> haltedBlocks() {
    return halted;
  }

  /** Work planned, as of the last start or end of an iteration. */
  public Todo todo() {
    return todo;
  }

  public long iterations() {
    return iterations.get();
  }

  public long failedIterations() {
    return failures.get();
  }

  public long blocksCompacted() {
    return compacted.get();
  }

  public long blocksDownsampled() {
    return downsampled.get();
  }

  public long blocksDeleted() {
    return deleted.get();
  }

  /** The metrics in the Prometheus text exposition format. */
  public String render() {
    StringBuilder sb = new StringBuilder();
    sb.append("# HELP hypnos_compact_halted Set to 1 if a compaction group halted on an unsafe condition.\n");
    sb.append("# TYPE hypnos_compact_halted gauge\n");
    sb.append("hypnos_compact_halted ").append(halted()).append('\n');
    sb.append("# TYPE hypnos_compact_group_halted gauge\n");
    for (String g : halted.keySet()) {
      sb.append("hypnos_compact_group_halted{group=\"").append(g).append("\"} 1\n");
    }
    sb.append("# TYPE hypnos_compact_halted_block gauge\n");
    for (Map.Entry<String, List<String>> e : halted.entrySet()) {
      for (String b : e.getValue()) {
        sb.append("hypnos_compact_halted_block{group=\"").append(e.getKey()).append("\",block=\"").append(b)
            .append("\"} 1\n");
      }
    }
    Todo t = todo;
    perGroup(sb, "hypnos_compact_todo_compactions", t.compactions());
    perGroup(sb, "hypnos_compact_todo_compaction_blocks", t.compactionBlocks());
    perGroup(sb, "hypnos_compact_todo_downsample_blocks", t.downsampleBlocks());
    sb.append("# TYPE hypnos_compact_todo_deletion_blocks gauge\nhypnos_compact_todo_deletion_blocks ")
        .append(t.deletionBlocks()).append('\n');
    counter(sb, "hypnos_compact_iterations_total", iterations.get());
    counter(sb, "hypnos_compact_iterations_failed_total", failures.get());
    counter(sb, "hypnos_compact_blocks_compacted_total", compacted.get());
    counter(sb, "hypnos_compact_blocks_downsampled_total", downsampled.get());
    counter(sb, "hypnos_compact_blocks_deleted_total", deleted.get());
    return sb.toString();
  }

  private static void perGroup(StringBuilder sb, String name, Map<String, Integer> m) {
    sb.append("# TYPE ").append(name).append(" gauge\n");
    for (Map.Entry<String, Integer> e : m.entrySet()) {
      sb.append(name).append("{group=\"").append(e.getKey()).append("\"} ").append(e.getValue()).append('\n');
    }
  }

  private static void counter(StringBuilder sb, String name, long v) {
    sb.append("# TYPE ").append(name).append(" counter\n").append(name).append(' ').append(v).append('\n');
  }

  /** Unused group keys are dropped from a todo map: only positive counts are kept. */
  static Map<String, Integer> positive(Map<String, Integer> m) {
    TreeMap<String, Integer> out = new TreeMap<>();
    m.forEach((k, v) -> {
      if (v > 0) {
        out.put(k, v);
      }
    });
    return out;
  }
}
