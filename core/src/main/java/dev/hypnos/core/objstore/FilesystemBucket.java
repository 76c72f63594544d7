package dev.hypnos.core.objstore;

import dev.hypnos.core.labels.Labels;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A bucket in a local directory (the {@code FILESYSTEM} objstore type): the object {@code a/b/c}
 * is the file {@code <root>/a/b/c}.
 *
 * <p>Like Thanos's filesystem provider: directories are created on upload and removed again when a
 * delete leaves them empty (up to, not including, the root); empty directories are not listed.
 * Keys must stay inside the root: absolute keys, {@code .} and {@code ..} segments and empty
 * segments ({@code a//b}) are rejected.
 *
 * <p>An upload writes a hidden temporary file ({@value #TEMP_PREFIX}...) in the target directory
 * and renames it over the target atomically, so readers never see a partial object. Listings skip
 * such temporary files.
 *
 * <p>Concurrency: thread-safe; concurrent uploads of one key leave one of the uploaded contents.
 * Symbolic links are followed.
 */
public final class FilesystemBucket implements Bucket {
  static final String TEMP_PREFIX = ".hypnos-upload-";
  private static final int COPY_BUFFER = 64 * 1024;

  private final Path root;
  private final String name;

  /** Opens a bucket rooted at {@code root}; the directory is created if missing. */
  public FilesystemBucket(Path root) throws IOException {
    this.root = root.toAbsolutePath().normalize();
    this.name = "fs:" + this.root;
    try {
      Files.createDirectories(this.root);
    } catch (IOException e) {
      throw new IOException("create bucket directory " + this.root + ": " + e, e);
    }
  }

  public Path root() {
    return root;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean local() {
    return true;
  }

  /** The file for an object key, after checking the key stays inside the root. */
  private Path objectPath(String key) throws IOException {
    ObjectKeys.requireUploadKey(name, key);
    return resolve(key);
  }

  private Path resolve(String key) throws IOException {
    if (key.startsWith("/")) {
      throw new IOException("invalid key " + key + " for bucket " + name + ": it is absolute");
    }
    String trimmed = key.endsWith("/") ? key.substring(0, key.length() - 1) : key;
    if (trimmed.isEmpty()) {
      return root;
    }
    for (String segment : trimmed.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IOException(
            "invalid key "
                + key
                + " for bucket "
                + name
                + ": segments must not be empty, \".\" or \"..\"");
      }
      if (segment.indexOf('\0') >= 0) {
        throw new IOException("invalid key " + key + " for bucket " + name + ": it contains NUL");
      }
    }
    Path path = root.resolve(trimmed).normalize();
    if (!path.startsWith(root) || path.equals(root)) {
      throw new IOException("invalid key " + key + " for bucket " + name + ": outside the root");
    }
    return path;
  }

  /** Attributes of a regular file at {@code path}, or null if there is none. */
  private static @Nullable BasicFileAttributes fileAttributes(Path path) throws IOException {
    try {
      BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class);
      return attrs.isDirectory() ? null : attrs;
    } catch (NoSuchFileException | NotDirectoryException e) {
      return null;
    }
  }

  @Override
  public InputStream get(String key) throws IOException {
    return getRange(key, 0, Long.MAX_VALUE);
  }

  @Override
  public InputStream getRange(String key, long offset, long length) throws IOException {
    ObjectKeys.requireRange(name, key, offset, length);
    Path path = objectPath(key);
    FileChannel channel;
    try {
      if (Files.isDirectory(path)) {
        throw new ObjectNotFoundException(name, key);
      }
      channel = FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException | NotDirectoryException e) {
      throw new ObjectNotFoundException(name, key);
    } catch (ObjectNotFoundException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("open object " + key + " in bucket " + name + ": " + e, e);
    }
    try {
      long size = channel.size();
      if (offset >= size || length == 0) {
        channel.close();
        return InputStream.nullInputStream();
      }
      channel.position(offset);
      long remaining = Math.min(length, size - offset);
      return new BoundedInputStream(Channels.newInputStream(channel), remaining);
    } catch (IOException e) {
      channel.close();
      throw new IOException("read object " + key + " in bucket " + name + ": " + e, e);
    }
  }

  @Override
  public void iter(String dir, Consumer<String> consumer) throws IOException {
    String prefix = ObjectKeys.dirPrefix(dir);
    for (String child : children(prefix)) {
      consumer.accept(child);
    }
  }

  @Override
  public void iterRecursive(String dir, Consumer<String> consumer) throws IOException {
    walk(ObjectKeys.dirPrefix(dir), consumer);
  }

  private void walk(String prefix, Consumer<String> consumer) throws IOException {
    for (String child : children(prefix)) {
      if (child.endsWith("/")) {
        walk(child, consumer);
      } else {
        consumer.accept(child);
      }
    }
  }

  /**
   * The listed children of the directory for {@code prefix} ("" or ending in /), sorted in byte
   * order of the listed names (sub-directories end in /, so they sort where their keys would).
   */
  private List<String> children(String prefix) throws IOException {
    Path dir = resolve(prefix);
    List<String> result = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String fileName = entry.getFileName().toString();
        if (fileName.startsWith(TEMP_PREFIX)) {
          continue;
        }
        BasicFileAttributes attrs;
        try {
          attrs = Files.readAttributes(entry, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
          continue; // deleted while listing
        }
        if (attrs.isDirectory()) {
          if (hasListedEntries(entry)) {
            result.add(prefix + fileName + "/");
          }
        } else {
          result.add(prefix + fileName);
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      return List.of();
    } catch (IOException e) {
      throw new IOException("list directory " + prefix + " in bucket " + name + ": " + e, e);
    }
    result.sort(Labels::compareStrings);
    return result;
  }

  /** Whether a directory holds an object somewhere below it (empty trees are not listed). */
  private static boolean hasListedEntries(Path dir) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        if (entry.getFileName().toString().startsWith(TEMP_PREFIX)) {
          continue;
        }
        if (!Files.isDirectory(entry) || hasListedEntries(entry)) {
          return true;
        }
      }
    } catch (NoSuchFileException | NotDirectoryException e) {
      return false;
    }
    return false;
  }

  @Override
  public boolean exists(String key) throws IOException {
    return fileAttributes(objectPath(key)) != null;
  }

  @Override
  public ObjectAttributes attributes(String key) throws IOException {
    BasicFileAttributes attrs = fileAttributes(objectPath(key));
    if (attrs == null) {
      throw new ObjectNotFoundException(name, key);
    }
    return new ObjectAttributes(attrs.size(), attrs.lastModifiedTime().toInstant());
  }

  @Override
  public void upload(String key, InputStream in, long length) throws IOException {
    Path target = objectPath(key);
    if (length < 0) {
      throw new IOException(
          "upload object " + key + " to bucket " + name + ": invalid length " + length);
    }
    Path parent = target.getParent();
    Path temp = createTempFile(key, parent);
    boolean moved = false;
    try {
      long copied = copy(in, temp, length, key);
      if (copied < length) {
        throw new IOException(
            "upload object "
                + key
                + " to bucket "
                + name
                + ": the stream ended after "
                + copied
                + " of "
                + length
                + " bytes");
      }
      if (Files.isDirectory(target)) {
        throw new IOException(
            "upload object " + key + " to bucket " + name + ": a directory of that name exists");
      }
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new IOException("upload object " + key + " to bucket " + name + ": " + e, e);
      }
      moved = true;
    } finally {
      if (!moved) {
        Files.deleteIfExists(temp);
        removeEmptyParents(parent);
      }
    }
  }

  /** Copies up to {@code length} bytes of {@code in} into {@code file}; returns the count. */
  private long copy(InputStream in, Path file, long length, String key) throws IOException {
    try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.WRITE)) {
      byte[] buffer = new byte[(int) Math.min(COPY_BUFFER, Math.max(1, length))];
      long copied = 0;
      while (copied < length) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, length - copied));
        if (n < 0) {
          break;
        }
        out.write(buffer, 0, n);
        copied += n;
      }
      return copied;
    } catch (IOException e) {
      throw new IOException(
          "upload object " + key + " to bucket " + name + " via " + file + ": " + e, e);
    }
  }

  /**
   * Creates the temporary upload file next to the target. A concurrent delete may remove the
   * freshly created parent directories as empty, so creation is retried a few times.
   */
  private Path createTempFile(String key, Path parent) throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 10; attempt++) {
      try {
        Files.createDirectories(parent);
        Path temp = parent.resolve(TEMP_PREFIX + UUID.randomUUID() + ".tmp");
        Files.createFile(temp);
        return temp;
      } catch (NoSuchFileException e) {
        last = e;
      } catch (IOException e) {
        throw new IOException("upload object " + key + " to bucket " + name + ": " + e, e);
      }
    }
    throw new IOException("upload object " + key + " to bucket " + name + ": " + last, last);
  }

  @Override
  public void delete(String key) throws IOException {
    Path path = objectPath(key);
    try {
      if (Files.isDirectory(path)) {
        throw new ObjectNotFoundException(name, key);
      }
      Files.delete(path);
    } catch (NoSuchFileException | NotDirectoryException e) {
      throw new ObjectNotFoundException(name, key);
    } catch (ObjectNotFoundException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("delete object " + key + " in bucket " + name + ": " + e, e);
    }
    removeEmptyParents(path.getParent());
  }

  /** Removes {@code dir} and its parents while they are empty, stopping below the root. */
  private void removeEmptyParents(@Nullable Path dir) {
    Path current = dir;
    while (current != null && current.startsWith(root) && !current.equals(root)) {
      try {
        Files.delete(current);
      } catch (DirectoryNotEmptyException | NoSuchFileException e) {
        return;
      } catch (IOException e) {
        return; // leaving an empty directory behind is harmless: it is not listed
      }
      current = current.getParent();
    }
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return name;
  }

  /** Reads at most {@code remaining} bytes from {@code in}. */
  private static final class BoundedInputStream extends InputStream {
    private final InputStream in;
    private long remaining;

    BoundedInputStream(InputStream in, long remaining) {
      this.in = in;
      this.remaining = remaining;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (remaining <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long skipped = in.skip(Math.min(n, remaining));
      remaining -= skipped;
      return skipped;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(in.available(), remaining);
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
