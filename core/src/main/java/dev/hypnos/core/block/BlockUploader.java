package dev.hypnos.core.block;

import dev.hypnos.core.objstore.Bucket;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Uploads a local block directory to a bucket the way Thanos does: the chunk segments first, then
 * {@code index}, then {@code meta.json} last, so that a block without {@code meta.json} in the
 * bucket is recognisably partial. The uploaded {@code meta.json} lists every file in {@code
 * thanos.files} (sorted by path, with sizes; {@code meta.json} itself without a size). The local
 * {@code meta.json} is left unchanged and the optional {@code tombstones} file is not uploaded.
 *
 * <p>Concurrency: stateless.
 */
public final class BlockUploader {
  private BlockUploader() {}

  /**
   * Uploads {@code blockDir} under {@code <ulid>/} in {@code bucket}.
   *
   * @return the meta as uploaded
   * @throws IllegalArgumentException when the meta has no Thanos section (Thanos requires the
   *     external labels of every block it stores)
   */
  public static BlockMeta upload(Bucket bucket, Path blockDir) throws IOException {
    BlockMeta meta = BlockMetaJson.read(blockDir);
    BlockMeta.Thanos t = meta.thanos();
    if (t == null) {
      throw new IllegalArgumentException("upload block " + meta.ulid() + " from " + blockDir
          + " to " + bucket.name() + ": meta.json has no Thanos section with external labels");
    }
    String prefix = meta.ulid() + "/";
    Path chunksDir = blockDir.resolve("chunks");
    List<Path> segments;
    try (Stream<Path> s = Files.list(chunksDir)) {
      segments = s.filter(Files::isRegularFile).sorted().toList();
    }
    Path index = blockDir.resolve("index");
    List<BlockMeta.File> files = new ArrayList<>();
    for (Path seg : segments) {
      files.add(new BlockMeta.File("chunks/" + seg.getFileName(), Files.size(seg), null));
    }
    files.add(new BlockMeta.File("index", Files.size(index), null));
    files.add(new BlockMeta.File(BlockMetaJson.FILE_NAME, 0, null));
    files.sort((a, b) -> a.relPath().compareTo(b.relPath()));
    BlockMeta.Thanos withFiles = new BlockMeta.Thanos(t.version() == 0 ? BlockMeta.Thanos.VERSION_1 : t.version(),
        t.labels(), t.downsample(), t.source(), t.segmentFiles(), files, t.rewrites(), t.indexStats(),
        t.extensions(), t.uploadTime());
    BlockMeta out = meta.withThanos(withFiles);

    for (Path seg : segments) {
      uploadFile(bucket, prefix + "chunks/" + seg.getFileName(), seg, meta);
    }
    uploadFile(bucket, prefix + "index", index, meta);
    byte[] json = BlockMetaJson.toBytes(out);
    try (ByteArrayInputStream in = new ByteArrayInputStream(json)) {
      bucket.upload(prefix + BlockMetaJson.FILE_NAME, in, json.length);
    } catch (IOException e) {
      throw new IOException("upload meta.json of block " + meta.ulid() + " to " + bucket.name() + ": " + e.getMessage(), e);
    }
    return out;
  }

  private static void uploadFile(Bucket bucket, String key, Path file, BlockMeta meta) throws IOException {
    try {
      bucket.upload(key, file);
    } catch (IOException e) {
      throw new IOException("upload " + file + " of block " + meta.ulid() + " to " + bucket.name() + " as " + key
          + ": " + e.getMessage(), e);
    }
  }
}
