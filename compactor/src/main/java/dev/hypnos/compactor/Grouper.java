package dev.hypnos.compactor;

import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.labels.Labels;
import dev.hypnos.core.util.XxHash64;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Splits blocks into compaction groups by resolution and external labels, as Thanos's {@code
 * DefaultGrouper}: the key is {@code <resolution>@<hash>} with the hash of Prometheus's {@code
 * labels.Hash} (xxHash64 over {@code name 0xFF value 0xFF} of each label in order) printed as an
 * unsigned decimal. Replica labels are removed from the external labels first, so replicas share a
 * group (for vertical compaction with deduplication).
 */
public final class Grouper {
  private final List<String> replicaLabels;

  public Grouper(List<String> replicaLabels) {
    this.replicaLabels = List.copyOf(replicaLabels);
  }

  /** Prometheus {@code labels.Hash} of a label map (sorted by name in Go byte order). */
  public static long labelsHash(Map<String, String> labels) {
    TreeMap<String, String> sorted = new TreeMap<>(Labels::compareStrings);
    sorted.putAll(labels);
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      b.writeBytes(e.getKey().getBytes(StandardCharsets.UTF_8));
      b.write(0xFF);
      b.writeBytes(e.getValue().getBytes(StandardCharsets.UTF_8));
      b.write(0xFF);
    }
    return XxHash64.hash(b.toByteArray());
  }

  /** Thanos's group key for a resolution and external labels. */
  public static String groupKey(long resolution, Map<String, String> labels) {
    return resolution + "@" + Long.toUnsignedString(labelsHash(labels));
  }

  /** External labels of a block without the replica labels. */
  public Map<String, String> groupLabels(BlockMeta meta) {
    BlockMeta.Thanos t = meta.thanos();
    TreeMap<String, String> out = new TreeMap<>(Labels::compareStrings);
    if (t != null) {
      out.putAll(t.labels());
    }
    for (String r : replicaLabels) {
      out.remove(r);
    }
    return out;
  }

  /** The group key of one block. */
  public String keyOf(BlockMeta meta) {
    return groupKey(meta.resolution(), groupLabels(meta));
  }

  /** Groups blocks; groups come sorted by key. */
  public List<BlockGroup> group(Collection<BlockMeta> metas) {
    TreeMap<String, List<BlockMeta>> byKey = new TreeMap<>();
    TreeMap<String, BlockMeta> first = new TreeMap<>();
    for (BlockMeta m : metas) {
      String k = keyOf(m);
      byKey.computeIfAbsent(k, x -> new ArrayList<>()).add(m);
      first.putIfAbsent(k, m);
    }
    List<BlockGroup> out = new ArrayList<>(byKey.size());
    for (Map.Entry<String, List<BlockMeta>> e : byKey.entrySet()) {
      BlockMeta f = first.get(e.getKey());
      out.add(new BlockGroup(e.getKey(), f.resolution(), groupLabels(f), e.getValue()));
    }
    return out;
  }
}
