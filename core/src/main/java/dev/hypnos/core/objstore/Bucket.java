package dev.hypnos.core.objstore;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * An object store bucket: flat keys separated by {@code /}, like Thanos's {@code objstore.Bucket}.
 *
 * <p>Edge cases, identical for every implementation (the contract suite checks them):
 *
 * <ul>
 *   <li>A missing object: {@link #get}, {@link #getRange} and {@link #attributes} throw {@link
 *       ObjectNotFoundException}; {@link #exists} returns false; {@link #delete} throws {@link
 *       ObjectNotFoundException}.
 *   <li>{@link #iter} lists the direct children of a "directory" prefix: objects as their full key,
 *       sub-directories as their full key ending in {@code /}; in lexicographic order. An empty or
 *       missing prefix lists nothing, without error. The prefix "" means the bucket root; a prefix
 *       not ending in {@code /} is treated as if it did.
 *   <li>{@link #iterRecursive} lists object keys only, in the same order. A key ending in {@code
 *       /} is a "directory marker" that some S3 stores keep, not an object: listings never report
 *       it as one.
 *   <li>{@link #getRange} with a range reaching past the end returns the bytes that exist (a short
 *       read); an offset at or past the end returns an empty stream.
 *   <li>{@link #upload} of a key that is empty or ends in {@code /} fails. An upload whose stream
 *       ends before {@code length} bytes fails with an {@link IOException} and leaves no object
 *       (an existing object of that key is kept). Readers never see a partially written object.
 *   <li>{@link #delete} removes one object (never a "directory"); with the filesystem bucket,
 *       directories left empty are removed too.
 *   <li>Every I/O failure is an {@link IOException} whose message names the bucket and key.
 * </ul>
 *
 * <p>Concurrency: implementations are thread-safe.
 */
public interface Bucket extends Closeable {
  /** A short name for messages and metrics, e.g. {@code s3:my-bucket} or {@code fs:/data}. */
  String name();

  /**
   * True when reads are served from this machine (a directory, memory), so that a reader gains
   * nothing by overlapping them and may read one after another on its own thread; false (the
   * default) for object stores reached over the network.
   */
  default boolean local() {
    return false;
  }

  /**
   * Lets go of whatever this bucket keeps open for the objects under directory {@code dir} (a
   * FILESYSTEM bucket's cached file channels), because the caller will not read them any more, e.g.
   * a block another process deleted. Nothing in the bucket changes; a later read opens afresh.
   */
  default void forgetOpen(String dir) {}

  /** Streams the whole object. The caller closes the stream. */
  InputStream get(String key) throws IOException;

  /** Streams {@code length} bytes from {@code offset} (fewer at the end of the object). */
  InputStream getRange(String key, long offset, long length) throws IOException;

  /** Calls {@code consumer} for each direct child of {@code dir}, in order (see class doc). */
  void iter(String dir, Consumer<String> consumer) throws IOException;

  /** Calls {@code consumer} for every object key under {@code dir}, recursively, in order. */
  void iterRecursive(String dir, Consumer<String> consumer) throws IOException;

  boolean exists(String key) throws IOException;

  ObjectAttributes attributes(String key) throws IOException;

  /** Uploads {@code length} bytes from {@code in}, replacing any object at {@code key}. */
  void upload(String key, InputStream in, long length) throws IOException;

  /** Uploads a local file, replacing any object at {@code key}. */
  default void upload(String key, Path file) throws IOException {
    try (InputStream in = java.nio.file.Files.newInputStream(file)) {
      upload(key, in, java.nio.file.Files.size(file));
    }
  }

  void delete(String key) throws IOException;
}
