package dev.hypnos.storegateway.sync;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * Leaves out a block whose compaction sources are all sources of another block of the same
 * compaction group (same external labels and resolution), counting it {@code duplicate}: after a
 * compaction and before the compactor deletes the inputs, both hold the same data. Within a group
 * blocks are taken by number of sources, most first, then by ULID; a block is a duplicate when a
 * block taken before it covers its sources (Thanos's {@code DeduplicateFilter}).
 */
public final class DeduplicateFilter implements MetaFilter {
  @Override
  public void filter(SortedMap<BlockId, BlockMeta> metas, SyncCounts counts) {
    Map<String, List<BlockMeta>> groups = new HashMap<>();
    for (BlockMeta m : metas.values()) {
      groups.computeIfAbsent(groupKey(m), k -> new ArrayList<>()).add(m);
    }
    for (List<BlockMeta> group : groups.values()) {
      if (group.size() < 2) {
        continue;
      }
      group.sort((a, b) -> {
        int c = Integer.compare(sources(b).size(), sources(a).size());
        return c != 0 ? c : a.ulid().compareTo(b.ulid());
      });
      List<Set<BlockId>> covering = new ArrayList<>();
      for (BlockMeta child : group) {
        List<BlockId> childSources = sources(child);
        boolean duplicate = false;
        for (Set<BlockId> parent : covering) {
          if (parent.containsAll(childSources)) {
            duplicate = true;
            break;
          }
        }
        if (duplicate) {
          metas.remove(child.ulid());
          counts.add(SyncState.DUPLICATE);
        } else {
          covering.add(new HashSet<>(childSources));
        }
      }
    }
  }

  private static List<BlockId> sources(BlockMeta m) {
    List<BlockId> s = m.compaction().sources();
    return s.isEmpty() ? List.of(m.ulid()) : s;
  }

  private static String groupKey(BlockMeta m) {
    BlockMeta.Thanos t = m.thanos();
    return m.resolution() + "@" + (t == null ? "{}" : t.externalLabels().toString());
  }
}
