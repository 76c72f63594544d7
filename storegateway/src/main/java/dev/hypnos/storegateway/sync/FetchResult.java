package dev.hypnos.storegateway.sync;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The outcome of one {@link MetaFetcher#fetch()}.
 *
 * @param metas the blocks that passed every filter, by id
 * @param partial blocks whose meta.json is missing or corrupted, with the reason
 * @param errors why some meta.json could not be read (object store errors); when not empty the
 *     view is incomplete: {@code metas} is correct but may miss blocks
 * @param counts blocks per state, for the metrics and the log
 */
public record FetchResult(
    SortedMap<BlockId, BlockMeta> metas, Map<BlockId, String> partial, List<String> errors, SyncCounts counts) {
  public FetchResult {
    metas = Collections.unmodifiableSortedMap(new TreeMap<>(metas));
    partial = Collections.unmodifiableMap(new TreeMap<>(partial));
    errors = List.copyOf(errors);
  }

  /** Whether every block's meta.json was read (or found missing or corrupted) without error. */
  public boolean complete() {
    return errors.isEmpty();
  }
}
