package dev.hypnos.storegateway.sync;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import java.io.IOException;
import java.util.SortedMap;

/**
 * Removes blocks from a fetched set, like Thanos's {@code MetadataFilter}. A filter counts each
 * block it removes under its {@link SyncState}; it may also replace a meta with a modified one.
 * Filters run in the order the fetcher was given them, each seeing what the previous ones kept.
 */
@FunctionalInterface
public interface MetaFilter {
  /**
   * Removes the blocks this filter excludes from {@code metas} (a mutable map).
   *
   * @throws IOException when the filter needs the bucket and cannot reach it; the fetch then fails
   */
  void filter(SortedMap<BlockId, BlockMeta> metas, SyncCounts counts) throws IOException;
}
