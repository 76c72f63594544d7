package dev.hypnos.storegateway.sync;

import dev.hypnos.core.block.BlockMeta;
import java.util.Collection;

/** Told the set of blocks to serve after each sync (the bucket store loads new ones and drops the rest). */
@FunctionalInterface
public interface BlockSetListener {
  /**
   * Makes {@code active} the served set: blocks not in it are dropped, new ones loaded. A block
   * that cannot be loaded should be logged and skipped by the listener, not fail the call.
   *
   * @throws Exception when the set as a whole could not be applied; the sync counts as failed
   */
  void sync(Collection<BlockMeta> active) throws Exception;
}
