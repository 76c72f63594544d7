package dev.hypnos.storegateway.sync;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.labels.Labels;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Shards blocks by their external labels with a relabel configuration ({@code
 * --selector.relabel-config}): each block's external labels plus {@code __block_id} (its ULID)
 * go through the configs, and a block whose set a keep or drop removed is left out, counted
 * {@code label-excluded}. Typical use: {@code hashmod} of {@code __block_id} into a target label,
 * then {@code keep} of one value of it per store replica.
 */
public final class LabelShardFilter implements MetaFilter {
  /** The label holding the block's ULID during relabelling, as in Thanos. */
  public static final String BLOCK_ID_LABEL = "__block_id";

  private final List<RelabelConfig> configs;

  public LabelShardFilter(List<RelabelConfig> configs) {
    this.configs = List.copyOf(configs);
  }

  @Override
  public void filter(SortedMap<BlockId, BlockMeta> metas, SyncCounts counts) {
    if (configs.isEmpty()) {
      return;
    }
    for (Iterator<Map.Entry<BlockId, BlockMeta>> it = metas.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<BlockId, BlockMeta> e = it.next();
      Map<String, String> lset = new TreeMap<>();
      BlockMeta.Thanos t = e.getValue().thanos();
      if (t != null) {
        lset.putAll(t.labels());
      }
      lset.put(BLOCK_ID_LABEL, e.getKey().toString());
      if (RelabelConfig.process(Labels.fromMap(lset), configs) == null) {
        it.remove();
        counts.add(SyncState.LABEL_EXCLUDED);
      }
    }
  }
}
