package dev.hypnos.core.objstore;

import java.io.IOException;

/** Helpers on object keys shared by the implementations. */
public final class ObjectKeys {
  private ObjectKeys() {}

  /**
   * The directory prefix for {@link Bucket#iter}: "" for the root, else {@code dir} ending in
   * exactly one {@code /}.
   */
  public static String dirPrefix(String dir) {
    if (dir.isEmpty()) {
      return "";
    }
    return dir.endsWith("/") ? dir : dir + "/";
  }

  /** Rejects an empty key; every bucket operation on an object needs a name. */
  public static void requireObjectKey(String bucket, String key) throws IOException {
    if (key.isEmpty()) {
      throw new IOException("empty object key for bucket " + bucket);
    }
  }

  /**
   * Rejects a key that cannot name a new object: empty, or ending in {@code /} (listings treat
   * such keys as directory markers, never as objects).
   */
  public static void requireUploadKey(String bucket, String key) throws IOException {
    requireObjectKey(bucket, key);
    if (key.endsWith("/")) {
      throw new IOException("invalid object key " + key + " for bucket " + bucket + ": it ends with /");
    }
  }

  /** Rejects a negative offset or length for {@link Bucket#getRange}. */
  public static void requireRange(String bucket, String key, long offset, long length)
      throws IOException {
    if (offset < 0 || length < 0) {
      throw new IOException(
          "invalid range offset "
              + offset
              + " length "
              + length
              + " for object "
              + key
              + " in bucket "
              + bucket
              + ": both must be >= 0");
    }
  }
}
