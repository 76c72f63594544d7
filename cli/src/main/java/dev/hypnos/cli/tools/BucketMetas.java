package dev.hypnos.cli.tools;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BlockMeta;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.ObjectNotFoundException;
import java.io.IOException;
import java.io.PrintWriter;
import org.jspecify.annotations.Nullable;

/** How the tools read a block's meta.json: a partial upload is a warning, not an error. */
final class BucketMetas {
  private BucketMetas() {}

  /** The block's meta, or null (after a warning on {@code err}) when it has no meta.json. */
  static @Nullable BlockMeta readOrWarn(Bucket bucket, BlockId id, PrintWriter err) throws IOException {
    try {
      return BucketBlocks.readMeta(bucket, id);
    } catch (ObjectNotFoundException e) {
      err.println("hypnos: warning: block " + id + " has no meta.json (a partial upload); skipped");
      return null;
    }
  }
}
