package dev.hypnos.core.block;

import dev.hypnos.core.objstore.Bucket;
import dev.hypnos.core.objstore.ObjectNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Blocks as they lie in a bucket (Thanos layout): {@code <ULID>/meta.json}, {@code <ULID>/index},
 * {@code <ULID>/chunks/000001...}, optional {@code <ULID>/tombstones} and marker files. A
 * top-level entry is a block only if its name is a ULID; anything else (such as {@code debug/})
 * is ignored. A block directory without {@code meta.json} is a partial upload.
 */
public final class BucketBlocks {
  public static final String META = "meta.json";
  public static final String INDEX = "index";
  public static final String CHUNKS_DIR = "chunks";
  public static final String TOMBSTONES = "tombstones";
  public static final String DELETION_MARK = "deletion-mark.json";
  public static final String NO_COMPACT_MARK = "no-compact-mark.json";
  public static final String NO_DOWNSAMPLE_MARK = "no-downsample-mark.json";

  private BucketBlocks() {}

  /** The ids of the block directories at the bucket root, sorted. */
  public static List<BlockId> list(Bucket bucket) throws IOException {
    List<BlockId> ids = new ArrayList<>();
    bucket.iter("", name -> {
      if (name.endsWith("/")) {
        String base = name.substring(0, name.length() - 1);
        if (BlockId.isValid(base)) {
          ids.add(BlockId.parse(base));
        }
      }
    });
    ids.sort(null);
    return ids;
  }

  /**
   * Reads {@code <id>/meta.json}.
   *
   * @throws ObjectNotFoundException when the block has no meta.json (a partial upload)
   */
  public static BlockMeta readMeta(Bucket bucket, BlockId id) throws IOException {
    String key = id + "/" + META;
    byte[] json;
    try (InputStream in = bucket.get(key)) {
      json = in.readAllBytes();
    }
    BlockMeta meta = BlockMetaJson.parse(json, bucket.name() + ":" + key);
    if (!meta.ulid().equals(id)) {
      throw new IOException(
          "meta.json of block " + id + " in " + bucket.name() + " names another block: " + meta.ulid());
    }
    return meta;
  }

  /** Whether the block carries {@code deletion-mark.json}. */
  public static boolean isMarkedForDeletion(Bucket bucket, BlockId id) throws IOException {
    return bucket.exists(id + "/" + DELETION_MARK);
  }

  /**
   * Downloads the files a reader needs ({@code meta.json}, {@code index}, every chunk segment and,
   * if present, {@code tombstones}) into {@code dir/<id>/} and returns that directory. Files are
   * streamed to disk, never held in memory.
   *
   * @throws ObjectNotFoundException when the block has no meta.json (a partial upload)
   */
  public static Path download(Bucket bucket, BlockId id, Path dir) throws IOException {
    Path blockDir = dir.resolve(id.toString());
    Files.createDirectories(blockDir.resolve(CHUNKS_DIR));
    String prefix = id + "/";
    copy(bucket, prefix + META, blockDir.resolve(META));
    copy(bucket, prefix + INDEX, blockDir.resolve(INDEX));
    List<String> segments = new ArrayList<>();
    bucket.iter(prefix + CHUNKS_DIR + "/", segments::add);
    for (String key : segments) {
      if (!key.endsWith("/")) {
        copy(bucket, key, blockDir.resolve(CHUNKS_DIR).resolve(key.substring(key.lastIndexOf('/') + 1)));
      }
    }
    if (bucket.exists(prefix + TOMBSTONES)) {
      copy(bucket, prefix + TOMBSTONES, blockDir.resolve(TOMBSTONES));
    }
    return blockDir;
  }

  private static void copy(Bucket bucket, String key, Path target) throws IOException {
    try (InputStream in = bucket.get(key)) {
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
