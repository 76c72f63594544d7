package dev.hypnos.core.objstore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A view of a bucket under a key prefix: the objstore YAML's top-level {@code prefix:}. Key
 * {@code k} is stored as {@code <prefix>/k}; listings strip the prefix again. Leading and trailing
 * slashes of the prefix are ignored, as in Thanos.
 *
 * <p>Concurrency: as thread-safe as the wrapped bucket. Closing closes the wrapped bucket.
 */
public final class PrefixedBucket implements Bucket {
  private final Bucket delegate;
  private final String prefix;

  /**
   * @param prefix a non-empty prefix once slashes are trimmed
   */
  public PrefixedBucket(Bucket delegate, String prefix) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    String trimmed = trimSlashes(Objects.requireNonNull(prefix, "prefix"));
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException("empty bucket prefix");
    }
    this.prefix = trimmed + "/";
  }

  /** Wraps {@code bucket} when {@code prefix} is not empty (after trimming slashes). */
  public static Bucket wrap(Bucket bucket, String prefix) {
    return trimSlashes(prefix).isEmpty() ? bucket : new PrefixedBucket(bucket, prefix);
  }

  static String trimSlashes(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && s.charAt(start) == '/') {
      start++;
    }
    while (end > start && s.charAt(end - 1) == '/') {
      end--;
    }
    return s.substring(start, end);
  }

  /** The prefix, ending in {@code /}. */
  public String prefix() {
    return prefix;
  }

  /** The wrapped bucket's name, as in Thanos; messages name the full (prefixed) key. */
  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public boolean local() {
    return delegate.local();
  }

  @Override
  public void forgetOpen(String dir) {
    delegate.forgetOpen(prefix + dir);
  }

  private String full(String key) throws IOException {
    ObjectKeys.requireObjectKey(name(), key);
    return prefix + key;
  }

  @Override
  public InputStream get(String key) throws IOException {
    return delegate.get(full(key));
  }

  @Override
  public InputStream getRange(String key, long offset, long length) throws IOException {
    return delegate.getRange(full(key), offset, length);
  }

  @Override
  public void iter(String dir, Consumer<String> consumer) throws IOException {
    delegate.iter(prefix + ObjectKeys.dirPrefix(dir), k -> consumer.accept(strip(k)));
  }

  @Override
  public void iterRecursive(String dir, Consumer<String> consumer) throws IOException {
    delegate.iterRecursive(prefix + ObjectKeys.dirPrefix(dir), k -> consumer.accept(strip(k)));
  }

  private String strip(String key) {
    return key.startsWith(prefix) ? key.substring(prefix.length()) : key;
  }

  @Override
  public boolean exists(String key) throws IOException {
    return delegate.exists(full(key));
  }

  @Override
  public ObjectAttributes attributes(String key) throws IOException {
    return delegate.attributes(full(key));
  }

  @Override
  public void upload(String key, InputStream in, long length) throws IOException {
    delegate.upload(full(key), in, length);
  }

  @Override
  public void upload(String key, Path file) throws IOException {
    delegate.upload(full(key), file);
  }

  @Override
  public void delete(String key) throws IOException {
    delegate.delete(full(key));
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }

  @Override
  public String toString() {
    return delegate.name() + "/" + prefix;
  }
}
