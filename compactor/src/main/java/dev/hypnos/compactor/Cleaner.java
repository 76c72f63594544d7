package dev.hypnos.compactor;

import dev.hypnos.core.block.BlockId;
import dev.hypnos.core.block.BucketBlocks;
import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.ObjectNotFoundException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Deletes blocks from the bucket: those whose deletion mark is older than the delete delay, and
 * partial uploads (no {@code meta.json}) whose ULID time is older than two days. A block is deleted
 * {@code meta.json} first (so that readers stop seeing it as a block at once), then its other
 * objects, then its deletion mark; an interrupted deletion leaves a partial block, removed later.
 *
 * @param deleteDelay how long a marked block is kept (Thanos {@code --delete-delay}, 48h)
 * @param partialAge age after which a block without meta.json is deleted (2 days)
 */
public record Cleaner(Duration deleteDelay, Duration partialAge) {
  public static final Duration DEFAULT_DELETE_DELAY = Duration.ofHours(48);
  public static final Duration PARTIAL_UPLOAD_AGE = Duration.ofDays(2);

  public Cleaner {
    Objects.requireNonNull(deleteDelay, "deleteDelay");
    Objects.requireNonNull(partialAge, "partialAge");
  }

  /** Deletes marked blocks past the delay; returns the deleted ids. */
  public List<BlockId> deleteMarked(Bucket bucket, List<BlockId> marked, Instant now) throws IOException {
    List<BlockId> deleted = new ArrayList<>();
    for (BlockId id : marked) {
      Instant t;
      try {
        t = Marks.deletionTime(bucket, id);
      } catch (ObjectNotFoundException e) {
        continue;
      }
      if (Duration.between(t, now).compareTo(deleteDelay) > 0) {
        delete(bucket, id);
        deleted.add(id);
      }
    }
    return deleted;
  }

  /** Deletes partial blocks (listed, without meta.json) created before the partial age. */
  public List<BlockId> deletePartial(Bucket bucket, List<BlockId> partial, Instant now) throws IOException {
    List<BlockId> deleted = new ArrayList<>();
    for (BlockId id : partial) {
      if (now.toEpochMilli() - id.timestamp() > partialAge.toMillis()) {
        delete(bucket, id);
        deleted.add(id);
      }
    }
    return deleted;
  }

  /** Deletes a block: meta.json, then everything else, then the deletion mark. */
  public static void delete(Bucket bucket, BlockId id) throws IOException {
    String prefix = id + "/";
    String meta = prefix + BucketBlocks.META;
    String mark = prefix + BucketBlocks.DELETION_MARK;
    try {
      deleteIfExists(bucket, meta);
      List<String> keys = new ArrayList<>();
      bucket.iterRecursive(prefix, keys::add);
      for (String k : keys) {
        if (!k.equals(meta) && !k.equals(mark) && !k.endsWith("/")) {
          deleteIfExists(bucket, k);
        }
      }
      deleteIfExists(bucket, mark);
      for (String k : keys) {
        if (k.endsWith("/")) {
          deleteIfExists(bucket, k);
        }
      }
    } catch (IOException e) {
      throw new IOException("delete block " + id + " from " + bucket.name() + ": " + e.getMessage(), e);
    }
  }

  private static void deleteIfExists(Bucket bucket, String key) throws IOException {
    try {
      bucket.delete(key);
    } catch (ObjectNotFoundException e) {
      // Already gone: an earlier deletion was interrupted after it.
    }
  }
}
