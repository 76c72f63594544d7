package dev.hypnos.core.objstore;

import dev.hypnos.core.labels.Labels;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A bucket held in memory, for tests and for the {@code MEMORY} objstore type.
 *
 * <p>Keys are kept sorted in UTF-8 byte order (the order S3 lists in), so listings come out in the
 * order the {@link Bucket} contract asks for.
 *
 * <p>Concurrency: thread-safe. Each object is an immutable byte array replaced as a whole by {@link
 * #upload}, so a reader sees either the old or the new content, never a mix. Listings are weakly
 * consistent with concurrent changes.
 */
public final class InMemoryBucket implements Bucket {
  private record StoredObject(byte[] data, Instant lastModified) {}

  private final String name;
  private final InstantSource clock;
  private final ConcurrentSkipListMap<String, StoredObject> objects =
      new ConcurrentSkipListMap<>(Labels::compareStrings);

  public InMemoryBucket() {
    this("mem", InstantSource.system());
  }

  /**
   * @param name the name for messages
   * @param clock gives the last-modified time of uploads
   */
  public InMemoryBucket(String name, InstantSource clock) {
    this.name = Objects.requireNonNull(name, "name");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean local() {
    return true;
  }

  private StoredObject find(String key) throws IOException {
    ObjectKeys.requireObjectKey(name, key);
    StoredObject object = objects.get(key);
    if (object == null) {
      throw new ObjectNotFoundException(name, key);
    }
    return object;
  }

  @Override
  public InputStream get(String key) throws IOException {
    return new ByteArrayInputStream(find(key).data());
  }

  @Override
  public InputStream getRange(String key, long offset, long length) throws IOException {
    ObjectKeys.requireRange(name, key, offset, length);
    byte[] data = find(key).data();
    if (offset >= data.length) {
      return InputStream.nullInputStream();
    }
    int from = (int) offset;
    int count = (int) Math.min(length, data.length - offset);
    return new ByteArrayInputStream(data, from, count);
  }

  @Override
  public void iter(String dir, Consumer<String> consumer) throws IOException {
    String prefix = ObjectKeys.dirPrefix(dir);
    @Nullable String lastDir = null;
    for (String key : objects.tailMap(prefix, true).keySet()) {
      if (!key.startsWith(prefix)) {
        break;
      }
      int slash = key.indexOf('/', prefix.length());
      if (slash < 0) {
        consumer.accept(key);
        continue;
      }
      String child = key.substring(0, slash + 1);
      // All keys below one sub-directory are adjacent in byte order, so comparing with the
      // previous one is enough to report each sub-directory once.
      if (!child.equals(lastDir)) {
        lastDir = child;
        consumer.accept(child);
      }
    }
  }

  @Override
  public void iterRecursive(String dir, Consumer<String> consumer) throws IOException {
    String prefix = ObjectKeys.dirPrefix(dir);
    for (String key : objects.tailMap(prefix, true).keySet()) {
      if (!key.startsWith(prefix)) {
        break;
      }
      consumer.accept(key);
    }
  }

  @Override
  public boolean exists(String key) throws IOException {
    ObjectKeys.requireObjectKey(name, key);
    return objects.containsKey(key);
  }

  @Override
  public ObjectAttributes attributes(String key) throws IOException {
    StoredObject object = find(key);
    return new ObjectAttributes(object.data().length, object.lastModified());
  }

  @Override
  public void upload(String key, InputStream in, long length) throws IOException {
    ObjectKeys.requireUploadKey(name, key);
    if (length < 0 || length > Integer.MAX_VALUE - 8) {
      throw new IOException(
          "upload object " + key + " to bucket " + name + ": invalid length " + length);
    }
    byte[] data = in.readNBytes((int) length);
    if (data.length != length) {
      throw new IOException(
          "upload object "
              + key
              + " to bucket "
              + name
              + ": the stream ended after "
              + data.length
              + " of "
              + length
              + " bytes");
    }
    objects.put(key, new StoredObject(data, clock.instant()));
  }

  @Override
  public void delete(String key) throws IOException {
    ObjectKeys.requireObjectKey(name, key);
    if (objects.remove(key) == null) {
      throw new ObjectNotFoundException(name, key);
    }
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return name;
  }
}
